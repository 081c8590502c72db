import NIOCore
import Testing
@testable import GhNetWire

@Suite struct FrameBatchTests {
    private func payload(_ count: Int) -> ByteBuffer {
        ByteBuffer(bytes: (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7) })
    }

    @Test func theBytesAreThoseOfTheEncoderAndBigPayloadsAreNotCopied() throws {
        let big = payload(FrameBatch.inlinePayloadLimit + 1)
        let frames: [Frame] = [
            .keepalive(nonce: 1),
            .data(stream: StreamID(rawValue: 3), offset: 10, payload: payload(100)),
            .data(stream: StreamID(rawValue: 3), offset: 110, payload: big),
            .windowCredit(stream: StreamID(rawValue: 3), consumed: 5, window: 9),
            .data(stream: StreamID(rawValue: 4), offset: 0, payload: big),
        ]
        var batch = FrameBatch()
        var expected = ByteBuffer()
        for frame in frames {
            try batch.append(frame)
            try FrameEncoder().encode(frame, into: &expected)
        }
        let buffers = batch.buffers
        var joined = ByteBuffer()
        for var buffer in buffers { joined.writeBuffer(&buffer) }
        #expect(joined == expected)
        #expect(batch.byteCount == expected.readableBytes, "the count is the bytes on the wire")
        // keepalive + small data + header | big | credit + header | big
        #expect(buffers.count == 4)
        #expect(buffers[1] == big && buffers[3] == big)
        var decoder = FrameDecoder()
        var decoded: [Frame] = []
        while let frame = try decoder.decode(buffer: &joined) { decoded.append(frame) }
        #expect(decoded == frames)
    }

    @Test func aPayloadOverTheLimitIsRefusedAndTheBatchUnchanged() throws {
        var batch = FrameBatch(encoder: FrameEncoder(maximumFrameLength: 10_000))
        try batch.append(.keepalive(nonce: 7))
        let before = batch.buffers
        let countBefore = batch.byteCount
        #expect(throws: WireError.frameTooLarge(length: 1 + 4 + 8 + 20_000, limit: 10_000)) {
            try batch.append(.data(stream: StreamID(rawValue: 1), offset: 0, payload: payload(20_000)))
        }
        #expect(batch.buffers == before && batch.byteCount == countBefore)
        #expect(!batch.isEmpty && FrameBatch().isEmpty)
    }
}
