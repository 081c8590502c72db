/// A read-only view of an ICMPv4 (RFC 792) or ICMPv6 (RFC 4443) message: both share the layout
/// type, code, checksum, four bytes of "rest of header", then a body (echo data, or the quoted
/// packet of an error).
public struct ICMPMessageView {
    /// Length of the header including the rest-of-header word.
    public static let headerLength = 8

    /// The bytes the view was made over: the whole message.
    public let bytes: UnsafeRawBufferPointer

    /// Checks that the 8-byte header is present.
    public init(_ bytes: UnsafeRawBufferPointer) throws(PacketError) {
        guard bytes.count >= Self.headerLength else { throw .truncated }
        self.bytes = bytes
    }

    /// Message type.
    public var type: UInt8 { bytes[0] }
    /// Message code.
    public var code: UInt8 { bytes[1] }
    /// The checksum field.
    public var checksum: UInt16 { bytes.uint16(at: 2) }
    /// Bytes 4–7: identifier and sequence of an echo, MTU, pointer, or unused.
    public var restOfHeader: UInt32 { bytes.uint32(at: 4) }
    /// Offsets of the body within ``bytes``.
    public var bodyRange: Range<Int> { Self.headerLength..<bytes.count }
    /// The body: echo data, or the start of the packet an error is about.
    public var body: UnsafeRawBufferPointer { bytes.slice(bodyRange) }

    /// True when the ICMPv4 checksum (over the message alone) verifies.
    public var icmpv4ChecksumVerifies: Bool {
        var sum = InternetChecksum()
        sum.add(bytes)
        return sum.verifies
    }

    /// True when the ICMPv6 checksum (pseudo-header of `addresses` plus message) verifies.
    public func icmpv6ChecksumVerifies(addresses: IPAddressPair) -> Bool {
        var sum = InternetChecksum(pseudoHeader: PseudoHeader(addresses: addresses, protocol: .icmpv6, length: bytes.count))
        sum.add(bytes)
        return sum.verifies
    }
}

/// Writes an ICMP header (type, code, rest of header) and body, then the checksum that `sum`
/// (empty for ICMPv4, the pseudo-header for ICMPv6) yields; returns the bytes written.
func emitICMP(
    type: UInt8, code: UInt8, restOfHeader: UInt32, body: UnsafeRawBufferPointer,
    checksumStart sum: InternetChecksum, into buffer: UnsafeMutableRawBufferPointer
) throws(PacketBuildError) -> Int {
    let length = ICMPMessageView.headerLength + body.count
    try buffer.requireCapacity(length)
    buffer[0] = type
    buffer[1] = code
    buffer.store(UInt16(0), at: 2)
    buffer.store(restOfHeader, at: 4)
    buffer.copy(body, at: ICMPMessageView.headerLength)
    var sum = sum
    sum.add(UnsafeRawBufferPointer(buffer.slice(0..<length)))
    buffer.store(sum.checksum, at: 2)
    return length
}
