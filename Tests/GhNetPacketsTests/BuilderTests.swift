import GhNetAddress
import GhNetPackets
import Testing

@Suite("Packet builders")
struct BuilderTests {
    /// Parses a built packet all the way down, verifying every checksum.
    @discardableResult
    static func verify(_ packet: [UInt8]) throws(PacketError) -> IPPacket {
        let ip = try parseIP(packet)
        try withBytes(packet) { raw throws(PacketError) in
            let transport = ip.transport(of: raw)
            switch ip.transportProtocol {
            case .tcp: _ = try TCPSegmentHeader.parse(try TCPSegmentView(transport), addresses: ip.addresses)
            case .udp: _ = try UDPHeader.parse(try UDPDatagramView(transport), addresses: ip.addresses)
            case .icmp: _ = try ICMPv4Message.parse(try ICMPMessageView(transport))
            case .icmpv6: _ = try ICMPv6Message.parse(try ICMPMessageView(transport), addresses: ip.addresses)
            default: Issue.record("unexpected protocol \(ip.transportProtocol)")
            }
        }
        return ip
    }

    @Test(arguments: TCPTests.tcpFixtures + UDPTests.udpFixtures)
    func tcpAndUDPMatchTheKernel(_ fixture: Fixture) throws {
        let ip = try parseIP(fixture.bytes)
        let (tcp, udp, payload) = try withBytes(fixture.bytes) { raw throws(PacketError) -> (TCPSegmentHeader?, UDPHeader?, [UInt8]) in
            let transport = ip.transport(of: raw)
            if ip.transportProtocol == .tcp {
                let view = try TCPSegmentView(transport)
                return (try TCPSegmentHeader.parse(view, addresses: ip.addresses), nil, Array(view.payload))
            }
            let view = try UDPDatagramView(transport)
            return (nil, try UDPHeader.parse(view, addresses: ip.addresses), Array(view.payload))
        }
        let built = try withBytes(payload) { p throws(PacketBuildError) -> [UInt8] in
            if let tcp { return try PacketBuilder.tcp(addresses: ip.addresses, header: tcp, payload: p, hopLimit: ip.hopLimit) }
            guard let udp else { return [] }
            return try PacketBuilder.udp(addresses: ip.addresses, header: udp, payload: p, hopLimit: ip.hopLimit)
        }
        let builtIP = try Self.verify(built)
        #expect(builtIP.addresses == ip.addresses)
        #expect(builtIP.transportProtocol == ip.transportProtocol)
        #expect(builtIP.hopLimit == ip.hopLimit)
        #expect(built[builtIP.transportRange] == fixture.bytes[ip.transportRange])
    }

    @Test(arguments: [("198.18.0.2", "198.18.2.10"), ("2001:db8::2", "2001:db8:2::10")])
    func headersForAGatheringWriteMatchTheWholePacket(source: String, destination: String) throws {
        let addresses = try #require(IPAddressPair(source: IPAddress(source)!, destination: IPAddress(destination)!))
        let header = TCPSegmentHeader(sourcePort: 80, destinationPort: 5000, sequenceNumber: 7, acknowledgmentNumber: 9,
                                      flags: [.ack, .psh], window: 512,
                                      options: TCPOptions(timestamps: TCPTimestamps(value: 3, echoReply: 4)))
        let payload = (0..<1001).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let length = PacketBuilder.tcpPacketLength(family: addresses.family, header: header, payloadCount: payload.count)
        let whole = try withBytes(payload) { p throws(PacketBuildError) in
            try emitted(capacity: length) { b throws(PacketBuildError) in
                try PacketBuilder.writeTCP(addresses: addresses, header: header, payload: p, into: b)
            }
        }
        let headers = try withBytes(payload) { p throws(PacketBuildError) in
            try emitted(capacity: 128) { b throws(PacketBuildError) in
                try PacketBuilder.writeTCPHeaders(addresses: addresses, header: header, payload: p, into: b)
            }
        }
        #expect(headers.count == length - payload.count)
        #expect(headers + payload == whole)
        try Self.verify(headers + payload)
    }

    @Test func writeIntoCallerBuffer() throws {
        let addresses = try #require(IPAddressPair(source: IPAddress("2001:db8::1")!, destination: IPAddress("2001:db8::2")!))
        let header = TCPSegmentHeader(sourcePort: 80, destinationPort: 5000, sequenceNumber: 1, acknowledgmentNumber: 2,
                                      flags: [.ack, .psh], window: 512,
                                      options: TCPOptions(timestamps: TCPTimestamps(value: 3, echoReply: 4)))
        let payload = [UInt8](repeating: 0x61, count: 1001)
        let length = PacketBuilder.tcpPacketLength(family: .v6, header: header, payloadCount: payload.count)
        #expect(length == 40 + 32 + 1001)
        func write(capacity: Int) throws(PacketBuildError) -> [UInt8] {
            try withBytes(payload) { p throws(PacketBuildError) in
                try emitted(capacity: capacity) { b throws(PacketBuildError) in
                    try PacketBuilder.writeTCP(addresses: addresses, header: header, payload: p, into: b)
                }
            }
        }
        let packet = try write(capacity: length + 10)
        #expect(packet.count == length)
        try Self.verify(packet)
        #expect(throws: PacketBuildError.bufferTooSmall(needed: length, available: length - 1)) { try write(capacity: length - 1) }
        let udpLength = PacketBuilder.udpPacketLength(family: .v4, payloadCount: 3)
        let v4 = try #require(IPAddressPair(source: IPAddress("198.18.0.2")!, destination: IPAddress("198.18.0.1")!))
        let udp = try withBytes([1, 2, 3]) { p throws(PacketBuildError) in
            try emitted(capacity: udpLength) { b throws(PacketBuildError) in
                try PacketBuilder.writeUDP(addresses: v4, header: UDPHeader(sourcePort: 53, destinationPort: 4000), payload: p, into: b)
            }
        }
        #expect(udp.count == 31)
        try Self.verify(udp)
    }

    @Test func refusesOversizePayloads() throws {
        let v4 = try #require(IPAddressPair(source: .v4(1), destination: .v4(2)))
        let v6 = try #require(IPAddressPair(source: .v6(IPv6Bytes(high: 1, low: 1)), destination: .v6(IPv6Bytes(high: 1, low: 2))))
        let udp = UDPHeader(sourcePort: 1, destinationPort: 2)
        let tcp = TCPSegmentHeader(sourcePort: 1, destinationPort: 2, sequenceNumber: 0, acknowledgmentNumber: 0, flags: .ack, window: 0)
        let big = [UInt8](repeating: 0, count: 65520)
        func build(_ addresses: IPAddressPair, tcp useTCP: Bool) throws(PacketBuildError) -> Int {
            try withBytes(big) { p throws(PacketBuildError) in
                useTCP ? try PacketBuilder.tcp(addresses: addresses, header: tcp, payload: p).count
                    : try PacketBuilder.udp(addresses: addresses, header: udp, payload: p).count
            }
        }
        #expect(throws: PacketBuildError.payloadTooLarge) { try build(v4, tcp: false) }
        #expect(throws: PacketBuildError.payloadTooLarge) { try build(v4, tcp: true) }
        #expect(throws: PacketBuildError.payloadTooLarge) { try build(v6, tcp: true) }
        let v6Count = try build(v6, tcp: false)
        // IPv6 carries up to 65535 bytes after its header: UDP 8 + 65520 fits, TCP 20 + 65520 does not.
        #expect(v6Count == 40 + 8 + 65520)
    }

    @Test(arguments: ["ipv4-icmp-echo-reply", "ipv6-icmpv6-echo-reply"])
    func echoReplyMatchesTheKernel(_ name: String) throws {
        let request = Fixture(name + "-request").bytes
        let kernel = Fixture(name).bytes
        let reply = try withBytes(request) { raw throws(PacketBuildError) in try PacketBuilder.echoReply(to: raw) }
        let ip = try Self.verify(reply)
        let kernelIP = try parseIP(kernel)
        #expect(ip.addresses == kernelIP.addresses)
        #expect(reply[ip.transportRange] == kernel[kernelIP.transportRange])
    }

    @Test(arguments: ["ipv4-icmp-echo-request", "ipv6-icmpv6-echo-request"])
    func echoReplyToPing(_ name: String) throws {
        let request = Fixture(name).bytes
        let requestIP = try parseIP(request)
        let reply = try withBytes(request) { raw throws(PacketBuildError) in try PacketBuilder.echoReply(to: raw, hopLimit: 7) }
        let ip = try Self.verify(reply)
        #expect(ip.addresses == requestIP.addresses.reversed)
        #expect(ip.hopLimit == 7)
        // Same identifier, sequence and data; only type and checksum differ.
        let q = Array(request[requestIP.transportRange]), r = Array(reply[ip.transportRange])
        #expect(r[0] == (ip.family == .v4 ? 0 : 129) && r[1] == 0)
        #expect(r[4...] == q[4...])
    }

    @Test func echoReplyRefusesOtherPackets() {
        for name in ["ipv4-udp", "ipv4-icmp-echo-reply", "ipv6-icmpv6-port-unreachable"] {
            #expect(throws: PacketBuildError.notAnEchoRequest, "\(name)") {
                try withBytes(Fixture(name).bytes) { raw throws(PacketBuildError) in try PacketBuilder.echoReply(to: raw) }
            }
        }
        var bad = Fixture("ipv6-icmpv6-echo-request").bytes
        bad[bad.count - 1] ^= 1
        #expect(throws: PacketBuildError.invalidPacket(.badChecksum)) {
            try withBytes(bad) { raw throws(PacketBuildError) in try PacketBuilder.echoReply(to: raw) }
        }
    }

    static func unreachable(_ reason: UnreachableReason, _ packet: [UInt8], source: IPAddress? = nil) throws(PacketBuildError) -> [UInt8] {
        try withBytes(packet) { raw throws(PacketBuildError) in try PacketBuilder.destinationUnreachable(reason, quoting: raw, source: source) }
    }

    @Test(arguments: [
        ("ipv4-icmp-port-unreachable", UnreachableReason.port), ("ipv6-icmpv6-port-unreachable", .port),
        ("ipv4-icmp-protocol-unreachable", .protocol), ("ipv6-icmpv6-protocol-unreachable", .protocol),
    ])
    func unreachableMatchesTheKernel(_ name: String, _ reason: UnreachableReason) throws {
        let kernel = Fixture(name).bytes
        let built = try Self.unreachable(reason, Fixture(name + "-offending").bytes)
        let ip = try Self.verify(built)
        let kernelIP = try parseIP(kernel)
        #expect(ip.addresses == kernelIP.addresses)
        #expect(ip.transportProtocol == kernelIP.transportProtocol)
        #expect(built[ip.transportRange] == kernel[kernelIP.transportRange])
    }

    @Test func quotesAsMuchAsFits() throws {
        // 1328- and 1348-byte packets: the quote is cut so the error is 576 / 1280 bytes, as the kernel's.
        for (name, limit) in [("ipv4-icmp-packet-too-big", 576), ("ipv6-icmpv6-packet-too-big", 1280)] {
            let offending = Fixture(name + "-offending").bytes
            let built = try Self.unreachable(.host, offending)
            #expect(built.count == limit)
            let ip = try Self.verify(built)
            #expect(built[(ip.transportRange.lowerBound + 8)...] == offending[0..<(limit - ip.transportRange.lowerBound - 8)])
            #expect(Fixture(name).bytes.count == limit)
        }
        // Trailing link padding is not quoted.
        let small = Fixture("ipv4-udp").bytes
        #expect(try Self.unreachable(.port, small + [0, 0]).count == 20 + 8 + small.count)
    }

    @Test(arguments: UnreachableReason.allCases)
    func everyReasonMapsToItsCode(_ reason: UnreachableReason) throws {
        let v4 = try Self.unreachable(reason, Fixture("ipv4-tcp-syn").bytes)
        let (message4, body4) = try ICMPTests.parse(v4)
        let code4: UInt8 = switch reason {
        case .network: 0
        case .host: 1
        case .protocol: 2
        case .port: 3
        case .administrativelyProhibited: 13
        }
        #expect(message4 == .v4(.destinationUnreachable(code: code4, nextHopMTU: 0)))
        let quoted = try withBytes(body4) { raw throws(PacketError) in try QuotedPacket.parse(raw) }
        #expect(quoted.transportProtocol == .tcp && quoted.sourcePort == 41000 && quoted.destinationPort == 8080)

        let chain = Fixture("ipv6-udp-extension-chain").bytes
        let v6 = try Self.unreachable(reason, chain)
        let (message6, _) = try ICMPTests.parse(v6)
        let expected: ICMPv6Message = switch reason {
        case .network: .destinationUnreachable(code: 0)
        case .host: .destinationUnreachable(code: 3)
        case .protocol: .parameterProblem(code: 1, pointer: 48) // next-header byte of the destination options header
        case .port: .destinationUnreachable(code: 4)
        case .administrativelyProhibited: .destinationUnreachable(code: 1)
        }
        #expect(message6 == .v6(expected))
    }

    @Test func errorSourceDefaultsToTheDestination() throws {
        let packet = Fixture("ipv4-udp").bytes
        let router = try #require(IPAddress("198.18.0.254"))
        let ip = try Self.verify(try Self.unreachable(.network, packet, source: router))
        #expect(ip.source == router && ip.destination == IPAddress("198.18.0.1"))
        #expect(throws: PacketBuildError.addressFamilyMismatch) {
            try Self.unreachable(.network, packet, source: IPAddress("2001:db8::1"))
        }
    }

    @Test func noErrorAboutErrorsOrGroups() throws {
        for name in Fixture.parseable.map(\.name) where name.contains("unreachable") || name.contains("exceeded") || name.contains("too-big") {
            guard !name.hasSuffix("-offending") else { continue }
            #expect(throws: PacketBuildError.icmpErrorNotAllowed, "\(name)") { try Self.unreachable(.port, Fixture(name).bytes) }
        }
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        let header = UDPHeader(sourcePort: 5353, destinationPort: 5353)
        for (source, destination) in [("198.18.0.1", "224.0.0.251"), ("198.18.0.1", "255.255.255.255"), ("0.0.0.0", "198.18.0.1"),
                                      ("2001:db8::1", "ff02::fb"), ("::", "2001:db8::1")] {
            let addresses = try #require(IPAddressPair(source: IPAddress(source)!, destination: IPAddress(destination)!))
            let packet = try PacketBuilder.udp(addresses: addresses, header: header, payload: empty)
            #expect(throws: PacketBuildError.icmpErrorNotAllowed, "\(source) -> \(destination)") { try Self.unreachable(.port, packet) }
        }
        #expect(throws: PacketBuildError.invalidPacket(.fragment)) { try Self.unreachable(.port, Fixture("ipv4-udp-fragment-first").bytes) }
    }
}
