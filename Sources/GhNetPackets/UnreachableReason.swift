/// Why the agent refuses a packet with an ICMP destination-unreachable, in family-neutral terms;
/// ``PacketBuilder/destinationUnreachable(_:quoting:source:hopLimit:)`` maps it to the ICMPv4 or
/// ICMPv6 message.
public enum UnreachableReason: Hashable, Sendable, CaseIterable {
    /// No route to the network (ICMPv4 code 0; ICMPv6 code 0, no route).
    case network
    /// The host does not answer (ICMPv4 code 1; ICMPv6 code 3, address unreachable).
    case host
    /// Nothing handles the IP protocol (ICMPv4 code 2; ICMPv6 parameter problem code 1
    /// pointing at the next-header byte, as RFC 4443 §3.4 prescribes).
    case `protocol`
    /// Nothing listens on the port (ICMPv4 code 3; ICMPv6 code 4).
    case port
    /// Policy forbids the destination (ICMPv4 code 13; ICMPv6 code 1).
    case administrativelyProhibited

    /// The ICMPv4 destination-unreachable message.
    var icmpv4Message: ICMPv4Message {
        let code = switch self {
        case .network: ICMPv4Message.UnreachableCode.network
        case .host: ICMPv4Message.UnreachableCode.host
        case .protocol: ICMPv4Message.UnreachableCode.protocol
        case .port: ICMPv4Message.UnreachableCode.port
        case .administrativelyProhibited: ICMPv4Message.UnreachableCode.administrativelyProhibited
        }
        return .destinationUnreachable(code: code, nextHopMTU: 0)
    }

    /// The ICMPv6 message; `protocolFieldOffset` locates the next-header byte for ``protocol``.
    func icmpv6Message(protocolFieldOffset: Int) -> ICMPv6Message {
        switch self {
        case .network: .destinationUnreachable(code: ICMPv6Message.UnreachableCode.noRoute)
        case .host: .destinationUnreachable(code: ICMPv6Message.UnreachableCode.address)
        case .protocol: .parameterProblem(code: ICMPv6Message.unrecognizedNextHeader, pointer: UInt32(protocolFieldOffset))
        case .port: .destinationUnreachable(code: ICMPv6Message.UnreachableCode.port)
        case .administrativelyProhibited: .destinationUnreachable(code: ICMPv6Message.UnreachableCode.administrativelyProhibited)
        }
    }
}
