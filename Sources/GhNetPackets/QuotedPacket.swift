/// What an ICMP error tells about the packet it quotes: its addresses, upper-layer protocol and,
/// for TCP and UDP, its ports — enough to find the flow the error is about.
///
/// A quote is usually cut short (RFC 792 asks only for the header plus 8 bytes), so lengths and
/// checksums of the quoted packet are not checked.
public struct QuotedPacket: Hashable, Sendable {
    /// Addresses of the quoted packet (the sender of the error's peer first).
    public var addresses: IPAddressPair
    /// Upper-layer protocol of the quoted packet.
    public var transportProtocol: IPProtocol
    /// Source port, when the quote is TCP or UDP and reaches it.
    public var sourcePort: UInt16?
    /// Destination port, when the quote is TCP or UDP and reaches it.
    public var destinationPort: UInt16?

    /// Reads the quoted packet in an ICMP error body (``ICMPMessageView/body``).
    public static func parse(_ quote: UnsafeRawBufferPointer) throws(PacketError) -> QuotedPacket {
        guard let first = quote.first else { throw .truncated }
        let addresses: IPAddressPair
        let transportProtocol: IPProtocol
        let transportOffset: Int
        switch first >> 4 {
        case 4:
            guard quote.count >= IPv4Header.length else { throw .truncated }
            let headerLength = Int(first & 0x0F) * 4
            guard headerLength >= IPv4Header.length else { throw .badHeaderLength }
            guard quote.count >= headerLength else { throw .truncated }
            addresses = .v4(source: quote.uint32(at: 12), destination: quote.uint32(at: 16))
            transportProtocol = IPProtocol(rawValue: quote[9])
            transportOffset = headerLength
        case 6:
            guard quote.count >= IPv6Header.length else { throw .truncated }
            let upper = try IPv6UpperLayer.find(in: quote, end: quote.count)
            addresses = .v6(source: quote.ipv6Address(at: 8), destination: quote.ipv6Address(at: 24))
            transportProtocol = upper.protocol
            transportOffset = upper.offset
        default:
            throw .badVersion
        }
        var packet = QuotedPacket(addresses: addresses, transportProtocol: transportProtocol)
        if transportProtocol == .tcp || transportProtocol == .udp, quote.count - transportOffset >= 4 {
            packet.sourcePort = quote.uint16(at: transportOffset)
            packet.destinationPort = quote.uint16(at: transportOffset + 2)
        }
        return packet
    }

    private init(addresses: IPAddressPair, transportProtocol: IPProtocol) {
        self.addresses = addresses
        self.transportProtocol = transportProtocol
    }
}
