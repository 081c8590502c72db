import GhNetAddress

/// The local side's check of every new flow from the codespace: may it go to this destination?
///
/// Built once per routing-table refresh; ``decide(_:)`` then costs a few trie walks and set
/// look-ups and allocates nothing, so it can run on every new flow.
public struct FlowPolicy: Sendable {
    private let table: RoutingTable
    private let advertised: PrefixTrie<Bool>
    private let userRoutes: PrefixTrie<Bool>
    private let exclusions: PrefixTrie<IPPrefix>

    /// Prepares the check for the current routing table and the advertisement the agent was last
    /// sent. The two may disagree for a moment (a VPN went down and its routes are gone before
    /// the new advertisement arrives); then the table decides, so nothing leaks out of the
    /// default route.
    public init(table: RoutingTable, advertisement: Advertisement) {
        self.table = table
        advertised = PrefixTrie(advertisement.prefixes.map { ($0, true) })
        userRoutes = PrefixTrie(advertisement.userRoutes.map { ($0, true) })
        exclusions = PrefixTrie(advertisement.exclusions.map { ($0, $0) })
    }

    /// Decides one destination. In order: special ranges, this machine's own and broadcast
    /// addresses, the advertised set (naming the `--exclude` that removed it, if one did), then
    /// the route this machine would use: none, a loopback interface, or a default route
    /// (unless a `--route` asked for it) refuses; anything else is allowed through its interface.
    public func decide(_ destination: IPAddress) -> FlowDecision {
        if let range = SpecialRange.containing(destination) { return .refused(.special(range)) }
        if table.ownAddresses.contains(destination) { return .refused(.ownAddress) }
        if table.broadcastAddresses.contains(destination) { return .refused(.special(.broadcast)) }
        guard advertised.longestMatch(destination) != nil else {
            if let exclusion = exclusions.longestMatch(destination) { return .refused(.excluded(by: exclusion)) }
            return .refused(.notAdvertised)
        }
        guard let route = table.route(to: destination) else { return .refused(.noRoute) }
        if table.loopbackInterfaces.contains(route.interface) { return .refused(.loopbackInterface(route.interface)) }
        if route.isDefault && userRoutes.longestMatch(destination) == nil {
            return .refused(.defaultRoute(interface: route.interface))
        }
        return .allowed(via: route.interface)
    }
}

/// The outcome of ``FlowPolicy/decide(_:)``.
public enum FlowDecision: Hashable, Sendable {
    /// The flow may go ahead; this machine sends it through this interface.
    case allowed(via: String)
    /// The flow is refused (the agent answers ICMP administratively prohibited).
    case refused(FlowRefusal)
}

/// Why a flow is refused; its description is the sentence for the log.
public enum FlowRefusal: Hashable, Sendable, CustomStringConvertible {
    /// The destination lies in a range that is never bridged (loopback, link-local, multicast,
    /// broadcast…).
    case special(SpecialRange)
    /// The destination is an address of this machine.
    case ownAddress
    /// The destination lies in this `--exclude` prefix.
    case excluded(by: IPPrefix)
    /// The destination is in no advertised prefix.
    case notAdvertised
    /// This machine has no route to the destination.
    case noRoute
    /// The route leads to a loopback interface, that is back into this machine.
    case loopbackInterface(String)
    /// This machine would send it out its default route: the internet, which the codespace
    /// reaches by itself.
    case defaultRoute(interface: String)

    public var description: String {
        switch self {
        case .special(let range): "\(range) destination"
        case .ownAddress: "an address of this machine"
        case .excluded(let prefix): "excluded by --exclude \(prefix)"
        case .notAdvertised: "not in the advertised prefixes"
        case .noRoute: "no route on this machine"
        case .loopbackInterface(let interface): "routed to the loopback interface \(interface)"
        case .defaultRoute(let interface): "goes out the default route via \(interface) (the codespace reaches the internet itself)"
        }
    }
}
