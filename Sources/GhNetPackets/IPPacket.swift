import GhNetAddress

/// A checked IP packet of either family, reduced to what the agent dispatches on: addresses,
/// upper-layer protocol, hop limit and where the transport bytes lie.
///
/// ```swift
/// let ip = try IPPacket.parse(raw)
/// let tcp = try TCPSegmentView(ip.transport(of: raw))
/// ```
public struct IPPacket: Hashable, Sendable {
    /// The IP header (for IPv6 the fixed header; its `nextHeader` may name an extension header).
    public let header: IPHeader
    /// The upper-layer protocol, after any IPv6 extension headers.
    public let transportProtocol: IPProtocol
    /// Offsets of the upper-layer header and its payload in the parsed bytes.
    public let transportRange: Range<Int>
    /// Offset of the byte that names ``transportProtocol`` (9 for IPv4, 6 or inside the last
    /// extension header for IPv6).
    let protocolFieldOffset: Int

    /// Parses and validates an IPv4 or IPv6 packet: lengths, the IPv4 header checksum; IPv4
    /// options, fragments and unsupported IPv6 extension headers are refused. Hop-by-hop,
    /// routing and destination-options headers are skipped. Transport checksums are checked
    /// by the transport parsers, which need ``pseudoHeader``.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(PacketError) -> IPPacket {
        guard let first = bytes.first else { throw .truncated }
        switch first >> 4 {
        case 4:
            let view = try IPv4PacketView(bytes)
            let header = try IPv4Header.parse(view)
            return IPPacket(header: .v4(header), transportProtocol: header.protocol,
                            transportRange: view.payloadRange, protocolFieldOffset: 9)
        case 6:
            let view = try IPv6PacketView(bytes)
            let end = view.payloadRange.upperBound
            let upper = try IPv6UpperLayer.find(in: bytes, end: end)
            return IPPacket(header: .v6(IPv6Header.parse(view)), transportProtocol: upper.protocol,
                            transportRange: upper.offset..<end, protocolFieldOffset: upper.protocolFieldOffset)
        default:
            throw .badVersion
        }
    }

    /// The address family.
    public var family: IPFamily { header.family }
    /// Both addresses.
    public var addresses: IPAddressPair { header.addresses }
    /// Source address.
    public var source: IPAddress { addresses.source }
    /// Destination address.
    public var destination: IPAddress { addresses.destination }
    /// TTL (IPv4) or hop limit (IPv6).
    public var hopLimit: UInt8 { header.hopLimit }
    /// Length of the whole packet (bytes after it in the buffer are not part of it).
    public var totalLength: Int { transportRange.upperBound }

    /// The pseudo-header the transport checksum covers.
    public var pseudoHeader: PseudoHeader {
        PseudoHeader(addresses: addresses, protocol: transportProtocol, length: transportRange.count)
    }

    /// The transport bytes of the packet this was parsed from, re-based to start at 0.
    public func transport(of bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        bytes.slice(transportRange)
    }
}
