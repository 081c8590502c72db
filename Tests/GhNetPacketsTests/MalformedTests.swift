import GhNetPackets
import Testing

@Suite("Malformed input")
struct MalformedTests {
    @Test(arguments: Fixture.all)
    func everyTruncationOfThePacket(_ fixture: Fixture) {
        for length in 0..<fixture.bytes.count {
            #expect(parseError(Array(fixture.bytes.prefix(length))) { raw throws(PacketError) in try IPPacket.parse(raw) } == .truncated,
                    "\(fixture.name) cut to \(length)")
        }
    }

    @Test(arguments: Fixture.parseable)
    func everyTruncationOfTheTransport(_ fixture: Fixture) throws {
        let ip = try parseIP(fixture.bytes)
        let transport = Array(fixture.bytes[ip.transportRange])
        for length in 0..<transport.count {
            let cut = Array(transport.prefix(length))
            let expected: PacketError?
            let error: PacketError?
            switch ip.transportProtocol {
            case .tcp:
                let headerLength = Int(transport[12] >> 4) * 4
                expected = length < headerLength ? .truncated : .badChecksum
                error = parseError(cut) { raw throws(PacketError) in try TCPSegmentHeader.parse(try TCPSegmentView(raw), addresses: ip.addresses) }
            case .udp:
                expected = .truncated
                error = parseError(cut) { raw throws(PacketError) in try UDPHeader.parse(try UDPDatagramView(raw), addresses: ip.addresses) }
            case .icmp:
                // Without a pseudo-header, cutting off trailing zero bytes leaves the sum intact.
                let onlyZerosCut = transport[length...].allSatisfy { $0 == 0 }
                expected = length < 8 ? .truncated : onlyZerosCut ? nil : .badChecksum
                error = parseError(cut) { raw throws(PacketError) in try ICMPv4Message.parse(try ICMPMessageView(raw)) }
            case .icmpv6:
                expected = length < 8 ? .truncated : .badChecksum
                error = parseError(cut) { raw throws(PacketError) in try ICMPv6Message.parse(try ICMPMessageView(raw), addresses: ip.addresses) }
            default:
                return
            }
            #expect(error == expected, "\(fixture.name) transport cut to \(length)")
        }
    }

    @Test func emptyAndUnknownVersions() {
        #expect(parseError([]) { raw throws(PacketError) in try IPPacket.parse(raw) } == .truncated)
        for first: UInt8 in [0x00, 0x10, 0x50, 0x70, 0xF0] {
            #expect(parseError([first] + [UInt8](repeating: 0, count: 59)) { raw throws(PacketError) in try IPPacket.parse(raw) } == .badVersion)
        }
        // The family-specific views refuse the other family.
        #expect(parseError(Fixture("ipv6-udp").bytes) { raw throws(PacketError) in try IPv4PacketView(raw) } == .badVersion)
        #expect(parseError(Fixture("ipv4-icmp-packet-too-big").bytes) { raw throws(PacketError) in try IPv6PacketView(raw) } == .badVersion)
    }
}
