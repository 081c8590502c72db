import NIOCore
import Testing
@testable import GhNetWire

/// Random and mutated input: the decoder must always either decode or throw, never crash or
/// hang, never let the caller's buffer grow past one maximum frame plus one read, and every
/// frame it accepts must re-encode to exactly the bytes it consumed.
@Suite struct FuzzTests {
    /// The seeds of every random test derive from this one; a failure message names the seed
    /// of the failing input so it can be replayed alone.
    static let baseSeed: UInt64 = 0x6768_2D6E_6574

    /// Feeds `input` in random chunks the way a channel would and checks the invariants.
    /// Returns the frames decoded and the error decoding ended with, if any.
    @discardableResult
    private func check(_ input: [UInt8], maximumFrameLength: Int, random: inout SplitMix64, seed: UInt64)
        -> (frames: [Frame], error: WireError?)
    {
        var decoder = FrameDecoder(maximumFrameLength: maximumFrameLength)
        var accumulated = ByteBuffer()
        var frames: [Frame] = []
        var index = 0
        while index < input.count {
            let chunk = min(Int.random(in: 1...300, using: &random), input.count - index)
            accumulated.writeBytes(input[index..<(index + chunk)])
            index += chunk
            // Undecoded bytes never exceed one incomplete maximum frame plus this read.
            #expect(accumulated.readableBytes < 4 + maximumFrameLength + chunk, "seed \(seed)")
            while true {
                let before = accumulated
                let start = accumulated.readerIndex
                do {
                    guard let frame = try decoder.decode(buffer: &accumulated) else { break }
                    let consumed = before.getSlice(at: start, length: accumulated.readerIndex - start)!
                    #expect(consumed.readableBytes >= 5, "seed \(seed)")
                    #expect(Fixtures.encode([frame]) == consumed, "seed \(seed): \(frame) re-encodes differently")
                    frames.append(frame)
                } catch {
                    #expect(accumulated.readerIndex == start, "seed \(seed)")
                    // The decoder stays failed.
                    #expect(throws: error) { try decoder.decode(buffer: &accumulated) }
                    return (frames, error)
                }
            }
            accumulated.discardReadBytes()
        }
        return (frames, nil)
    }

    @Test func randomBytes() {
        for n in UInt64(0)..<4000 {
            let seed = Self.baseSeed &+ n
            var random = SplitMix64(seed: seed)
            let input = (0..<Int.random(in: 0...400, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            check(input, maximumFrameLength: 1 << 16, random: &random, seed: seed)
        }
    }

    /// Random bodies behind a plausible length and a known kind, so the field validators run.
    @Test func randomBodiesOfKnownKinds() {
        var decodedKinds = Set<FrameKind>()
        var errors: Set<String> = []
        for n in UInt64(0)..<20_000 {
            let seed = Self.baseSeed &+ 1_000_000 &+ n
            var random = SplitMix64(seed: seed)
            var input: [UInt8] = []
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let kind = FrameKind.allCases.randomElement(using: &random)!
                let body = (0..<Int.random(in: 0...48, using: &random)).map { _ in
                    // Small values hit enum, family and boolean encodings more often.
                    Bool.random(using: &random) ? UInt8.random(in: 0...7, using: &random) : UInt8.random(in: 0...255, using: &random)
                }
                let length = UInt32(body.count + 1)
                input += [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
                input += [kind.rawValue] + body
            }
            let (frames, error) = check(input, maximumFrameLength: 1 << 16, random: &random, seed: seed)
            decodedKinds.formUnion(frames.map(\.kind))
            if let error { errors.insert(error.caseName) }
        }
        // The generator reaches deep enough to decode most kinds and to trip every validator.
        #expect(decodedKinds.count >= FrameKind.allCases.count * 3 / 4, "decoded only \(decodedKinds)")
        #expect(errors.isSuperset(of: ["truncatedField", "invalidValue", "trailingBytes"]), "\(errors)")
    }

    @Test func mutatedValidFrames() {
        let valid = Array(Fixtures.encode(Fixtures.compactFrames).readableBytesView)
        for n in UInt64(0)..<2000 {
            let seed = Self.baseSeed &+ 2_000_000 &+ n
            var random = SplitMix64(seed: seed)
            var input = valid
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                mutate(&input, using: &random)
            }
            check(input, maximumFrameLength: FrameDecoder.defaultMaximumFrameLength, random: &random, seed: seed)
        }
    }

    private func mutate(_ bytes: inout [UInt8], using random: inout SplitMix64) {
        guard !bytes.isEmpty else { return }
        let at = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<6, using: &random) {
        case 0: bytes[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
        case 1: bytes[at] = UInt8.random(in: 0...255, using: &random)
        case 2: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &random)))
        case 3: bytes.insert(contentsOf: (0..<Int.random(in: 1...8, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, at: at)
        case 4: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + Int.random(in: 1...32, using: &random))], at: at)
        default: bytes.removeSubrange(at...)
        }
    }
}
