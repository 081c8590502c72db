import GhNetAddress
import GhNetPackets
import Testing

@Suite("IPv6")
struct IPv6Tests {
    @Test func parsesKernelUDP() throws {
        let ip = try parseIP(Fixture("ipv6-udp").bytes)
        #expect(ip.family == .v6)
        #expect(ip.source == IPAddress("2001:db8::1"))
        #expect(ip.destination == IPAddress("2001:db8::2"))
        #expect(ip.transportProtocol == .udp)
        #expect(ip.hopLimit == 64)
        #expect(ip.transportRange == 40..<69)
        #expect(ip.pseudoHeader.length == 29)
    }

    @Test func skipsHopByHop() throws {
        let bytes = Fixture("ipv6-udp-hop-by-hop").bytes
        let ip = try parseIP(bytes)
        guard case .v6(let header) = ip.header else { Issue.record("not IPv6"); return }
        #expect(header.nextHeader == .hopByHop)
        #expect(ip.transportProtocol == .udp)
        #expect(ip.transportRange == 48..<bytes.count)
        try withBytes(bytes) { raw throws(PacketError) in
            let view = try UDPDatagramView(ip.transport(of: raw))
            #expect(try UDPHeader.parse(view, addresses: ip.addresses).destinationPort == 5300)
            #expect(Array(view.payload) == Array("hop-by-hop".utf8))
        }
    }

    @Test func skipsAChainOfExtensionHeaders() throws {
        let bytes = Fixture("ipv6-udp-extension-chain").bytes
        let ip = try parseIP(bytes)
        #expect(ip.transportProtocol == .udp)
        #expect(ip.transportRange == 64..<bytes.count) // 40 + hop-by-hop 8 + destination options 16
        #expect(ip.pseudoHeader.length == 29) // UDP header + "two extension headers"
    }

    @Test func viewExposesRawFields() throws {
        let bytes = Fixture("ipv6-udp-hop-by-hop").bytes
        try withBytes(bytes) { raw throws(PacketError) in
            let view = try IPv6PacketView(raw)
            #expect(view.trafficClass == 0)
            #expect(view.flowLabel == UInt32(bytes[1] & 0x0F) << 16 | UInt32(word(bytes, 2)))
            #expect(view.payloadLength == 26)
            #expect(view.payload.count == 26)
            #expect(view.nextHeader == .hopByHop)
        }
    }

    @Test(arguments: Fixture.parseable.filter { $0.bytes[0] >> 4 == 6 })
    func roundTrips(_ fixture: Fixture) throws {
        let ip = try parseIP(fixture.bytes)
        guard case .v6(let header) = ip.header else { Issue.record("not IPv6"); return }
        let out = try emitted(capacity: IPv6Header.length) { raw throws(PacketBuildError) in
            try header.emit(into: raw)
            return IPv6Header.length
        }
        #expect(out + fixture.bytes[IPv6Header.length...] == fixture.bytes)
    }

    @Test func refusesFragmentHeader() {
        #expect(throws: PacketError.fragment) { try parseIP(Fixture("ipv6-udp-fragment").bytes) }
    }

    /// The hop-by-hop fixture with its extension header changed by `change`.
    func hopByHop(_ change: (inout [UInt8]) -> Void) -> [UInt8] {
        var bytes = Fixture("ipv6-udp-hop-by-hop").bytes
        change(&bytes)
        return bytes
    }

    @Test func extensionHeaderRunningOffTheEnd() {
        // Header length 8 × (4 + 1) = 40 bytes, but only 26 remain.
        #expect(throws: PacketError.badExtensionHeader) { try parseIP(self.hopByHop { $0[41] = 4 }) }
        // Payload length cut to 4: not even the 8-byte minimum.
        #expect(throws: PacketError.badExtensionHeader) { try parseIP(self.hopByHop { $0[5] = 4 }) }
        // A chain of destination options where the last one runs off the end.
        #expect(throws: PacketError.badExtensionHeader) { try parseIP(self.hopByHop { $0[40] = 60 }) }
    }

    @Test(arguments: [IPProtocol.routing, .destinationOptions])
    func skipsRoutingAndDestinationOptions(_ kind: IPProtocol) throws {
        // The 8-byte hop-by-hop header relabelled as a routing (segments left 0) or
        // destination-options header.
        let bytes = hopByHop { $0[6] = kind.rawValue; $0[42] = 0; $0[43] = 0 }
        let ip = try parseIP(bytes)
        #expect(ip.transportProtocol == .udp)
        #expect(ip.transportRange == 48..<bytes.count)
    }

    @Test func hopByHopMustComeFirst() {
        // Fixed header → destination options → hop-by-hop: out of order.
        let bytes = hopByHop { $0[6] = 60; $0[40] = 0 }
        #expect(throws: PacketError.badExtensionHeader) { try parseIP(bytes) }
    }

    @Test func unsupportedExtensionHeaders() {
        for next: UInt8 in [50, 51, 135, 139, 140] {
            #expect(throws: PacketError.unsupportedExtensionHeader, "next header \(next)") {
                try parseIP(self.hopByHop { $0[40] = next })
            }
        }
    }

    @Test func unknownProtocolIsTheUpperLayer() throws {
        let ip = try parseIP(Fixture("ipv6-icmpv6-protocol-unreachable-offending").bytes)
        #expect(ip.transportProtocol == IPProtocol(rawValue: 253))
        #expect(ip.transportProtocol.description == "protocol 253")
    }

    @Test func badVersionAndLength() {
        var bytes = Fixture("ipv6-udp").bytes
        bytes[0] = 0x40
        #expect(throws: PacketError.badVersion) { try withBytes(bytes) { raw throws(PacketError) in try IPv6PacketView(raw) } }
        bytes = Fixture("ipv6-udp").bytes
        bytes[5] += 1
        #expect(throws: PacketError.truncated) { try parseIP(bytes) }
    }
}
