/// A read-only view of an IPv4 packet (RFC 791) over bytes the caller keeps alive, e.g. inside
/// `ByteBuffer.withUnsafeReadableBytes`. Nothing is copied.
///
/// `init` checks that the header and the total length fit in the bytes, so every accessor is in
/// bounds. It does not check the checksum, options or fragmentation; ``IPv4Header/parse(_:)`` does.
/// Bytes after the total length (link padding) are ignored.
public struct IPv4PacketView {
    /// Length of a header without options.
    public static let minimumHeaderLength = 20

    /// The bytes the view was made over (possibly longer than ``totalLength``).
    public let bytes: UnsafeRawBufferPointer

    /// Validates the version, header length and total length against `bytes`.
    public init(_ bytes: UnsafeRawBufferPointer) throws(PacketError) {
        guard bytes.count >= Self.minimumHeaderLength else { throw .truncated }
        guard bytes[0] >> 4 == 4 else { throw .badVersion }
        let headerLength = Int(bytes[0] & 0x0F) * 4
        guard headerLength >= Self.minimumHeaderLength else { throw .badHeaderLength }
        guard bytes.count >= headerLength else { throw .truncated }
        let totalLength = Int(bytes.uint16(at: 2))
        guard totalLength >= headerLength else { throw .badTotalLength }
        guard bytes.count >= totalLength else { throw .truncated }
        self.bytes = bytes
    }

    /// Header length in bytes (IHL × 4), 20 to 60.
    public var headerLength: Int { Int(bytes[0] & 0x0F) * 4 }
    /// DSCP (upper six bits) and ECN (lower two bits).
    public var dscpECN: UInt8 { bytes[1] }
    /// Header plus payload length in bytes.
    public var totalLength: Int { Int(bytes.uint16(at: 2)) }
    /// Identification, for fragment reassembly.
    public var identification: UInt16 { bytes.uint16(at: 4) }
    /// The don't-fragment flag.
    public var dontFragment: Bool { bytes[6] & 0x40 != 0 }
    /// The more-fragments flag.
    public var moreFragments: Bool { bytes[6] & 0x20 != 0 }
    /// Fragment offset in 8-byte units.
    public var fragmentOffset: UInt16 { bytes.uint16(at: 6) & 0x1FFF }
    /// Time to live.
    public var timeToLive: UInt8 { bytes[8] }
    /// The payload's protocol.
    public var `protocol`: IPProtocol { IPProtocol(rawValue: bytes[9]) }
    /// The header checksum field.
    public var headerChecksum: UInt16 { bytes.uint16(at: 10) }
    /// Source address, host order.
    public var source: UInt32 { bytes.uint32(at: 12) }
    /// Destination address, host order.
    public var destination: UInt32 { bytes.uint32(at: 16) }
    /// True when the header (options included) sums to a valid checksum.
    public var headerChecksumVerifies: Bool {
        var sum = InternetChecksum()
        sum.add(bytes.slice(0..<headerLength))
        return sum.verifies
    }
    /// Offsets of the payload within ``bytes``.
    public var payloadRange: Range<Int> { headerLength..<totalLength }
    /// The payload bytes.
    public var payload: UnsafeRawBufferPointer { bytes.slice(payloadRange) }
}
