/// A read-only view of a TCP segment (RFC 9293): the transport bytes of an IP packet.
///
/// `init` checks the data offset against the bytes, so every accessor is in bounds.
public struct TCPSegmentView {
    /// Length of a header without options.
    public static let minimumHeaderLength = 20

    /// The bytes the view was made over: header, options and payload.
    public let bytes: UnsafeRawBufferPointer

    /// Validates the data offset against `bytes`.
    public init(_ bytes: UnsafeRawBufferPointer) throws(PacketError) {
        guard bytes.count >= Self.minimumHeaderLength else { throw .truncated }
        let headerLength = Int(bytes[12] >> 4) * 4
        guard headerLength >= Self.minimumHeaderLength else { throw .badHeaderLength }
        guard bytes.count >= headerLength else { throw .truncated }
        self.bytes = bytes
    }

    /// Source port.
    public var sourcePort: UInt16 { bytes.uint16(at: 0) }
    /// Destination port.
    public var destinationPort: UInt16 { bytes.uint16(at: 2) }
    /// Sequence number.
    public var sequenceNumber: UInt32 { bytes.uint32(at: 4) }
    /// Acknowledgment number.
    public var acknowledgmentNumber: UInt32 { bytes.uint32(at: 8) }
    /// Header length in bytes (data offset × 4), 20 to 60.
    public var headerLength: Int { Int(bytes[12] >> 4) * 4 }
    /// Control bits.
    public var flags: TCPFlags { TCPFlags(rawValue: bytes.uint16(at: 12)) }
    /// Receive window (unscaled).
    public var window: UInt16 { bytes.uint16(at: 14) }
    /// The checksum field.
    public var checksum: UInt16 { bytes.uint16(at: 16) }
    /// Urgent pointer.
    public var urgentPointer: UInt16 { bytes.uint16(at: 18) }
    /// The raw options area (may include padding).
    public var optionBytes: UnsafeRawBufferPointer { bytes.slice(Self.minimumHeaderLength..<headerLength) }
    /// Offsets of the payload within ``bytes``.
    public var payloadRange: Range<Int> { headerLength..<bytes.count }
    /// The payload bytes.
    public var payload: UnsafeRawBufferPointer { bytes.slice(payloadRange) }

    /// True when the checksum verifies against the pseudo-header of `addresses`.
    public func checksumVerifies(addresses: IPAddressPair) -> Bool {
        var sum = InternetChecksum(pseudoHeader: PseudoHeader(addresses: addresses, protocol: .tcp, length: bytes.count))
        sum.add(bytes)
        return sum.verifies
    }
}
