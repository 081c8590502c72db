import GhNetAddress
import NIOCore

/// Reads the fields of one frame body from a slice that holds exactly that body, turning every
/// shortfall or bad value into a ``WireError`` that names the frame kind and the field.
struct FieldReader {
    /// The unread rest of the body.
    private var body: ByteBuffer
    /// The kind of the frame being read, for error messages.
    let kind: FrameKind

    init(body: ByteBuffer, kind: FrameKind) {
        self.body = body
        self.kind = kind
    }

    /// True when the whole body has been read.
    var isAtEnd: Bool { body.readableBytes == 0 }

    /// Throws ``WireError/trailingBytes(_:count:)`` unless the whole body has been read.
    func finish() throws(WireError) {
        guard isAtEnd else { throw .trailingBytes(kind, count: body.readableBytes) }
    }

    /// A big-endian integer.
    mutating func integer<T: FixedWidthInteger>(_ field: String, as: T.Type = T.self) throws(WireError) -> T {
        guard let value = body.readInteger(as: T.self) else { throw .truncatedField(kind, field: field) }
        return value
    }

    /// A byte that must be `0` or `1`.
    mutating func bool(_ field: String) throws(WireError) -> Bool {
        switch try integer(field, as: UInt8.self) {
        case 0: return false
        case 1: return true
        default: throw .invalidValue(kind, field: field)
        }
    }

    /// A byte that must be the raw value of a case of `E`.
    mutating func enumeration<E: RawRepresentable>(_ field: String, as: E.Type = E.self) throws(WireError) -> E
    where E.RawValue == UInt8 {
        guard let value = E(rawValue: try integer(field, as: UInt8.self)) else {
            throw .invalidValue(kind, field: field)
        }
        return value
    }

    /// A `UInt16` byte count and that many bytes of valid UTF-8.
    mutating func string(_ field: String) throws(WireError) -> String {
        let length = Int(try integer(field, as: UInt16.self))
        guard let bytes = body.readSlice(length: length) else { throw .truncatedField(kind, field: field) }
        guard let string = String(validating: bytes.readableBytesView, as: UTF8.self) else {
            throw .invalidValue(kind, field: field)
        }
        return string
    }

    /// An address: family byte `4` or `6`, then 4 or 16 bytes.
    mutating func address(_ field: String) throws(WireError) -> IPAddress {
        guard let address = try optionalAddress(field) else { throw .invalidValue(kind, field: field) }
        return address
    }

    /// An address, or `nil` for the family byte `0`.
    mutating func optionalAddress(_ field: String) throws(WireError) -> IPAddress? {
        switch try integer(field, as: UInt8.self) {
        case 0: return nil
        case 4: return .v4(try integer(field, as: UInt32.self))
        case 6: return .v6(IPv6Bytes(high: try integer(field), low: try integer(field)))
        default: throw .invalidValue(kind, field: field)
        }
    }

    /// An address and a `UInt16` port.
    mutating func endpoint(_ field: String) throws(WireError) -> Endpoint {
        Endpoint(try address(field), port: try integer(field))
    }

    /// Two endpoints of the same family (the two ends of one flow).
    mutating func flow(_ source: String, _ destination: String) throws(WireError) -> (Endpoint, Endpoint) {
        let from = try endpoint(source)
        let to = try endpoint(destination)
        guard from.address.family == to.address.family else { throw .invalidValue(kind, field: destination) }
        return (from, to)
    }

    /// The rest of the body, as a slice sharing the input's storage (no copy).
    mutating func rest() -> ByteBuffer {
        body.readSlice(length: body.readableBytes)!
    }

    /// Reads `element` until the body is exhausted. Every element consumes at least one byte,
    /// so the element count is bounded by the frame size, never by a number the peer chose.
    mutating func list<T>(_ element: (inout FieldReader) throws(WireError) -> T) throws(WireError) -> [T] {
        var elements: [T] = []
        while !isAtEnd { elements.append(try element(&self)) }
        return elements
    }
}
