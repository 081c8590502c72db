/// Why a byte stream could not be decoded, or a frame could not be encoded, as gh-net frames.
///
/// Every decoding error is final: frames carry no resynchronisation marker, so after the
/// decoder throws, the bytes that follow cannot be trusted to start at a frame boundary. The
/// connection must be closed (sending ``Frame/goodbye(reason:)`` with ``description`` is a
/// courtesy, not a requirement). ``FrameDecoder`` keeps throwing the same error if called again.
public enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A frame's length (kind and body, in bytes) exceeds the limit. The decoder raises it as
    /// soon as the four length bytes are present, before any of the body is buffered;
    /// ``FrameEncoder`` raises it instead of producing a frame the peer would reject.
    case frameTooLarge(length: Int, limit: Int)
    /// A frame's length prefix is zero: there is not even a kind byte.
    case emptyFrame
    /// The kind byte names no frame this build knows.
    case unknownKind(UInt8)
    /// The frame ended in the middle of `field`.
    case truncatedField(FrameKind, field: String)
    /// `field` holds a value outside its allowed set (an unknown enum value, a bad address
    /// family, malformed UTF-8, a prefix length beyond the address width, host bits set, …).
    case invalidValue(FrameKind, field: String)
    /// Every field was read but `count` bytes were left over inside the frame.
    case trailingBytes(FrameKind, count: Int)

    public var description: String {
        switch self {
        case .frameTooLarge(let length, let limit):
            return "frame of \(length) bytes exceeds the limit of \(limit) bytes" + Self.textHint(length)
        case .emptyFrame:
            return "frame of length 0 has no kind byte"
        case .unknownKind(let kind):
            return "unknown frame kind 0x\(String(kind, radix: 16))"
        case .truncatedField(let kind, let field):
            return "\(kind) frame ends inside field \(field)"
        case .invalidValue(let kind, let field):
            return "\(kind) frame has an invalid \(field)"
        case .trailingBytes(let kind, let count):
            return "\(kind) frame has \(count) unexpected trailing bytes"
        }
    }

    /// When the four length bytes are printable ASCII, the peer is most likely a shell printing
    /// text (a login banner, a `.bashrc` echo) on the stdout that should carry frames.
    private static func textHint(_ length: Int) -> String {
        let bytes = (0..<4).map { UInt8(truncatingIfNeeded: length >> (24 - 8 * $0)) }
        guard length <= Int(UInt32.max), bytes.allSatisfy({ (0x20...0x7E).contains($0) }) else { return "" }
        let text = String(decoding: bytes, as: UTF8.self)
        return " (the bytes read \"\(text)\": is the remote shell printing text on stdout?)"
    }
}
