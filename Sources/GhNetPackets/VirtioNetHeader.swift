/// The header a TUN device opened with `IFF_VNET_HDR` puts before every packet it hands out,
/// and expects before every packet written (`struct virtio_net_hdr`, 10 bytes, little-endian).
///
/// It is how the kernel and the agent skip checksums for packets that never leave the host: a
/// packet the kernel sends with `needsChecksum` carries only the pseudo-header sum in its
/// transport checksum field (the kernel trusts its own data, as a NIC with checksum offload
/// would); a packet we write with `needsChecksum` is delivered to the local socket without the
/// kernel computing or checking the sum.
public struct VirtioNetHeader: Hashable, Sendable {
    /// Bytes on the wire.
    public static let length = 10

    /// `VIRTIO_NET_HDR_F_NEEDS_CSUM`: the transport checksum is partial (pseudo-header only);
    /// the sum over `checksumStart...` still has to be folded into the field at
    /// `checksumStart + checksumOffset`.
    public static let needsChecksum: UInt8 = 1
    /// `VIRTIO_NET_HDR_F_DATA_VALID`: the checksum has been verified.
    public static let dataValid: UInt8 = 2
    /// `VIRTIO_NET_HDR_GSO_NONE`: one packet, not a segmentation-offload super-packet.
    public static let gsoNone: UInt8 = 0

    /// `VIRTIO_NET_HDR_F_*` bits.
    public var flags: UInt8
    /// `VIRTIO_NET_HDR_GSO_*`: ``gsoNone`` unless segmentation offload was enabled.
    public var gsoType: UInt8
    /// Length of the headers (for segmentation offload).
    public var headerLength: UInt16
    /// Payload bytes per segment (for segmentation offload).
    public var segmentSize: UInt16
    /// Where the checksummed part starts: the transport header's offset in the packet.
    public var checksumStart: UInt16
    /// Where the checksum field sits, from ``checksumStart``: 16 for TCP, 6 for UDP.
    public var checksumOffset: UInt16

    /// A header with the given fields.
    public init(flags: UInt8 = 0, gsoType: UInt8 = gsoNone, headerLength: UInt16 = 0, segmentSize: UInt16 = 0,
                checksumStart: UInt16 = 0, checksumOffset: UInt16 = 0) {
        self.flags = flags
        self.gsoType = gsoType
        self.headerLength = headerLength
        self.segmentSize = segmentSize
        self.checksumStart = checksumStart
        self.checksumOffset = checksumOffset
    }

    /// The header of a whole packet whose checksums are all computed.
    public static let plain = VirtioNetHeader()

    /// The header of a packet whose transport checksum field holds only the pseudo-header sum
    /// (``TCPSegmentHeader/emitHeader(payload:addresses:into:offloadingChecksum:)``): the transport
    /// header starts at `transportOffset` and its checksum field `fieldOffset` bytes into it.
    public static func partialChecksum(transportOffset: Int, fieldOffset: Int) -> VirtioNetHeader {
        VirtioNetHeader(flags: needsChecksum, checksumStart: UInt16(transportOffset), checksumOffset: UInt16(fieldOffset))
    }

    /// Reads the header at the start of `bytes`; `nil` when fewer than ``length`` bytes.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> VirtioNetHeader? {
        guard bytes.count >= length else { return nil }
        func word(_ offset: Int) -> UInt16 { UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8 }
        return VirtioNetHeader(flags: bytes[0], gsoType: bytes[1], headerLength: word(2), segmentSize: word(4),
                               checksumStart: word(6), checksumOffset: word(8))
    }

    /// The 10 bytes on the wire.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Calls `body` with the 10 bytes on the wire (on the stack: no allocation per packet).
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        var raw: (UInt8, UInt8, UInt16, UInt16, UInt16, UInt16) =
            (flags, gsoType, headerLength.littleEndian, segmentSize.littleEndian, checksumStart.littleEndian, checksumOffset.littleEndian)
        return try Swift.withUnsafeBytes(of: &raw) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<Self.length])) }
    }

    /// True when the kernel vouches for the packet's transport checksum: it is only partial
    /// (``needsChecksum``, the kernel's own data) or already verified (``dataValid``).
    public var checksumTrusted: Bool { flags & (Self.needsChecksum | Self.dataValid) != 0 }

    /// True for a segmentation-offload super-packet (only sent when such offloads are on).
    public var isSegmented: Bool { gsoType != Self.gsoNone }
}
