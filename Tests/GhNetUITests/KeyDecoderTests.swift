import Testing
@testable import GhNetUI

@Suite struct KeyDecoderTests {
    /// Every sequence the decoder knows and the keys it gives.
    static let sequences: [(bytes: [UInt8], keys: [Key])] = [
        (Array("\u{1B}[A".utf8), [.up]), (Array("\u{1B}[B".utf8), [.down]),
        (Array("\u{1B}[C".utf8), [.right]), (Array("\u{1B}[D".utf8), [.left]),
        (Array("\u{1B}OA".utf8), [.up]), (Array("\u{1B}OB".utf8), [.down]),
        (Array("\u{1B}OC".utf8), [.right]), (Array("\u{1B}OD".utf8), [.left]),
        (Array("\u{1B}[1;5A".utf8), [.up]), (Array("\u{1B}[1;2D".utf8), [.left]),
        (Array("\u{1B}[5~".utf8), [.pageUp]), (Array("\u{1B}[6~".utf8), [.pageDown]),
        (Array("\u{1B}[H".utf8), [.home]), (Array("\u{1B}[F".utf8), [.end]),
        (Array("\u{1B}OH".utf8), [.home]), (Array("\u{1B}OF".utf8), [.end]),
        (Array("\u{1B}[1~".utf8), [.home]), (Array("\u{1B}[4~".utf8), [.end]),
        (Array("\u{1B}[7~".utf8), [.home]), (Array("\u{1B}[8~".utf8), [.end]),
        (Array("\r".utf8), [.enter]), (Array("\n".utf8), [.enter]), (Array("\r\n".utf8), [.enter]),
        (Array("\r\r".utf8), [.enter, .enter]), (Array("\u{1B}OM".utf8), [.enter]),
        ([0x03], [.ctrlC]), (Array("q".utf8), [.character("q")]), (Array("~".utf8), [.character("~")]),
        (Array("é".utf8), [.character("é")]), (Array("数".utf8), [.character("数")]),
        (Array("🚀".utf8), [.character("🚀")]),
    ]

    func decode(_ chunks: [[UInt8]]) -> [Key] {
        var decoder = KeyDecoder()
        var keys = chunks.flatMap { decoder.feed($0) }
        #expect(!decoder.isWaiting)
        keys += decoder.flush()
        return keys
    }

    @Test func everySequenceSplitAtEveryByteBoundary() {
        for (bytes, keys) in Self.sequences {
            for split in 0...bytes.count {
                #expect(decode([Array(bytes[..<split]), Array(bytes[split...])]) == keys, "\(bytes) split at \(split)")
            }
            #expect(decode(bytes.map { [$0] }) == keys, "\(bytes) byte by byte")
        }
    }

    @Test func allSequencesInOneStreamSplitAtEveryBoundary() {
        let stream = Self.sequences.flatMap { $0.bytes + Array("x".utf8) }
        let keys = Self.sequences.flatMap { $0.keys + [.character("x")] }
        for split in 0...stream.count {
            #expect(decode([Array(stream[..<split]), Array(stream[split...])]) == keys, "split at \(split)")
        }
    }

    @Test func incompleteSequenceWaitsForTheNextRead() {
        var decoder = KeyDecoder()
        #expect(decoder.feed(Array("\u{1B}[".utf8)) == [])
        #expect(decoder.isWaiting)
        #expect(decoder.feed(Array("5".utf8)) == [])
        #expect(decoder.feed(Array("~q".utf8)) == [.pageUp, .character("q")])
        #expect(!decoder.isWaiting)
    }

    @Test func loneEscapeIsReportedOnFlush() {
        var decoder = KeyDecoder()
        #expect(decoder.feed([0x1B]) == [])
        #expect(decoder.isWaiting)
        #expect(decoder.flush() == [.escape])
        #expect(!decoder.isWaiting)
        #expect(decoder.flush() == [])
        #expect(decoder.feed(Array("q".utf8)) == [.character("q")])
    }

    @Test func escapeFollowedByAnOrdinaryByteIsALoneEscape() {
        #expect(decode([Array("\u{1B}q".utf8)]) == [.escape, .character("q")])
        #expect(decode([[0x1B, 0x03]]) == [.escape, .ctrlC])
        #expect(decode([[0x1B, 0x0D]]) == [.escape, .enter])
        var decoder = KeyDecoder()
        #expect(decoder.feed([0x1B, 0x1B]) == [.escape])
        #expect(decoder.isWaiting)
        #expect(decoder.flush() == [.escape])
    }

    @Test func flushDropsAnUnfinishedSequenceOrCharacter() {
        var decoder = KeyDecoder()
        #expect(decoder.feed(Array("\u{1B}[1;".utf8)) == [])
        #expect(decoder.flush() == [])
        #expect(decoder.feed(Array("A".utf8)) == [.character("A")])
        #expect(decoder.feed([0xE6, 0x95]) == [])
        #expect(decoder.isWaiting)
        #expect(decoder.flush() == [])
        #expect(decoder.feed([0xB0]) == [])
        #expect(decoder.feed(Array("\u{1B}O".utf8)) == [])
        #expect(decoder.flush() == [])
        #expect(!decoder.isWaiting)
    }

    @Test func unknownSequencesAreIgnoredCleanly() {
        let inputs = [
            "\u{1B}[2~", "\u{1B}[3~", "\u{1B}[15~", "\u{1B}[Z", "\u{1B}OP", "\u{1B}O5", "\u{1B}[<0;10;5M",
            "\u{1B}[?1;2c", "\u{1B}[ q", "\u{1B}[>0;95;0c", "\u{1B}[M", "\u{1B}[[A",
        ]
        #expect(decode([Array("\u{1B}[200~hi\u{1B}[201~".utf8)]) == [.character("h"), .character("i")])
        for input in inputs {
            let keys = decode([Array(input.utf8) + Array("q".utf8)])
            #expect(keys.last == .character("q"), "\(input.debugDescription)")
            #expect(!keys.dropLast().contains { [.up, .down, .left, .right, .home, .end, .pageUp, .pageDown, .enter,
                                                  .ctrlC, .escape].contains($0) }, "\(input.debugDescription)")
        }
    }

    @Test func controlBytesAreIgnored() {
        let bytes: [UInt8] = [0x00, 0x01, 0x02, 0x04, 0x07, 0x08, 0x09, 0x0B, 0x0C, 0x1A, 0x1C, 0x1F, 0x7F]
        #expect(decode([bytes + Array("q".utf8)]) == [.character("q")])
    }

    @Test func aSequenceCutByAControlByteGivesThatByte() {
        #expect(decode([Array("\u{1B}[1".utf8) + [0x03]]) == [.ctrlC])
        #expect(decode([Array("\u{1B}[1\u{1B}[B".utf8)]) == [.down])
        #expect(decode([Array("\u{1B}O\r".utf8)]) == [.enter])
    }

    @Test func invalidUTF8IsDropped() {
        let inputs: [[UInt8]] = [
            [0xFF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF0, 0x80, 0x80, 0x80],
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80], [0x80], [0xBF], [0xE6, 0x95], [0xC2, 0x9B], [0xC2, 0x85],
        ]
        for input in inputs {
            #expect(decode([input + Array("q".utf8)]) == [.character("q")], "\(input)")
        }
        #expect(decode([[0xE6, 0x95, 0xB0, 0xC3, 0xA9]]) == [.character("数"), .character("é")])
    }

    @Test func memoryStaysBoundedWhateverTheInput() {
        var decoder = KeyDecoder()
        #expect(decoder.feed(Array("\u{1B}[".utf8)) == [])
        for _ in 0..<1000 {
            #expect(decoder.feed(Array(repeating: UInt8(ascii: "1"), count: 100)) == [])
            #expect(decoder.bufferedByteCount <= KeyDecoder.maximumSequenceLength)
        }
        // The overlong sequence ends at its final byte, and is not taken for an arrow.
        #expect(decoder.feed(Array("Aq".utf8)) == [.character("q")])

        var random = SplitMix64(seed: 3)
        var largest = 0
        for _ in 0..<2000 {
            let chunk = (0..<Int.random(in: 1...64, using: &random)).map { _ in
                Bool.random(using: &random) ? UInt8.random(in: 0...255, using: &random)
                    : [0x1B, UInt8(ascii: "["), UInt8(ascii: "O"), UInt8(ascii: ";"), UInt8(ascii: "5")]
                    .randomElement(using: &random)!
            }
            _ = decoder.feed(chunk)
            largest = max(largest, decoder.bufferedByteCount)
        }
        #expect(largest <= KeyDecoder.maximumSequenceLength)
        _ = decoder.flush()
        #expect(decoder.feed(Array("\u{1B}[B".utf8)) == [.down])
    }

    @Test func longestKeptSequenceStillDecodes() {
        let parameters = String(repeating: "1", count: KeyDecoder.maximumSequenceLength - 2) + ";5"
        #expect(decode([Array("\u{1B}[\(parameters)A".utf8)]) == [.up])
        #expect(decode([Array("\u{1B}[1\(parameters)A".utf8)]) == [])
    }
}
