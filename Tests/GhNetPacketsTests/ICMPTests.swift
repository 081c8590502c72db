import GhNetAddress
import GhNetPackets
import Testing

@Suite("ICMP")
struct ICMPTests {
    static let icmpFixtures = Fixture.parseable.filter {
        let proto = (try? parseIP($0.bytes))?.transportProtocol
        return proto == .icmp || proto == .icmpv6
    }

    /// The message and body of an ICMP or ICMPv6 packet.
    enum Parsed: Equatable {
        case v4(ICMPv4Message)
        case v6(ICMPv6Message)
    }

    static func parse(_ bytes: [UInt8]) throws(PacketError) -> (Parsed, [UInt8]) {
        let ip = try parseIP(bytes)
        return try withBytes(bytes) { raw throws(PacketError) in
            let view = try ICMPMessageView(ip.transport(of: raw))
            let message: Parsed = ip.family == .v4
                ? .v4(try ICMPv4Message.parse(view))
                : .v6(try ICMPv6Message.parse(view, addresses: ip.addresses))
            return (message, Array(view.body))
        }
    }

    @Test func echoesFromPing() throws {
        let (request4, data4) = try Self.parse(Fixture("ipv4-icmp-echo-request").bytes)
        guard case .v4(.echoRequest(_, let sequence4)) = request4 else { Issue.record("\(request4)"); return }
        #expect(sequence4 == 1)
        #expect(data4.count == 56)
        #expect(data4.suffix(4) == [0x67, 0x68, 0x67, 0x68]) // ping -p 6768
        let (request6, _) = try Self.parse(Fixture("ipv6-icmpv6-echo-request").bytes)
        guard case .v6(.echoRequest(_, 1)) = request6 else { Issue.record("\(request6)"); return }
        #expect(try Self.parse(Fixture("ipv4-icmp-echo-reply").bytes).0 == .v4(.echoReply(identifier: 0x4748, sequence: 7)))
        #expect(try Self.parse(Fixture("ipv6-icmpv6-echo-reply").bytes).0 == .v6(.echoReply(identifier: 0x4748, sequence: 7)))
    }

    @Test func kernelErrors() throws {
        typealias V4 = ICMPv4Message
        typealias V6 = ICMPv6Message
        let expected: [(String, Parsed)] = [
            ("ipv4-icmp-port-unreachable", .v4(.destinationUnreachable(code: V4.UnreachableCode.port, nextHopMTU: 0))),
            ("ipv4-icmp-protocol-unreachable", .v4(.destinationUnreachable(code: V4.UnreachableCode.protocol, nextHopMTU: 0))),
            ("ipv4-icmp-time-exceeded", .v4(.timeExceeded(code: 0))),
            ("ipv4-icmp-packet-too-big", .v4(.destinationUnreachable(code: V4.UnreachableCode.fragmentationNeeded, nextHopMTU: 576))),
            ("ipv6-icmpv6-port-unreachable", .v6(.destinationUnreachable(code: V6.UnreachableCode.port))),
            ("ipv6-icmpv6-protocol-unreachable", .v6(.parameterProblem(code: V6.unrecognizedNextHeader, pointer: 6))),
            ("ipv6-icmpv6-time-exceeded", .v6(.timeExceeded(code: 0))),
            ("ipv6-icmpv6-packet-too-big", .v6(.packetTooBig(mtu: 1280))),
        ]
        for (name, message) in expected {
            let (parsed, body) = try Self.parse(Fixture(name).bytes)
            #expect(parsed == message, "\(name)")
            // The body quotes the start of the injected packet; IPv6 forwarding lowered the hop
            // limit before it found the packet too big.
            var offending = Array(Fixture(name + "-offending").bytes.prefix(body.count))
            if name == "ipv6-icmpv6-packet-too-big" { offending[7] -= 1 }
            #expect(offending == body, "\(name)")
        }
    }

    @Test func quotedPacketNamesTheFlow() throws {
        let (_, body) = try Self.parse(Fixture("ipv6-icmpv6-port-unreachable").bytes)
        let quoted = try withBytes(body) { raw throws(PacketError) in try QuotedPacket.parse(raw) }
        #expect(quoted.addresses.source == IPAddress("2001:db8::2"))
        #expect(quoted.addresses.destination == IPAddress("2001:db8::1"))
        #expect(quoted.transportProtocol == .udp)
        #expect(quoted.sourcePort == 46000 && quoted.destinationPort == 9)
        // Cut to the RFC 792 minimum (IPv4 header + 8 bytes) it still names the flow.
        let (_, body4) = try Self.parse(Fixture("ipv4-icmp-port-unreachable").bytes)
        let quoted4 = try withBytes(Array(body4.prefix(28))) { raw throws(PacketError) in try QuotedPacket.parse(raw) }
        #expect(quoted4.addresses == .v4(source: 0xC612_0002, destination: 0xC612_0001))
        #expect(quoted4.sourcePort == 46000 && quoted4.destinationPort == 9)
        let quotedProtocol = try withBytes(Fixture("ipv4-icmp-protocol-unreachable-offending").bytes) { raw throws(PacketError) in
            try QuotedPacket.parse(raw)
        }
        #expect(quotedProtocol.transportProtocol == IPProtocol(rawValue: 253) && quotedProtocol.sourcePort == nil)
    }

    @Test func quotedPacketErrors() {
        func error(_ bytes: [UInt8]) -> PacketError? { parseError(bytes) { raw throws(PacketError) in try QuotedPacket.parse(raw) } }
        #expect(error([]) == .truncated)
        #expect(error([0x45] + [UInt8](repeating: 0, count: 10)) == .truncated)
        #expect(error([0x44] + [UInt8](repeating: 0, count: 19)) == .badHeaderLength)
        #expect(error([0x46] + [UInt8](repeating: 0, count: 19)) == .truncated)
        #expect(error([0x60] + [UInt8](repeating: 0, count: 30)) == .truncated)
        #expect(error([0x70] + [UInt8](repeating: 0, count: 40)) == .badVersion)
        // IPv6 hop-by-hop header cut short inside the quote.
        #expect(error(Array(Fixture("ipv6-udp-hop-by-hop").bytes.prefix(44))) == .badExtensionHeader)
    }

    @Test(arguments: icmpFixtures)
    func roundTrips(_ fixture: Fixture) throws {
        let ip = try parseIP(fixture.bytes)
        let transport = Array(fixture.bytes[ip.transportRange])
        let (message, body) = try Self.parse(fixture.bytes)
        let out = try withBytes(body) { b throws(PacketBuildError) in
            try emitted(capacity: transport.count) { o throws(PacketBuildError) in
                switch message {
                case .v4(let m): try m.emit(body: b, into: o)
                case .v6(let m): try m.emit(body: b, addresses: ip.addresses, into: o)
                }
            }
        }
        #expect(out == transport)
    }

    @Test func otherTypesAreKeptVerbatim() throws {
        let addresses = try #require(IPAddressPair(source: IPAddress("fe80::1")!, destination: IPAddress("ff02::2")!))
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        let solicitation = ICMPv6Message.other(type: 133, code: 0, restOfHeader: 0)
        let out6 = try emitted(capacity: 8) { o throws(PacketBuildError) in try solicitation.emit(body: empty, addresses: addresses, into: o) }
        let parsed = try withBytes(out6) { raw throws(PacketError) in try ICMPv6Message.parse(try ICMPMessageView(raw), addresses: addresses) }
        #expect(parsed == solicitation)
        let timestamp = ICMPv4Message.other(type: 13, code: 0, restOfHeader: 0x0001_0002)
        let out4 = try emitted(capacity: 8) { o throws(PacketBuildError) in try timestamp.emit(body: empty, into: o) }
        #expect(try withBytes(out4) { raw throws(PacketError) in try ICMPv4Message.parse(try ICMPMessageView(raw)) } == timestamp)
    }

    @Test func checksumErrors() throws {
        for name in ["ipv4-icmp-echo-request", "ipv6-icmpv6-echo-request"] {
            var bytes = Fixture(name).bytes
            bytes[bytes.count - 1] ^= 0x80
            #expect(throws: PacketError.badChecksum, "\(name)") { try Self.parse(bytes) }
        }
    }
}
