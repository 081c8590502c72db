import GhNetWire
import NIOCore

/// Reads frames from the inbound half of a byte-stream channel: buffers the bytes and runs the
/// pure ``FrameDecoder`` over them. Memory is bounded by the decoder's maximum frame size plus
/// one read.
///
/// `@unchecked Sendable`: a reader is handed from task to task (delivery, handshake, the
/// serving task) but only ever used by one task at a time; it is never shared.
public struct FrameReader: @unchecked Sendable {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var decoder = FrameDecoder()
    private var pending: ByteBuffer

    /// Reads from `iterator`, starting with bytes already received (`leftover`).
    public init(iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, leftover: ByteBuffer = ByteBuffer()) {
        self.iterator = iterator
        self.pending = leftover
    }

    /// The next frame; `nil` at a clean end of stream (between frames). Throws ``WireError`` for
    /// a malformed frame and ``LinkEnded/midFrame`` when the stream ends inside a frame.
    ///
    /// Frames are decoded as slices of the chunks read (no copy); only a frame that straddles
    /// two chunks is copied whole, and of the second chunk only the bytes that complete it.
    public mutating func next() async throws -> Frame? {
        while true {
            if let frame = try decoder.decode(buffer: &pending) { return frame }
            guard var chunk = try await iterator.next() else {
                if pending.readableBytes > 0 { throw LinkEnded.midFrame(bytes: pending.readableBytes) }
                return nil
            }
            if pending.readableBytes == 0 {
                pending = chunk
                continue
            }
            pending.discardReadBytes()
            if let missing = bytesMissingFromPendingFrame(), missing < chunk.readableBytes, var completion = chunk.readSlice(length: missing) {
                pending.writeBuffer(&completion)
                if let frame = try decoder.decode(buffer: &pending) {
                    // The straddling frame is whole; the rest of the chunk is read where it is.
                    if pending.readableBytes == 0 { pending = chunk } else { pending.writeBuffer(&chunk) }
                    return frame
                }
            }
            pending.writeBuffer(&chunk)
        }
    }

    /// How many more bytes the frame that starts `pending` needs, once its length prefix is in.
    private func bytesMissingFromPendingFrame() -> Int? {
        guard let length = pending.getInteger(at: pending.readerIndex, as: UInt32.self).map(Int.init),
              length <= decoder.maximumFrameLength else { return nil }
        let missing = 4 + length - pending.readableBytes
        return missing > 0 ? missing : nil
    }
}

/// The byte stream ended inside a frame.
public enum LinkEnded: Error, CustomStringConvertible {
    /// This many bytes of an unfinished frame were pending.
    case midFrame(bytes: Int)

    public var description: String {
        switch self {
        case .midFrame(let bytes): return "the link ended in the middle of a frame (\(bytes) bytes pending)"
        }
    }
}

/// Writes frames to the outbound half of a byte-stream channel. Safe to use from several tasks;
/// each call waits until the channel has taken the bytes (backpressure).
public struct FrameWriter: Sendable {
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    public init(outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.outbound = outbound
    }

    /// Writes bytes that already hold whole encoded frames.
    public func sendEncoded(_ buffer: ByteBuffer) async throws {
        try await outbound.write(buffer)
    }

    /// Writes buffers that together hold whole encoded frames, in one gathering write where
    /// the channel allows.
    public func sendEncoded(_ buffers: [ByteBuffer]) async throws {
        try await outbound.write(contentsOf: buffers)
    }

    /// Closes the write half: the peer reads end-of-stream.
    public func finish() {
        outbound.finish()
    }
}
