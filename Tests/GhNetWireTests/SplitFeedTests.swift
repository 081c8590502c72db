import NIOCore
import Testing
@testable import GhNetWire

/// Feeds concatenated frames split in every way, the way bytes arrive from a pipe.
@Suite struct SplitFeedTests {
    /// Appends `chunks` one at a time to an accumulation buffer, decoding after each, and checks
    /// that an incomplete frame leaves the buffer untouched.
    private func feed(_ chunks: [ByteBuffer], decoder: FrameDecoder = FrameDecoder()) throws -> [Frame] {
        var decoder = decoder
        var accumulated = ByteBuffer()
        var frames: [Frame] = []
        for var chunk in chunks {
            accumulated.writeBuffer(&chunk)
            while true {
                let (readerIndex, writerIndex) = (accumulated.readerIndex, accumulated.writerIndex)
                guard let frame = try decoder.decode(buffer: &accumulated) else {
                    #expect(accumulated.readerIndex == readerIndex && accumulated.writerIndex == writerIndex)
                    break
                }
                frames.append(frame)
            }
        }
        #expect(accumulated.readableBytes == 0)
        return frames
    }

    @Test func splitAtEveryByteBoundary() throws {
        let stream = Fixtures.encode(Fixtures.compactFrames)
        for split in 0...stream.readableBytes {
            let head = stream.getSlice(at: 0, length: split)!
            let tail = stream.getSlice(at: split, length: stream.readableBytes - split)!
            let frames = try feed([head, tail])
            #expect(frames == Fixtures.compactFrames, "split at \(split)")
        }
    }

    @Test func byteByByte() throws {
        let frames = Fixtures.compactFrames + Fixtures.largeFrames
        let stream = Fixtures.encode(frames)
        let chunks = (0..<stream.readableBytes).map { stream.getSlice(at: $0, length: 1)! }
        #expect(try feed(chunks) == frames)
    }

    @Test func randomChunkSizes() throws {
        let frames = Fixtures.compactFrames + Fixtures.largeFrames
        let stream = Fixtures.encode(frames)
        for seed in UInt64(0)..<20 {
            var random = SplitMix64(seed: seed)
            var chunks: [ByteBuffer] = []
            var index = 0
            while index < stream.readableBytes {
                let length = min(Int.random(in: 1...70_000, using: &random), stream.readableBytes - index)
                chunks.append(stream.getSlice(at: index, length: length)!)
                index += length
            }
            #expect(try feed(chunks) == frames, "seed \(seed)")
        }
    }

    @Test func allInOneBuffer() throws {
        let frames = Fixtures.compactFrames + Fixtures.largeFrames
        #expect(try feed([Fixtures.encode(frames)]) == frames)
    }
}
