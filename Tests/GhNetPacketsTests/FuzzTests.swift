import GhNetAddress
import GhNetPackets
import Testing

/// Seeded random inputs through every parser and builder: nothing may crash, and every refusal
/// is a typed error that the drop counters count.
@Suite("Fuzzing")
struct FuzzTests {
    /// Parses `bytes` as far as it goes, the way the agent would, and answers it the way the
    /// agent might. Returns the first parse error.
    static func exercise(_ bytes: [UInt8]) -> PacketError? {
        do throws(PacketError) {
            try withBytes(bytes) { raw throws(PacketError) in
                let ip = try IPPacket.parse(raw)
                let transport = ip.transport(of: raw)
                switch ip.transportProtocol {
                case .tcp:
                    let view = try TCPSegmentView(transport)
                    _ = try TCPSegmentHeader.parse(view, addresses: ip.addresses)
                    _ = (view.payload.count, view.flags, view.window, view.urgentPointer)
                case .udp:
                    let view = try UDPDatagramView(transport)
                    _ = try UDPHeader.parse(view, addresses: ip.addresses)
                    _ = view.payload.count
                case .icmp, .icmpv6:
                    let view = try ICMPMessageView(transport)
                    if ip.family == .v4 { _ = try ICMPv4Message.parse(view) } else { _ = try ICMPv6Message.parse(view, addresses: ip.addresses) }
                    _ = try? QuotedPacket.parse(view.body)
                    _ = try? PacketBuilder.echoReply(to: raw)
                default:
                    break
                }
                _ = try? PacketBuilder.destinationUnreachable(.port, quoting: raw)
            }
            return nil
        } catch {
            return error
        }
    }

    /// Views and parsers run on arbitrary bytes directly, not only behind a valid IP header.
    static func exerciseLayers(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            let addresses = IPAddressPair.v4(source: 1, destination: 2)
            _ = try? TCPSegmentHeader.parse(TCPSegmentView(raw), addresses: addresses)
            _ = try? UDPHeader.parse(UDPDatagramView(raw), addresses: addresses)
            _ = try? ICMPv4Message.parse(ICMPMessageView(raw))
            _ = try? QuotedPacket.parse(raw)
            if let view = try? TCPSegmentView(raw) { _ = view.optionBytes.count }
            if let view = try? IPv4PacketView(raw) { _ = (view.headerChecksumVerifies, view.payload.count) }
            if let view = try? IPv6PacketView(raw) { _ = (view.flowLabel, view.payload.count) }
        }
    }

    /// Recomputes the IPv4 header checksum and the transport checksum, so that mutations reach
    /// the parsers behind them (TCP options, ICMP messages, quoted packets).
    static func fixChecksums(_ bytes: inout [UInt8]) {
        if bytes.count >= 20, bytes[0] >> 4 == 4 {
            let headerLength = Int(bytes[0] & 0x0F) * 4
            if headerLength >= 20, bytes.count >= headerLength {
                store(&bytes, at: 10) { $0[0..<headerLength] }
            }
        }
        guard let ip = try? parseIP(bytes) else { return }
        let start = ip.transportRange.lowerBound, end = ip.transportRange.upperBound
        let field: Int
        var sum: InternetChecksum
        switch ip.transportProtocol {
        case .tcp: (field, sum) = (16, InternetChecksum(pseudoHeader: ip.pseudoHeader))
        case .udp: (field, sum) = (6, InternetChecksum(pseudoHeader: ip.pseudoHeader))
        case .icmpv6: (field, sum) = (2, InternetChecksum(pseudoHeader: ip.pseudoHeader))
        case .icmp: (field, sum) = (2, InternetChecksum())
        default: return
        }
        guard end - start >= field + 2 else { return }
        bytes[start + field] = 0; bytes[start + field + 1] = 0
        bytes[start..<end].withUnsafeBytes { sum.add($0) }
        bytes[start + field] = UInt8(sum.checksum >> 8); bytes[start + field + 1] = UInt8(sum.checksum & 0xFF)
    }

    static func store(_ bytes: inout [UInt8], at offset: Int, over range: (inout [UInt8]) -> ArraySlice<UInt8>) {
        bytes[offset] = 0; bytes[offset + 1] = 0
        let checksum = range(&bytes).withUnsafeBytes { InternetChecksum.compute($0) }
        bytes[offset] = UInt8(checksum >> 8); bytes[offset + 1] = UInt8(checksum & 0xFF)
    }

    @Test func randomBytes() {
        var rng = SplitMix64(seed: 0x6768_6E65_74)
        var counters = PacketDropCounters()
        var failures: UInt64 = 0
        for _ in 0..<4000 {
            var bytes = (0..<Int.random(in: 0...160, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if !bytes.isEmpty, Bool.random(using: &rng) { bytes[0] = [0x45, 0x46, 0x4F, 0x60, 0x44].randomElement(using: &rng)! }
            if Bool.random(using: &rng) { Self.fixChecksums(&bytes) }
            Self.exerciseLayers(bytes)
            if let error = Self.exercise(bytes) {
                counters.record(error)
                failures += 1
            }
        }
        #expect(counters.total == failures)
        #expect(failures > 0)
    }

    @Test func mutatedFixtures() {
        var rng = SplitMix64(seed: 792)
        var counters = PacketDropCounters()
        var failures: UInt64 = 0, accepted = 0
        let fixtures = Fixture.all
        for round in 0..<12000 {
            var bytes = fixtures[round % fixtures.count].bytes
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[position] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[position] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                case 2: bytes[position] = [0, 1, 0x7F, 0x80, 0xFF].randomElement(using: &rng)!
                default: bytes.removeLast(Int.random(in: 0...min(8, bytes.count - 1), using: &rng))
                }
            }
            if Int.random(in: 0..<4, using: &rng) != 0 { Self.fixChecksums(&bytes) }
            Self.exerciseLayers(bytes)
            if let error = Self.exercise(bytes) {
                counters.record(error)
                failures += 1
            } else {
                accepted += 1
            }
        }
        #expect(counters.total == failures)
        #expect(accepted > 0)
        // Every check was hit at least once by the mutations.
        for reason in PacketError.allCases where reason != .unsupportedExtensionHeader {
            #expect(counters[reason] > 0, "\(reason)")
        }
    }
}
