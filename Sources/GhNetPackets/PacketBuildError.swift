/// Why a packet could not be built or written.
public enum PacketBuildError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The destination buffer holds fewer bytes than the packet needs.
    case bufferTooSmall(needed: Int, available: Int)
    /// Headers plus payload exceed what the IP length fields can express.
    case payloadTooLarge
    /// The addresses given do not belong to the packet's IP family.
    case addressFamilyMismatch
    /// RFC 1122 §3.2.2 / RFC 4443 §2.4(e): no ICMP error about an ICMP error, or about a packet
    /// whose source or destination is not a single host (unspecified, multicast, broadcast).
    case icmpErrorNotAllowed
    /// The packet to answer is not an ICMP or ICMPv6 echo request.
    case notAnEchoRequest
    /// The packet to answer or quote does not parse.
    case invalidPacket(PacketError)

    public var description: String {
        switch self {
        case .bufferTooSmall(let needed, let available):
            "buffer too small: the packet needs \(needed) bytes, \(available) available"
        case .payloadTooLarge: "payload too large for the IP length field"
        case .addressFamilyMismatch: "addresses do not match the packet's IP family"
        case .icmpErrorNotAllowed: "an ICMP error must not answer this packet (ICMP error, multicast or broadcast)"
        case .notAnEchoRequest: "not an ICMP echo request"
        case .invalidPacket(let error): "invalid packet: \(error)"
        }
    }
}
