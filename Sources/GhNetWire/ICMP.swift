import GhNetAddress
import NIOCore

/// One ICMP or ICMPv6 echo, carried by ``Frame/icmpEchoRequest(_:)`` (agent→local: a ping from
/// a codespace app) and ``Frame/icmpEchoReply(_:)`` (local→agent: the answer, with source and
/// destination swapped).
public struct ICMPEcho: Hashable, Sendable {
    /// Who sent the echo (request: the codespace app; reply: the pinged host).
    public var source: IPAddress
    /// Who it is for; same family as ``source``.
    public var destination: IPAddress
    /// The echo identifier, copied from request to reply.
    public var identifier: UInt16
    /// The echo sequence number, copied from request to reply.
    public var sequence: UInt16
    /// Request: the TTL / hop limit the app set. Reply: the one the reply arrived with, or 64.
    public var hopLimit: UInt8
    /// The echo data after the ICMP header.
    public var payload: ByteBuffer

    /// An echo from its parts.
    public init(
        source: IPAddress, destination: IPAddress, identifier: UInt16, sequence: UInt16, hopLimit: UInt8,
        payload: ByteBuffer
    ) {
        self.source = source
        self.destination = destination
        self.identifier = identifier
        self.sequence = sequence
        self.hopLimit = hopLimit
        self.payload = payload
    }
}

/// An ICMP error the local side observed for a packet the agent forwarded, carried by
/// ``Frame/icmpError(_:)`` (local→agent). It holds what the agent needs to build the matching
/// ICMP or ICMPv6 error towards the app: what went wrong, who said so, and the original flow
/// the app's socket is bound to.
public struct ICMPErrorReport: Hashable, Sendable {
    /// What went wrong.
    public var kind: ICMPErrorKind
    /// The router or host that reported the error (for example the hop whose TTL expired), or
    /// `nil` when unknown, in which case the agent reports it from the original destination.
    /// Same family as the original flow.
    public var reporter: IPAddress?
    /// The packet the error is about, as the app sent it.
    public var original: OriginalFlow

    /// A report from its parts.
    public init(kind: ICMPErrorKind, reporter: IPAddress?, original: OriginalFlow) {
        self.kind = kind
        self.reporter = reporter
        self.original = original
    }
}

/// The error classes the agent can reproduce as ICMP (type, code) or ICMPv6 (type, code).
public enum ICMPErrorKind: Hashable, Sendable {
    /// Network unreachable (v4 3/0, v6 1/0).
    case netUnreachable
    /// Host unreachable (v4 3/1, v6 1/3).
    case hostUnreachable
    /// Port unreachable (v4 3/3, v6 1/4).
    case portUnreachable
    /// Communication administratively prohibited (v4 3/13, v6 1/1).
    case adminProhibited
    /// Protocol unreachable (v4 3/2, v6 4/1 next-header).
    case protocolUnreachable
    /// TTL / hop limit exceeded in transit (v4 11/0, v6 3/0).
    case timeExceeded
    /// The packet is too big for the path (v4 3/4, v6 2/0), with the next-hop MTU.
    case fragmentationNeeded(mtu: UInt32)
}

/// The original packet an ICMP error refers to, reduced to what identifies its flow: the
/// protocol and both endpoints (for echo, the identifier and sequence take the ports' place).
public enum OriginalFlow: Hashable, Sendable {
    /// A TCP segment from `source` to `destination`.
    case tcp(source: Endpoint, destination: Endpoint)
    /// A UDP datagram from `source` to `destination`.
    case udp(source: Endpoint, destination: Endpoint)
    /// An ICMP echo request.
    case icmpEcho(source: IPAddress, destination: IPAddress, identifier: UInt16, sequence: UInt16)
}
