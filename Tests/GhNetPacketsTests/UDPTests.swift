import GhNetPackets
import Testing

@Suite("UDP")
struct UDPTests {
    static let udpFixtures = Fixture.parseable.filter { (try? parseIP($0.bytes))?.transportProtocol == .udp }

    @Test func parsesKernelDatagram() throws {
        let bytes = Fixture("ipv4-udp").bytes
        let ip = try parseIP(bytes)
        try withBytes(bytes) { raw throws(PacketError) in
            let view = try UDPDatagramView(ip.transport(of: raw))
            let header = try UDPHeader.parse(view, addresses: ip.addresses)
            #expect(header == UDPHeader(sourcePort: 40000, destinationPort: 5300))
            #expect(view.length == 29)
            #expect(Array(view.payload) == Array("hello gh-net over udp".utf8))
        }
    }

    @Test(arguments: udpFixtures)
    func roundTrips(_ fixture: Fixture) throws {
        let ip = try parseIP(fixture.bytes)
        let transport = Array(fixture.bytes[ip.transportRange])
        let (header, payload) = try withBytes(transport) { raw throws(PacketError) in
            let view = try UDPDatagramView(raw)
            return (try UDPHeader.parse(view, addresses: ip.addresses), Array(view.payload))
        }
        let out = try withBytes(payload) { p throws(PacketBuildError) in
            try emitted(capacity: transport.count) { o throws(PacketBuildError) in
                try header.emit(payload: p, addresses: ip.addresses, into: o)
            }
        }
        #expect(out == transport)
    }

    @Test func zeroChecksumMeansNoneOverIPv4Only() throws {
        for name in ["ipv4-udp", "ipv6-udp"] {
            let bytes = Fixture(name).bytes
            let ip = try parseIP(bytes)
            var transport = Array(bytes[ip.transportRange])
            transport[6] = 0; transport[7] = 0
            let error = parseError(transport) { raw throws(PacketError) in
                try UDPHeader.parse(try UDPDatagramView(raw), addresses: ip.addresses)
            }
            #expect(error == (ip.family == .v4 ? nil : .badChecksum), "\(name)")
        }
    }

    @Test func lengthFieldAndChecksumErrors() throws {
        let bytes = Fixture("ipv6-udp").bytes
        let ip = try parseIP(bytes)
        let transport = Array(bytes[ip.transportRange])
        func error(_ change: (inout [UInt8]) -> Void) -> PacketError? {
            var copy = transport
            change(&copy)
            return parseError(copy) { raw throws(PacketError) in try UDPHeader.parse(try UDPDatagramView(raw), addresses: ip.addresses) }
        }
        #expect(error { $0[4] = 0; $0[5] = 7 } == .badTotalLength)
        #expect(error { $0[5] += 1 } == .truncated)
        #expect(error { $0[5] -= 1 } == .badChecksum)
        #expect(error { $0[$0.count - 1] ^= 0x20 } == .badChecksum)
        #expect(error { $0.append(0xAA) } == nil) // bytes past the UDP length are ignored
    }

    @Test func computedZeroChecksumIsSentAsAllOnes() throws {
        // Find a 2-byte payload whose checksum computes to 0, and check it is sent as 0xFFFF.
        let addresses = try #require(IPAddressPair(source: .v4(0xC612_0001), destination: .v4(0xC612_0002)))
        let header = UDPHeader(sourcePort: 1, destinationPort: 2)
        var found = false
        for value in 0...UInt16.max where !found {
            let payload = [UInt8(value >> 8), UInt8(value & 0xFF)]
            let out = try withBytes(payload) { p throws(PacketBuildError) in
                try emitted(capacity: 10) { o throws(PacketBuildError) in try header.emit(payload: p, addresses: addresses, into: o) }
            }
            if word(out, 6) == 0xFFFF {
                found = true
                #expect(parseError(out) { raw throws(PacketError) in try UDPHeader.parse(try UDPDatagramView(raw), addresses: addresses) } == nil)
            }
            #expect(word(out, 6) != 0)
        }
        #expect(found)
    }
}
