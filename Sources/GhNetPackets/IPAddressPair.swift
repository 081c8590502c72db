import GhNetAddress

/// The source and destination of one IP packet, always of the same family.
///
/// Replies use ``reversed``; the pair also feeds the TCP/UDP/ICMPv6 pseudo-header.
public enum IPAddressPair: Hashable, Sendable, CustomStringConvertible {
    /// IPv4 addresses in host order (as in ``IPAddress/v4(_:)``).
    case v4(source: UInt32, destination: UInt32)
    /// IPv6 addresses.
    case v6(source: IPv6Bytes, destination: IPv6Bytes)

    /// Pairs two addresses; `nil` when their families differ.
    public init?(source: IPAddress, destination: IPAddress) {
        switch (source, destination) {
        case (.v4(let s), .v4(let d)): self = .v4(source: s, destination: d)
        case (.v6(let s), .v6(let d)): self = .v6(source: s, destination: d)
        default: return nil
        }
    }

    /// The family of both addresses.
    public var family: IPFamily {
        if case .v4 = self { return .v4 } else { return .v6 }
    }

    /// The source address.
    public var source: IPAddress {
        switch self {
        case .v4(let s, _): .v4(s)
        case .v6(let s, _): .v6(s)
        }
    }

    /// The destination address.
    public var destination: IPAddress {
        switch self {
        case .v4(_, let d): .v4(d)
        case .v6(_, let d): .v6(d)
        }
    }

    /// Source and destination swapped: the addressing of a reply.
    public var reversed: IPAddressPair {
        switch self {
        case .v4(let s, let d): .v4(source: d, destination: s)
        case .v6(let s, let d): .v6(source: d, destination: s)
        }
    }

    public var description: String { "\(source) -> \(destination)" }
}
