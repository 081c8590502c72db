import GhNetAddress
import GhNetPackets
import Testing

@Suite("IPv4")
struct IPv4Tests {
    @Test func parsesKernelUDP() throws {
        let fixture = Fixture("ipv4-udp")
        let ip = try parseIP(fixture.bytes)
        #expect(ip.family == .v4)
        #expect(ip.source == IPAddress("198.18.0.1"))
        #expect(ip.destination == IPAddress("198.18.0.2"))
        #expect(ip.transportProtocol == .udp)
        #expect(ip.hopLimit == 64)
        #expect(ip.transportRange == 20..<49)
        #expect(ip.totalLength == 49)
        guard case .v4(let header) = ip.header else { Issue.record("not IPv4"); return }
        #expect(header.dontFragment)
        #expect(header.payloadLength == 29)
    }

    @Test func viewExposesRawFields() throws {
        let bytes = Fixture("ipv4-udp-fragment-first").bytes
        try withBytes(bytes) { raw throws(PacketError) in
            let view = try IPv4PacketView(raw)
            #expect(view.moreFragments)
            #expect(view.fragmentOffset == 0)
            #expect(!view.dontFragment)
            #expect(view.totalLength == 1500)
            #expect(view.headerChecksumVerifies)
            #expect(view.headerChecksum == word(bytes, 10))
            #expect(view.payload.count == 1480)
        }
        try withBytes(Fixture("ipv4-udp-fragment-last").bytes) { raw throws(PacketError) in
            let view = try IPv4PacketView(raw)
            #expect(!view.moreFragments)
            #expect(view.fragmentOffset == 370) // third fragment: 2 × 1480 bytes / 8
        }
    }

    @Test(arguments: Fixture.parseable.filter { $0.bytes[0] >> 4 == 4 })
    func roundTrips(_ fixture: Fixture) throws {
        let ip = try parseIP(fixture.bytes)
        guard case .v4(let header) = ip.header else { Issue.record("not IPv4"); return }
        let out = try emitted(capacity: IPv4Header.length) { raw throws(PacketBuildError) in
            try header.emit(into: raw)
            return IPv4Header.length
        }
        #expect(out + fixture.bytes[ip.transportRange] == fixture.bytes)
    }

    @Test func refusesOptionsAndFragments() {
        for (name, error) in Fixture.rejected where name.hasPrefix("ipv4") {
            #expect(throws: error, "\(name)") { try parseIP(Fixture(name).bytes) }
        }
    }

    @Test func badVersionLengthsAndChecksum() {
        let good = Fixture("ipv4-tcp-syn").bytes
        func mutated(_ change: (inout [UInt8]) -> Void) -> [UInt8] {
            var bytes = good
            change(&bytes)
            return bytes
        }
        #expect(throws: PacketError.badVersion) { try parseIP(mutated { $0[0] = 0x55 }) }
        #expect(throws: PacketError.badHeaderLength) { try parseIP(mutated { $0[0] = 0x44 }) }
        #expect(throws: PacketError.badTotalLength) { try parseIP(mutated { $0[2] = 0; $0[3] = 19 }) }
        #expect(throws: PacketError.truncated) { try parseIP(mutated { $0[3] += 1 }) }
        #expect(throws: PacketError.badChecksum) { try parseIP(mutated { $0[8] -= 1 }) }
        #expect(throws: PacketError.badChecksum) { try parseIP(mutated { $0[10] ^= 0x01 }) }
        // IHL 6 with a checksum fixed up: options, not a checksum error.
        var withOption = Array(good[0..<20]) + [1, 1, 1, 0] + good[20...]
        withOption[0] = 0x46
        withOption[3] += 4
        withOption[10] = 0; withOption[11] = 0
        let checksum = withOption[0..<24].withUnsafeBytes { InternetChecksum.compute($0) }
        withOption[10] = UInt8(checksum >> 8); withOption[11] = UInt8(checksum & 0xFF)
        #expect(throws: PacketError.ipv4OptionsUnsupported) { try parseIP(withOption) }
        // Link padding after the total length is ignored.
        #expect((try? parseIP(good + [0, 0, 0]))?.transportRange == 20..<60)
    }

    @Test func emitRefusesOversizeAndShortBuffers() {
        let header = IPv4Header(source: 1, destination: 2, protocol: .udp, payloadLength: 65516)
        func emit(capacity: Int) throws(PacketBuildError) {
            _ = try emitted(capacity: capacity) { raw throws(PacketBuildError) in try header.emit(into: raw); return 0 }
        }
        #expect(throws: PacketBuildError.payloadTooLarge) { try emit(capacity: 20) }
        #expect(throws: PacketBuildError.bufferTooSmall(needed: 20, available: 19)) { try emit(capacity: 19) }
    }
}
