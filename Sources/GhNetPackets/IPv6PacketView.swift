import GhNetAddress

/// A read-only view of an IPv6 packet (RFC 8200) over bytes the caller keeps alive. Nothing is
/// copied.
///
/// `init` checks the version and that the payload length fits in the bytes, so every accessor is
/// in bounds. Extension headers are part of ``payload``; ``IPPacket/parse(_:)`` walks them.
public struct IPv6PacketView {
    /// Length of the fixed header.
    public static let headerLength = 40

    /// The bytes the view was made over (possibly longer than the packet).
    public let bytes: UnsafeRawBufferPointer

    /// Validates the version and the payload length against `bytes`.
    public init(_ bytes: UnsafeRawBufferPointer) throws(PacketError) {
        guard bytes.count >= Self.headerLength else { throw .truncated }
        guard bytes[0] >> 4 == 6 else { throw .badVersion }
        guard bytes.count - Self.headerLength >= Int(bytes.uint16(at: 4)) else { throw .truncated }
        self.bytes = bytes
    }

    /// Traffic class (DSCP and ECN).
    public var trafficClass: UInt8 { UInt8(truncatingIfNeeded: bytes.uint16(at: 0) >> 4) }
    /// Flow label, 20 bits.
    public var flowLabel: UInt32 { bytes.uint32(at: 0) & 0x000F_FFFF }
    /// Length of everything after the fixed header, extension headers included.
    public var payloadLength: Int { Int(bytes.uint16(at: 4)) }
    /// The first next-header value: an extension header or the upper-layer protocol.
    public var nextHeader: IPProtocol { IPProtocol(rawValue: bytes[6]) }
    /// Hop limit.
    public var hopLimit: UInt8 { bytes[7] }
    /// Source address.
    public var source: IPv6Bytes { bytes.ipv6Address(at: 8) }
    /// Destination address.
    public var destination: IPv6Bytes { bytes.ipv6Address(at: 24) }
    /// Offsets of the payload (extension headers and upper layer) within ``bytes``.
    public var payloadRange: Range<Int> { Self.headerLength..<(Self.headerLength + payloadLength) }
    /// The payload bytes.
    public var payload: UnsafeRawBufferPointer { bytes.slice(payloadRange) }
}
