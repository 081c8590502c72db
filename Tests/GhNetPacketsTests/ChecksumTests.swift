import GhNetAddress
import GhNetPackets
import Testing

@Suite("Internet checksum")
struct ChecksumTests {
    /// Bit-by-bit reference: big-endian words, zero-padded, one's complement sum.
    static func reference(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        for i in stride(from: 0, to: bytes.count, by: 2) {
            sum += UInt32(bytes[i]) << 8 | (i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0)
            sum = (sum & 0xFFFF) + (sum >> 16)
        }
        return ~UInt16(sum)
    }

    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        bytes.withUnsafeBytes { InternetChecksum.compute($0) }
    }

    @Test func rfc1071Example() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
        #expect(Self.checksum([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]) == ~UInt16(0xDDF2))
    }

    @Test func matchesReferenceForEveryLengthAndSplit() {
        var rng = SplitMix64(seed: 1071)
        for length in 0...300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(Self.checksum(bytes) == Self.reference(bytes), "length \(length)")
            // Added in pieces of odd and even sizes, the sum is the same.
            var sum = InternetChecksum()
            var start = 0
            while start < length {
                let end = min(length, start + Int.random(in: 0...9, using: &rng))
                bytes[start..<end].withUnsafeBytes { sum.add($0) }
                start = end
            }
            #expect(sum.checksum == Self.reference(bytes), "length \(length) in pieces")
        }
    }

    @Test func allOnesAndCarries() {
        #expect(Self.checksum([UInt8](repeating: 0xFF, count: 64 * 1024)) == 0)
        #expect(Self.checksum([UInt8](repeating: 0xFF, count: 65535)) == Self.reference([UInt8](repeating: 0xFF, count: 65535)))
        #expect(Self.checksum([]) == 0xFFFF)
    }

    @Test func wordsAddAsBigEndianBytes() {
        var sum = InternetChecksum()
        sum.add(UInt16(0x1234))
        sum.add(UInt32(0xABCD_EF01))
        #expect(sum.checksum == Self.reference([0x12, 0x34, 0xAB, 0xCD, 0xEF, 0x01]))
        var odd = InternetChecksum()
        [UInt8(0x55)].withUnsafeBytes { odd.add($0) }
        odd.add(UInt16(0x1234))
        #expect(odd.checksum == Self.reference([0x55, 0x12, 0x34]))
    }

    @Test func pseudoHeaderIPv4() throws {
        let addresses = try #require(IPAddressPair(source: IPAddress("198.18.0.1")!, destination: IPAddress("198.18.0.2")!))
        let pseudo = PseudoHeader(addresses: addresses, protocol: .udp, length: 0x1234)
        let bytes: [UInt8] = [198, 18, 0, 1, 198, 18, 0, 2, 0, 17, 0x12, 0x34]
        #expect(InternetChecksum(pseudoHeader: pseudo).checksum == Self.reference(bytes))
    }

    @Test func pseudoHeaderIPv6() throws {
        let source = try #require(IPAddress("2001:db8::1")), destination = try #require(IPAddress("2001:db8:ffff::abcd"))
        let addresses = try #require(IPAddressPair(source: source, destination: destination))
        let pseudo = PseudoHeader(addresses: addresses, protocol: .tcp, length: 70000)
        let bytes = source.bytes + destination.bytes + [0, 1, 0x11, 0x70, 0, 0, 0, 6]
        #expect(InternetChecksum(pseudoHeader: pseudo).checksum == Self.reference(bytes))
    }

    @Test func incrementalUpdateMatchesRecomputation() {
        var rng = SplitMix64(seed: 1624)
        for _ in 0..<500 {
            var bytes = (0..<40).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let before = Self.checksum(bytes)
            // A 16-bit field at offset 10.
            let oldWord = word(bytes, 10), newWord = UInt16.random(in: 0...0xFFFF, using: &rng)
            bytes[10] = UInt8(newWord >> 8); bytes[11] = UInt8(newWord & 0xFF)
            let afterWord = InternetChecksum.update(before, from: oldWord, to: newWord)
            #expect(equalOnesComplement(afterWord, Self.checksum(bytes)))
            // An IPv4 address at offset 12.
            let oldV4 = UInt32(word(bytes, 12)) << 16 | UInt32(word(bytes, 14)), newV4 = UInt32.random(in: 0...UInt32.max, using: &rng)
            for i in 0..<4 { bytes[12 + i] = UInt8(truncatingIfNeeded: newV4 >> (24 - 8 * UInt32(i))) }
            #expect(equalOnesComplement(InternetChecksum.update(afterWord, from: oldV4, to: newV4), Self.checksum(bytes)))
            // An IPv6 address at offset 16.
            let oldV6 = IPv6Bytes(Array(bytes[16..<32]))
            let newBytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes.replaceSubrange(16..<32, with: newBytes)
            let updated = InternetChecksum.update(Self.checksum(Array(bytes[0..<16]) + oldV6.array + bytes[32...]),
                                                  from: oldV6, to: IPv6Bytes(newBytes))
            #expect(equalOnesComplement(updated, Self.checksum(bytes)))
        }
    }

    /// 0x0000 and 0xFFFF are the two zeros of one's complement arithmetic.
    func equalOnesComplement(_ a: UInt16, _ b: UInt16) -> Bool {
        a == b || (a == 0 && b == 0xFFFF) || (a == 0xFFFF && b == 0)
    }
}

/// A small deterministic PRNG (SplitMix64) so that random tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
