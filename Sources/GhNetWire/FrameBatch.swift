import NIOCore

/// Frames encoded for one write, as a list of buffers for a gathering write (`writev`): small
/// frames share a buffer; the payload of a large data frame is not copied but goes out as its
/// own buffer right after its header. The bytes on the wire are exactly those of
/// ``FrameEncoder/encode(_:into:)`` for the same frames.
public struct FrameBatch: Sendable {
    /// Data payloads above this many bytes travel as their own buffer; smaller ones are copied
    /// (an extra iovec costs more than copying a few KiB).
    public static let inlinePayloadLimit = 4096

    private let encoder: FrameEncoder
    private var finished: [ByteBuffer] = []
    private var current = ByteBuffer()

    public init(encoder: FrameEncoder = FrameEncoder()) {
        self.encoder = encoder
    }

    /// The bytes of every frame added, as they go on the wire.
    public private(set) var byteCount = 0

    /// True when nothing was added.
    public var isEmpty: Bool { finished.isEmpty && current.readableBytes == 0 }

    /// Adds `frame` after everything added so far.
    ///
    /// - Throws: ``WireError/frameTooLarge(length:limit:)`` as ``FrameEncoder`` does; the batch
    ///   is then unchanged.
    public mutating func append(_ frame: Frame) throws(WireError) {
        guard case .data(let stream, let offset, let payload) = frame, payload.readableBytes > Self.inlinePayloadLimit else {
            let before = current.readableBytes
            try encoder.encode(frame, into: &current)
            byteCount += current.readableBytes - before
            return
        }
        // Length prefix, kind, stream, offset: what Frame.encode writes before the payload.
        let length = 1 + 4 + 8 + payload.readableBytes
        guard length <= encoder.maximumFrameLength else {
            throw .frameTooLarge(length: length, limit: encoder.maximumFrameLength)
        }
        current.writeInteger(UInt32(length))
        current.writeInteger(FrameKind.data.rawValue)
        current.writeInteger(stream.rawValue)
        current.writeInteger(offset)
        byteCount += 4 + length
        finished.append(current)
        finished.append(payload)
        current = ByteBuffer()
    }

    /// The buffers to write, in order.
    public var buffers: [ByteBuffer] {
        current.readableBytes > 0 ? finished + [current] : finished
    }
}
