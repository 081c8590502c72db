import NIOCore
import Testing
@testable import GhNetWire

/// The chunk-aware decoder: data payloads passed on as they arrive (as slices, never copied),
/// everything else exactly as ``FrameDecoder`` gives it, whatever the chunk boundaries.
@Suite struct FrameStreamDecoderTests {
    /// Feeds `chunks` one at a time, draining after each, as the link handler does.
    private func feed(_ chunks: [ByteBuffer], decoder: FrameStreamDecoder = FrameStreamDecoder()) throws -> [Frame] {
        var decoder = decoder
        var frames: [Frame] = []
        for chunk in chunks {
            decoder.append(chunk)
            while let frame = try decoder.next() { frames.append(frame) }
        }
        #expect(decoder.isAtFrameBoundary)
        return frames
    }

    /// Joins consecutive `data` frames of one stream whose offsets follow on: what a receiver
    /// of the byte stream sees, whichever way the payload was cut.
    private func joined(_ frames: [Frame]) -> [Frame] {
        var result: [Frame] = []
        for frame in frames {
            if case .data(let stream, let offset, var payload) = frame,
               case .data(let lastStream, let lastOffset, var lastPayload)? = result.last,
               lastStream == stream, lastOffset &+ UInt64(lastPayload.readableBytes) == offset, payload.readableBytes > 0 {
                lastPayload.writeBuffer(&payload)
                result[result.count - 1] = .data(stream: stream, offset: lastOffset, payload: lastPayload)
            } else {
                result.append(frame)
            }
        }
        return result
    }

    private func chunks(of stream: ByteBuffer, seed: UInt64, maximum: Int) -> [ByteBuffer] {
        var random = SplitMix64(seed: seed)
        var chunks: [ByteBuffer] = []
        var index = 0
        while index < stream.readableBytes {
            let length = min(Int.random(in: 1...maximum, using: &random), stream.readableBytes - index)
            chunks.append(stream.getSlice(at: index, length: length)!)
            index += length
        }
        return chunks
    }

    @Test func splitAtEveryByteBoundary() throws {
        let frames = Fixtures.compactFrames
        let stream = Fixtures.encode(frames)
        for split in 0...stream.readableBytes {
            let head = stream.getSlice(at: 0, length: split)!
            let tail = stream.getSlice(at: split, length: stream.readableBytes - split)!
            #expect(joined(try feed([head, tail])) == joined(frames), "split at \(split)")
        }
    }

    @Test func byteByByte() throws {
        // Not the 1 MiB data frame: a million one-byte pieces prove nothing more than a few thousand.
        let frames = Fixtures.compactFrames + Fixtures.largeFrames.filter { $0.kind != .data }
            + [.data(stream: 2, offset: 1, payload: Fixtures.payload(5000))]
        let stream = Fixtures.encode(frames)
        let chunks = (0..<stream.readableBytes).map { stream.getSlice(at: $0, length: 1)! }
        #expect(joined(try feed(chunks)) == joined(frames))
    }

    @Test func randomChunkSizes() throws {
        let frames = Fixtures.compactFrames + Fixtures.largeFrames
        let stream = Fixtures.encode(frames)
        for seed in UInt64(0)..<20 {
            #expect(joined(try feed(chunks(of: stream, seed: seed, maximum: 70_000))) == joined(frames), "seed \(seed)")
        }
    }

    @Test func wholeFramesInOneChunkComeOutUnchanged() throws {
        let frames = Fixtures.compactFrames + Fixtures.largeFrames
        #expect(try feed([Fixtures.encode(frames)]) == frames)
    }

    @Test func aDataPayloadSplitByChunksComesOutAsPiecesAtTheRightOffsets() throws {
        let payload = Fixtures.payload(1000)
        let stream = Fixtures.encode([.data(stream: 9, offset: 5000, payload: payload)])
        // Header and 100 payload bytes, then 400, then the last 500.
        let frames = try feed([stream.getSlice(at: 0, length: 117)!, stream.getSlice(at: 117, length: 400)!,
                               stream.getSlice(at: 517, length: 500)!])
        #expect(frames == [
            .data(stream: 9, offset: 5000, payload: payload.getSlice(at: 0, length: 100)!),
            .data(stream: 9, offset: 5100, payload: payload.getSlice(at: 100, length: 400)!),
            .data(stream: 9, offset: 5500, payload: payload.getSlice(at: 500, length: 500)!),
        ])
    }

    @Test func dataPiecesAreSlicesOfTheChunksNotCopies() throws {
        let stream = Fixtures.encode([.data(stream: 1, offset: 0, payload: Fixtures.payload(200_000))])
        // Separate storage per chunk, so a piece's address tells which chunk it points into.
        let chunks = [0..<70_000, 70_000..<140_000, 140_000..<stream.readableBytes].map { range in
            ByteBuffer(bytes: stream.getBytes(at: range.lowerBound, length: range.count)!)
        }
        let ranges = chunks.map { chunk in
            chunk.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress!)..<UInt(bitPattern: $0.baseAddress! + $0.count) }
        }
        var decoder = FrameStreamDecoder()
        for (index, chunk) in chunks.enumerated() {
            decoder.append(chunk)
            while let frame = try decoder.next() {
                guard case .data(_, _, let payload) = frame else {
                    Issue.record("not data: \(frame)")
                    continue
                }
                let start = payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress!) }
                #expect(ranges[index].contains(start), "piece from chunk \(index)")
            }
        }
        #expect(decoder.isAtFrameBoundary)
    }

    @Test func aStraddlingFrameTakesOnlyTheBytesItLacksFromTheNextChunk() throws {
        let credit = Frame.windowCredit(stream: 3, consumed: 77, window: 1 << 20)
        let after = Frame.data(stream: 3, offset: 0, payload: Fixtures.payload(50_000))
        let stream = Fixtures.encode([credit, after])
        var decoder = FrameStreamDecoder()
        decoder.append(stream.getSlice(at: 0, length: 10)!)
        #expect(try decoder.next() == nil)
        #expect(!decoder.isAtFrameBoundary)
        let rest = ByteBuffer(bytes: stream.getBytes(at: 10, length: stream.readableBytes - 10)!)
        let restStart = rest.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress!) }
        decoder.append(rest)
        #expect(try decoder.next() == credit)
        let data = try decoder.next()
        #expect(data == after)
        // The data frame was decoded where it lies in the second chunk.
        if case .data(_, _, let payload)? = data {
            #expect(payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress!) } == restStart + 11 + 17)
        }
        #expect(try decoder.next() == nil)
        #expect(decoder.isAtFrameBoundary)
    }

    @Test func anEmptyDataFrameComesOutWhole() throws {
        let frames: [Frame] = [.data(stream: 1, offset: 10, payload: ByteBuffer()), .halfClose(stream: 1, offset: 10)]
        let stream = Fixtures.encode(frames)
        for split in 0...stream.readableBytes {
            #expect(try feed([stream.getSlice(at: 0, length: split)!, stream.getSlice(at: split, length: stream.readableBytes - split)!]) == frames)
        }
    }

    @Test func anOversizedLengthIsRejectedBeforeItsBodyArrivesAndStaysRejected() throws {
        var decoder = FrameStreamDecoder(maximumFrameLength: 100)
        decoder.append(ByteBuffer(bytes: [0, 0, 0, 101]))
        #expect(throws: WireError.frameTooLarge(length: 101, limit: 100)) { try decoder.next() }
        decoder.append(Fixtures.encode([.keepalive(nonce: 1)]))
        #expect(throws: WireError.frameTooLarge(length: 101, limit: 100)) { try decoder.next() }
    }

    @Test func anOversizedDataFrameIsRejectedBeforeAnyPieceIsPassedOn() throws {
        var decoder = FrameStreamDecoder(maximumFrameLength: 100)
        decoder.append(Fixtures.encode([.data(stream: 1, offset: 0, payload: Fixtures.payload(200))]).getSlice(at: 0, length: 60)!)
        #expect(throws: WireError.frameTooLarge(length: 213, limit: 100)) { try decoder.next() }
    }

    @Test func aMalformedFrameAfterDataPiecesIsReported() throws {
        var stream = Fixtures.encode([.data(stream: 1, offset: 0, payload: Fixtures.payload(100))])
        stream.writeBytes([0, 0, 0, 1, 0xEE])
        var decoder = FrameStreamDecoder()
        decoder.append(stream.getSlice(at: 0, length: 50)!)
        #expect(try decoder.next() != nil)
        decoder.append(stream.getSlice(at: 50, length: stream.readableBytes - 50)!)
        #expect(try decoder.next() != nil)
        #expect(throws: WireError.unknownKind(0xEE)) { try decoder.next() }
    }

    @Test func bufferedBytesCountWhatIsHeldBack() throws {
        var decoder = FrameStreamDecoder()
        let stream = Fixtures.encode([.keepalive(nonce: 9)])
        decoder.append(stream.getSlice(at: 0, length: 6)!)
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedBytes == 6)
        decoder.append(stream.getSlice(at: 6, length: stream.readableBytes - 6)!)
        #expect(try decoder.next() == .keepalive(nonce: 9))
        #expect(decoder.bufferedBytes == 0)
    }

    @Test func aSplitDataFrameRunningPastTheLargestOffsetIsRejectedAndStaysRejected() throws {
        let stream = Fixtures.encode([.data(stream: 1, offset: UInt64.max - 10, payload: Fixtures.payload(100))])
        var decoder = FrameStreamDecoder()
        decoder.append(stream.getSlice(at: 0, length: 40)!)
        #expect(throws: WireError.invalidValue(.data, field: "offset")) { try decoder.next() }
        decoder.append(Fixtures.encode([.keepalive(nonce: 1)]))
        #expect(throws: WireError.invalidValue(.data, field: "offset")) { try decoder.next() }
    }

    @Test func tellsWhichPieceEndsItsDataFrame() throws {
        var wire = ByteBuffer()
        try FrameEncoder().encode(.data(stream: 3, offset: 10, payload: ByteBuffer(string: "0123456789")), into: &wire)
        try FrameEncoder().encode(.keepalive(nonce: 1), into: &wire)
        var decoder = FrameStreamDecoder()
        decoder.append(wire.readSlice(length: FrameStreamDecoder.dataHeaderLength + 4)!)
        #expect(try decoder.next() == .data(stream: 3, offset: 10, payload: ByteBuffer(string: "0123")))
        #expect(decoder.isInsideDataFrame, "six bytes of the frame are still to come")
        decoder.append(wire)
        #expect(try decoder.next() == .data(stream: 3, offset: 14, payload: ByteBuffer(string: "456789")))
        #expect(!decoder.isInsideDataFrame)
        #expect(try decoder.next() == .keepalive(nonce: 1))
        #expect(!decoder.isInsideDataFrame)
    }
}
