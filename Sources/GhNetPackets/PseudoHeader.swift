/// The pseudo-header that TCP, UDP and ICMPv6 checksums cover (RFC 9293 §3.1, RFC 768,
/// RFC 8200 §8.1): both addresses, the upper-layer protocol and the upper-layer length.
public struct PseudoHeader: Hashable, Sendable {
    /// Source and destination of the IP packet.
    public var addresses: IPAddressPair
    /// The upper-layer protocol (TCP, UDP or ICMPv6), not an extension header.
    public var `protocol`: IPProtocol
    /// Length in bytes of the upper-layer header plus its payload.
    public var length: Int

    /// Describes the pseudo-header of an upper-layer packet of `length` bytes.
    public init(addresses: IPAddressPair, protocol: IPProtocol, length: Int) {
        self.addresses = addresses
        self.protocol = `protocol`
        self.length = length
    }
}
