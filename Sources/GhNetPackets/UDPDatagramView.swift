/// A read-only view of a UDP datagram (RFC 768): the transport bytes of an IP packet.
///
/// `init` checks the length field against the bytes. Bytes past the UDP length are ignored.
public struct UDPDatagramView {
    /// Length of the UDP header.
    public static let headerLength = 8

    /// The bytes the view was made over.
    public let bytes: UnsafeRawBufferPointer

    /// Validates the UDP length field against `bytes`.
    public init(_ bytes: UnsafeRawBufferPointer) throws(PacketError) {
        guard bytes.count >= Self.headerLength else { throw .truncated }
        let length = Int(bytes.uint16(at: 4))
        guard length >= Self.headerLength else { throw .badTotalLength }
        guard bytes.count >= length else { throw .truncated }
        self.bytes = bytes
    }

    /// Source port.
    public var sourcePort: UInt16 { bytes.uint16(at: 0) }
    /// Destination port.
    public var destinationPort: UInt16 { bytes.uint16(at: 2) }
    /// Header plus payload length in bytes.
    public var length: Int { Int(bytes.uint16(at: 4)) }
    /// The checksum field; 0 means "not computed" (allowed over IPv4 only).
    public var checksum: UInt16 { bytes.uint16(at: 6) }
    /// Offsets of the payload within ``bytes``.
    public var payloadRange: Range<Int> { Self.headerLength..<length }
    /// The payload bytes.
    public var payload: UnsafeRawBufferPointer { bytes.slice(payloadRange) }

    /// True when the checksum verifies against the pseudo-header of `addresses`, or is absent
    /// over IPv4. An absent checksum over IPv6 fails (RFC 8200 §8.1).
    public func checksumVerifies(addresses: IPAddressPair) -> Bool {
        if checksum == 0 { return addresses.family == .v4 }
        var sum = InternetChecksum(pseudoHeader: PseudoHeader(addresses: addresses, protocol: .udp, length: length))
        sum.add(bytes.slice(0..<length))
        return sum.verifies
    }
}
