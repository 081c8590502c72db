import NIOCore

/// Turns the chunks read from the byte stream into frames without copying bulk data: pure and
/// incremental, like ``FrameDecoder`` (whose checks and size limit it applies), but chunk-aware.
///
/// A pipe hands out chunks that split frames anywhere. Joining them into one buffer would copy
/// every byte once more; instead:
/// - a `data` frame's payload is passed on as it arrives: once the frame's header (stream and
///   offset) is in, the payload bytes at hand come out as a `data` frame of their own, the rest
///   as further `data` frames at the following offsets. Stream data is a byte stream, so the
///   receiver cannot tell these pieces from the sender's frames, and every piece is a slice of
///   a chunk;
/// - any other frame that straddles two chunks is completed by copying only the bytes it lacks,
///   never the rest of the next chunk.
///
/// Memory: at most one unfinished frame (≤ ``FrameDecoder/maximumFrameLength`` + 4 bytes) plus
/// the chunks appended and not yet decoded; callers drain ``next()`` after each ``append(_:)``.
/// A ``WireError`` is final, as for ``FrameDecoder``.
public struct FrameStreamDecoder: Sendable {
    /// A `data` frame whose payload is being passed on piece by piece.
    private struct OpenData: Sendable {
        let stream: StreamID
        /// Stream offset of the next payload byte.
        var offset: UInt64
        /// Payload bytes still to come.
        var remaining: Int
    }

    /// Bytes of a `data` frame before its payload: length, kind, stream, offset.
    static let dataHeaderLength = 4 + 1 + 4 + 8

    private var decoder: FrameDecoder
    /// The start of an unfinished frame, or the chunk being decoded.
    private var pending = ByteBuffer()
    /// Chunks appended and not yet looked at.
    private var chunks = CircularBuffer<ByteBuffer>(initialCapacity: 4)
    private var openData: OpenData?
    /// The error that ended decoding here (the inner decoder keeps its own).
    private var failure: WireError?

    /// A decoder that rejects frames longer than `maximumFrameLength`, as ``FrameDecoder`` does.
    public init(maximumFrameLength: Int = FrameDecoder.defaultMaximumFrameLength) {
        decoder = FrameDecoder(maximumFrameLength: maximumFrameLength)
    }

    /// Adds bytes read from the stream (kept as they are, not copied).
    public mutating func append(_ chunk: ByteBuffer) {
        guard chunk.readableBytes > 0 else { return }
        chunks.append(chunk)
    }

    /// Bytes received and not yet handed out.
    public var bufferedBytes: Int {
        chunks.reduce(pending.readableBytes) { $0 + $1.readableBytes }
    }

    /// True when the bytes so far end exactly at a frame boundary (nothing unfinished).
    public var isAtFrameBoundary: Bool {
        openData == nil && bufferedBytes == 0
    }

    /// True between the pieces of one `data` frame: the piece ``next()`` handed out last is not
    /// its frame's end. (A resumed session counts the sender's frames, not the pieces.)
    public var isInsideDataFrame: Bool { openData != nil }

    /// The next frame, or a piece of a `data` frame; `nil` when more bytes are needed.
    /// - Throws: ``WireError`` when the bytes are not valid frames (final).
    public mutating func next() throws(WireError) -> Frame? {
        if let failure { throw failure }
        while true {
            if openData != nil {
                if pending.readableBytes == 0 {
                    guard let chunk = chunks.popFirst() else { return nil }
                    pending = chunk
                }
                return dataPiece()
            }
            if let frame = try decoder.decode(buffer: &pending) { return frame }
            if try startsData() { continue }
            guard var chunk = chunks.popFirst() else { return nil }
            if pending.readableBytes == 0 {
                pending = chunk
                continue
            }
            // `pending` holds the start of a frame: move over only what that frame lacks.
            var missing = chunk.readSlice(length: min(bytesMissing(), chunk.readableBytes))!
            pending.writeBuffer(&missing)
            if chunk.readableBytes > 0 { chunks.prepend(chunk) }
        }
    }

    /// Begins passing on a `data` frame whose header is in but whose payload is not all there.
    /// - Throws: ``WireError/invalidValue(_:field:)`` when the payload would run past the
    ///   largest stream offset, as ``FrameDecoder`` does for a whole frame.
    private mutating func startsData() throws(WireError) -> Bool {
        guard pending.readableBytes > Self.dataHeaderLength,
              pending.getInteger(at: pending.readerIndex + 4, as: UInt8.self) == FrameKind.data.rawValue,
              let length = pending.getInteger(at: pending.readerIndex, as: UInt32.self).map(Int.init),
              length > Self.dataHeaderLength - 4 else { return false }
        // decode(buffer:) has checked the length against the limit and found the frame unfinished.
        let remaining = length - (Self.dataHeaderLength - 4)
        let stream = StreamID(rawValue: pending.getInteger(at: pending.readerIndex + 5, as: UInt32.self)!)
        let offset = pending.getInteger(at: pending.readerIndex + 9, as: UInt64.self)!
        guard offset <= UInt64.max - UInt64(remaining) else {
            failure = .invalidValue(.data, field: "offset")
            throw failure!
        }
        pending.moveReaderIndex(forwardBy: Self.dataHeaderLength)
        openData = OpenData(stream: stream, offset: offset, remaining: remaining)
        return true
    }

    /// The payload bytes at hand of the open `data` frame, as a frame of their own.
    private mutating func dataPiece() -> Frame {
        var open = openData!
        let count = min(open.remaining, pending.readableBytes)
        let piece = pending.readSlice(length: count)!
        let frame = Frame.data(stream: open.stream, offset: open.offset, payload: piece)
        open.offset &+= UInt64(count)
        open.remaining -= count
        openData = open.remaining > 0 ? open : nil
        return frame
    }

    /// How many more bytes `pending` needs before the decoder can hand out something: the
    /// length prefix and kind, then the whole frame, or for `data` its header and one byte.
    private func bytesMissing() -> Int {
        let available = pending.readableBytes
        guard available >= 5, let length = pending.getInteger(at: pending.readerIndex, as: UInt32.self).map(Int.init) else {
            return 5 - available
        }
        var target = 4 + length
        if pending.getInteger(at: pending.readerIndex + 4, as: UInt8.self) == FrameKind.data.rawValue {
            target = min(target, Self.dataHeaderLength + 1)
        }
        return max(1, target - available)
    }
}
