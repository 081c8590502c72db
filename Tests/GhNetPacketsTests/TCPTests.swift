import GhNetPackets
import Testing

@Suite("TCP")
struct TCPTests {
    static let tcpFixtures = Fixture.parseable.filter { (try? parseIP($0.bytes))?.transportProtocol == .tcp }

    /// Parses the TCP segment of a fixture: header and payload.
    static func segment(_ name: String) throws -> (TCPSegmentHeader, [UInt8]) {
        let bytes = Fixture(name).bytes
        let ip = try parseIP(bytes)
        return try withBytes(bytes) { raw throws(PacketError) in
            let view = try TCPSegmentView(ip.transport(of: raw))
            return (try TCPSegmentHeader.parse(view, addresses: ip.addresses), Array(view.payload))
        }
    }

    @Test(arguments: ["ipv4-tcp-syn", "ipv6-tcp-syn"])
    func kernelSYNOptions(_ name: String) throws {
        let (header, payload) = try Self.segment(name)
        #expect(header.flags == .syn)
        #expect(header.sourcePort == 41000 && header.destinationPort == 8080)
        #expect(header.acknowledgmentNumber == 0)
        #expect(header.options.maximumSegmentSize == (name.hasPrefix("ipv4") ? 1460 : 1440))
        #expect((1...14).contains(header.options.windowScale ?? 0))
        #expect(header.options.sackPermitted)
        #expect(header.options.timestamps?.echoReply == 0)
        #expect(header.length == 40)
        #expect(payload.isEmpty)
    }

    @Test func kernelSYNACKAndData() throws {
        let (synack, _) = try Self.segment("ipv4-tcp-synack")
        #expect(synack.flags == [.syn, .ack])
        #expect(synack.acknowledgmentNumber == 5001) // the injected SYN had sequence 5000
        #expect(synack.options.timestamps?.echoReply == 1000)
        let (data, payload) = try Self.segment("ipv4-tcp-data")
        #expect(data.flags == [.psh, .ack])
        #expect(data.sequenceNumber == synack.sequenceNumber &+ 1)
        #expect(data.options.maximumSegmentSize == nil && data.options.windowScale == nil && !data.options.sackPermitted)
        #expect(data.options.timestamps?.echoReply == 1001)
        #expect(data.length == 32)
        #expect(payload == Array("response from the kernel side".utf8))
        let (rst, _) = try Self.segment("ipv6-tcp-rst")
        #expect(rst.flags == [.rst, .ack])
        #expect(rst.options == TCPOptions())
        #expect(rst.flags.description == "RST|ACK")
    }

    @Test(arguments: tcpFixtures)
    func roundTrips(_ fixture: Fixture) throws {
        let ip = try parseIP(fixture.bytes)
        let transport = Array(fixture.bytes[ip.transportRange])
        let (header, payload) = try withBytes(transport) { raw throws(PacketError) in
            let view = try TCPSegmentView(raw)
            return (try TCPSegmentHeader.parse(view, addresses: ip.addresses), Array(view.payload))
        }
        let out = try withBytes(payload) { p throws(PacketBuildError) in
            try emitted(capacity: transport.count) { o throws(PacketBuildError) in
                try header.emit(payload: p, addresses: ip.addresses, into: o)
            }
        }
        #expect(out == transport)
    }

    @Test func everyOptionLayoutRoundTrips() throws {
        let addresses = try #require(IPAddressPair(source: .v4(1), destination: .v4(2)))
        for mask in 0..<16 {
            let options = TCPOptions(
                maximumSegmentSize: mask & 1 != 0 ? 1400 : nil, windowScale: mask & 2 != 0 ? 7 : nil,
                sackPermitted: mask & 4 != 0, timestamps: mask & 8 != 0 ? TCPTimestamps(value: 9, echoReply: 8) : nil)
            let header = TCPSegmentHeader(sourcePort: 1, destinationPort: 2, sequenceNumber: 3, acknowledgmentNumber: 4,
                                          flags: [.syn, .ece, .cwr], window: 5, urgentPointer: 6, options: options)
            #expect(header.length % 4 == 0)
            let out = try withBytes([7, 8, 9]) { p throws(PacketBuildError) in
                try emitted(capacity: header.length + 3) { o throws(PacketBuildError) in
                    try header.emit(payload: p, addresses: addresses, into: o)
                }
            }
            let parsed = try withBytes(out) { raw throws(PacketError) in
                try TCPSegmentHeader.parse(try TCPSegmentView(raw), addresses: addresses)
            }
            #expect(parsed == header)
        }
    }

    /// The SYN fixture's TCP bytes with the options area replaced by `options` (padded to 20
    /// bytes) and the checksum fixed, parsed.
    func parseWithOptions(_ options: [UInt8]) throws -> PacketError? {
        let bytes = Fixture("ipv4-tcp-syn").bytes
        let ip = try parseIP(bytes)
        var tcp = Array(bytes[ip.transportRange.lowerBound..<(ip.transportRange.lowerBound + 20)])
        tcp += options + [UInt8](repeating: 0, count: 20 - options.count)
        tcp[16] = 0; tcp[17] = 0
        var sum = InternetChecksum(pseudoHeader: PseudoHeader(addresses: ip.addresses, protocol: .tcp, length: tcp.count))
        tcp.withUnsafeBytes { sum.add($0) }
        tcp[16] = UInt8(sum.checksum >> 8); tcp[17] = UInt8(sum.checksum & 0xFF)
        return parseError(tcp) { raw throws(PacketError) in try TCPSegmentHeader.parse(try TCPSegmentView(raw), addresses: ip.addresses) }
    }

    @Test func malformedOptions() throws {
        #expect(try parseWithOptions([2, 0]) == .badTCPOption)                  // length below 2
        #expect(try parseWithOptions([2, 1]) == .badTCPOption)
        #expect(try parseWithOptions([1, 1, 30, 40]) == .badTCPOption)          // runs past the header
        #expect(try parseWithOptions([2, 3, 5]) == .badTCPOption)               // MSS must be 4 bytes
        #expect(try parseWithOptions([3, 4, 7, 0]) == .badTCPOption)            // window scale must be 3
        #expect(try parseWithOptions([4, 3, 0]) == .badTCPOption)               // SACK-permitted must be 2
        #expect(try parseWithOptions([8, 8, 0, 0, 0, 0, 0, 0]) == .badTCPOption) // timestamps must be 10
        #expect(try parseWithOptions([Array(repeating: 1, count: 19), [2]].flatMap { $0 }) == .badTCPOption) // kind without length
        #expect(try parseWithOptions([5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 34, 2]) == nil) // SACK block, TFO: skipped
        #expect(try parseWithOptions([0, 2, 0]) == nil)                          // after end-of-options: ignored
    }

    @Test func dataOffsetErrors() throws {
        let bytes = Fixture("ipv4-tcp-data").bytes
        var tcp = try transportBytes(bytes)
        tcp[12] = 0x40
        #expect(parseError(tcp) { raw throws(PacketError) in try TCPSegmentView(raw) } == .badHeaderLength)
        tcp[12] = 0xF0
        #expect(parseError(Array(tcp[0..<59])) { raw throws(PacketError) in try TCPSegmentView(raw) } == .truncated)
    }

    @Test func badChecksum() throws {
        let bytes = Fixture("ipv6-tcp-data").bytes
        let ip = try parseIP(bytes)
        var tcp = Array(bytes[ip.transportRange])
        tcp[tcp.count - 1] ^= 1
        #expect(parseError(tcp) { raw throws(PacketError) in try TCPSegmentHeader.parse(try TCPSegmentView(raw), addresses: ip.addresses) } == .badChecksum)
        // The right bytes under the wrong addresses fail too: the pseudo-header counts.
        let good = Array(bytes[ip.transportRange])
        #expect(parseError(good) { raw throws(PacketError) in try TCPSegmentHeader.parse(try TCPSegmentView(raw), addresses: .v4(source: 1, destination: 2)) } == .badChecksum)
    }
}
