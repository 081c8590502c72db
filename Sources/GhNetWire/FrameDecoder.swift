import NIOCore

/// Splits a byte stream into ``Frame``s: pure and incremental, with a hard size limit.
///
/// Feed it the bytes received so far; each ``decode(buffer:)`` call either consumes exactly
/// one frame, or returns `nil` and consumes nothing because the frame is not complete yet, or
/// throws. The size limit is checked as soon as the 4 length bytes are present, so the caller
/// never buffers more than one maximum frame plus one read. Decoded payloads are slices that
/// share the input buffer's storage.
///
/// A ``WireError`` is final: frames carry no resynchronisation marker, so the connection must
/// be closed. The decoder remembers the error and throws it again on every later call.
public struct FrameDecoder: Sendable {
    /// The default limit for a frame's length prefix (kind byte and body): a maximum payload of
    /// ``Frame/maximumPayloadLength`` (1 MiB) plus room for the largest header before it.
    public static let defaultMaximumFrameLength = Frame.maximumPayloadLength + 64

    /// Frames whose length prefix exceeds this many bytes are rejected.
    public let maximumFrameLength: Int

    /// The error that ended decoding, if any.
    private var failure: WireError?

    /// A decoder that rejects frames longer than `maximumFrameLength` (1 through `UInt32.max`).
    public init(maximumFrameLength: Int = FrameDecoder.defaultMaximumFrameLength) {
        precondition(
            (1...Int(UInt32.max)).contains(maximumFrameLength), "maximumFrameLength must be in 1...UInt32.max")
        self.maximumFrameLength = maximumFrameLength
    }

    /// Decodes the next frame from the readable bytes of `buffer`.
    ///
    /// - Returns: The frame, with `buffer`'s reader index moved past it; or `nil`, with
    ///   `buffer` untouched, when more bytes are needed.
    /// - Throws: ``WireError`` when the bytes are not a valid frame; `buffer` is left as it was
    ///   and the connection must be closed.
    public mutating func decode(buffer: inout ByteBuffer) throws(WireError) -> Frame? {
        if let failure { throw failure }
        do {
            return try decodeFrame(buffer: &buffer)
        } catch {
            failure = error
            throw error
        }
    }

    private func decodeFrame(buffer: inout ByteBuffer) throws(WireError) -> Frame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self).map(Int.init) else {
            return nil
        }
        guard length <= maximumFrameLength else { throw .frameTooLarge(length: length, limit: maximumFrameLength) }
        guard length > 0 else { throw .emptyFrame }
        guard let frame = buffer.getSlice(at: buffer.readerIndex + 4, length: length) else { return nil }
        let kindByte = frame.getInteger(at: frame.readerIndex, as: UInt8.self)!
        guard let kind = FrameKind(rawValue: kindByte) else { throw .unknownKind(kindByte) }
        var reader = FieldReader(body: frame.getSlice(at: frame.readerIndex + 1, length: length - 1)!, kind: kind)
        let decoded = try Frame.decodeBody(&reader)
        buffer.moveReaderIndex(forwardBy: 4 + length)
        return decoded
    }
}
