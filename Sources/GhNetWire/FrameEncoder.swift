import NIOCore

/// Appends frames to an outgoing buffer, refusing any frame the peer's ``FrameDecoder`` would
/// reject for its size, so a local bug surfaces as an error here instead of the peer closing
/// the connection.
///
/// Encoding many frames into one buffer and writing it once is the intended way to batch.
public struct FrameEncoder: Sendable {
    /// The largest length prefix (kind byte and body) this encoder produces; match the peer's
    /// ``FrameDecoder/maximumFrameLength``.
    public let maximumFrameLength: Int

    /// An encoder for a peer that accepts frames up to `maximumFrameLength` bytes.
    public init(maximumFrameLength: Int = FrameDecoder.defaultMaximumFrameLength) {
        self.maximumFrameLength = maximumFrameLength
    }

    /// Appends `frame` to `buffer`.
    ///
    /// - Throws: ``WireError/frameTooLarge(length:limit:)`` if the encoded frame exceeds
    ///   ``maximumFrameLength``; `buffer` is then left exactly as it was.
    public func encode(_ frame: Frame, into buffer: inout ByteBuffer) throws(WireError) {
        let start = buffer.writerIndex
        frame.encode(into: &buffer)
        let length = buffer.writerIndex - start - 4
        guard length <= maximumFrameLength else {
            buffer.moveWriterIndex(to: start)
            throw .frameTooLarge(length: length, limit: maximumFrameLength)
        }
    }

    /// Appends every frame of `frames` to `buffer`, stopping at the first one that is too
    /// large (the frames before it stay in `buffer`).
    public func encode(_ frames: some Sequence<Frame>, into buffer: inout ByteBuffer) throws(WireError) {
        for frame in frames { try encode(frame, into: &buffer) }
    }
}
