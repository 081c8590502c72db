import GhNetDNS
import Testing

/// Seeded random inputs: random bytes and random mutations of valid messages. Every input must
/// give a message or a typed error, quickly; a parsed message must respect the wire limits.
/// Case `i` of a test uses seed `baseSeed + i`, which failure messages name.
@Suite(.timeLimit(.minutes(2))) struct FuzzTests {
    static let baseSeed: UInt64 = 0x6768_2D6E_6574_0005

    /// Valid messages to mutate: every record type, compression, long names.
    static let corpus: [[UInt8]] = [
        MalformedTests.rich,
        WireBuilder.pointerChain(60).bytes,
        WireBuilder.response("www.corp.example", type: 28, answers: [
            ("www.corp.example", 5, 30, WireBuilder.build { $0.name("web.corp.example") }),
            ("web.corp.example", 28, 30, [UInt8](repeating: 0xAB, count: 16)),
        ]),
        WireBuilder.response(String(repeating: "l.", count: 120) + "example", type: 1, rcode: 3, answers: []),
    ]

    /// Parses `bytes` and checks the invariants of whatever comes back.
    func check(_ bytes: [UInt8], seed: UInt64) {
        let message: DNSMessage
        do {
            message = try DNSMessage.parse(bytes)
        } catch {
            #expect(!error.description.isEmpty, "seed \(seed)")
            return
        }
        let names = message.questions.map(\.name) + (message.answers + message.authority + message.additional).map(\.name)
        for name in names {
            let wireLength = name.labels.reduce(1) { $0 + $1.count + 1 }
            #expect(wireLength <= 255 && name.labels.allSatisfy { (1...63).contains($0.count) }, "seed \(seed)")
        }
        #expect(!message.summary.description.isEmpty, "seed \(seed)")
        // Memory bounded by the input: a question takes at least 5 bytes, a record at least 11.
        let records = message.answers.count + message.authority.count + message.additional.count
        #expect(message.questions.count * 5 + records * 11 <= bytes.count, "seed \(seed)")
    }

    @Test func randomBytes() {
        for index in 0..<3000 {
            let seed = Self.baseSeed + UInt64(index)
            var random = SplitMix64(seed: seed)
            var bytes = (0..<Int.random(in: 0..<400, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            if bytes.count >= 12, Bool.random(using: &random) {
                // Small section counts, so parsing gets past the header more often.
                for field in 2..<6 { bytes[2 * field] = 0; bytes[2 * field + 1] = .random(in: 0...3, using: &random) }
            }
            check(bytes, seed: seed)
        }
    }

    @Test func mutationsOfValidMessages() {
        for index in 0..<6000 {
            let seed = Self.baseSeed &+ 1_000_000 &+ UInt64(index)
            var random = SplitMix64(seed: seed)
            var bytes = Self.corpus[Int.random(in: 0..<Self.corpus.count, using: &random)]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                mutate(&bytes, using: &random)
            }
            check(bytes, seed: seed)
        }
    }

    @Test func validCorpusParses() throws {
        for bytes in Self.corpus { _ = try DNSMessage.parse(bytes) }
    }

    func mutate(_ bytes: inout [UInt8], using random: inout SplitMix64) {
        guard !bytes.isEmpty else { bytes = [.random(in: 0...255, using: &random)]; return }
        let position = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<6, using: &random) {
        case 0: bytes[position] = .random(in: 0...255, using: &random)
        case 1: bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        case 2: bytes.removeSubrange(position...)
        case 3: bytes.remove(at: position)
        case 4:
            // A compression pointer to anywhere, including itself and past the end.
            let target = Int.random(in: 0..<(bytes.count + 8), using: &random)
            bytes.insert(contentsOf: [0xC0 | UInt8(target >> 8 & 0x3F), UInt8(target & 0xFF)], at: position)
        default:
            bytes.insert(.random(in: 0...255, using: &random), at: position)
        }
    }
}
