import GhNetAddress

/// Address ranges that are never bridged, in either direction: they mean "this machine", "this
/// link" or "everyone", never a host on a private network behind the local machine.
public enum SpecialRange: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// `127.0.0.0/8`, `::1/128`: this machine.
    case loopback
    /// `169.254.0.0/16`, `fe80::/10`: valid on one link only.
    case linkLocal
    /// `224.0.0.0/4`, `ff00::/8`.
    case multicast
    /// `255.255.255.255/32`, the limited broadcast (a subnet's own broadcast address is found
    /// from the routing table, see ``RoutingTable/broadcastAddresses``).
    case broadcast
    /// `0.0.0.0/8` ("this network") and `::/128`: not a destination.
    case unspecified
    /// `::ffff:0:0/96`: IPv4 addresses written as IPv6, which would slip IPv4 past the IPv6 policy.
    case ipv4Mapped

    /// The prefixes of the range, IPv4 first.
    public var prefixes: [IPPrefix] {
        switch self {
        case .loopback: [IPPrefix("127.0.0.0/8")!, IPPrefix("::1/128")!]
        case .linkLocal: [IPPrefix("169.254.0.0/16")!, IPPrefix("fe80::/10")!]
        case .multicast: [IPPrefix("224.0.0.0/4")!, IPPrefix("ff00::/8")!]
        case .broadcast: [IPPrefix("255.255.255.255/32")!]
        case .unspecified: [IPPrefix("0.0.0.0/8")!, IPPrefix("::/128")!]
        case .ipv4Mapped: [IPPrefix("::ffff:0:0/96")!]
        }
    }

    /// Every prefix of every range with the range it belongs to.
    static let all: [(IPPrefix, SpecialRange)] = allCases.flatMap { range in range.prefixes.map { ($0, range) } }

    /// The ranges as a trie, for the per-flow check.
    static let trie = PrefixTrie(all)

    /// The range `address` falls in, or `nil` for an ordinary unicast address.
    public static func containing(_ address: IPAddress) -> SpecialRange? { trie.longestMatch(address) }

    public var description: String {
        switch self {
        case .loopback: "loopback"
        case .linkLocal: "link-local"
        case .multicast: "multicast"
        case .broadcast: "broadcast"
        case .unspecified: "unspecified address"
        case .ipv4Mapped: "IPv4-mapped IPv6"
        }
    }
}
