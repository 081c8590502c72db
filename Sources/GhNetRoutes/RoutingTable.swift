import GhNetAddress

/// A machine's routing table and addresses, read from the kernel's route files and
/// `getifaddrs(3)` by the caller and handed over as values.
///
/// Holds only usable routes (up, not reject); the rest are in ``skippedLines``. Both sides use
/// it: the local side to decide what to advertise and to check each flow, the agent to learn
/// its own subnets, which it must never route into the tunnel.
public struct RoutingTable: Sendable {
    /// The usable routes, IPv4 then IPv6, in the kernel's order.
    public let routes: [Route]
    /// Every address of every interface, by interface name.
    public let interfaceAddresses: [String: [IPAddress]]
    /// The lines of the route files that did not become routes, with the reason.
    public let skippedLines: [SkippedRouteLine]
    /// Interfaces that carry a `0.0.0.0/0` or `::/0` route: the way to the internet.
    public let defaultInterfaces: Set<String>
    /// Loopback interfaces: `lo`, and any interface holding a loopback address.
    public let loopbackInterfaces: Set<String>
    /// The addresses of this machine: every interface address and every IPv6 `local` or
    /// `anycast` route.
    public let ownAddresses: Set<IPAddress>
    /// The directed broadcast address of each IPv4 subnet this machine has an address in.
    public let broadcastAddresses: Set<IPAddress>
    private let lookup: PrefixTrie<Route>

    /// Makes a table from routes already parsed (or built by a test).
    public init(routes: [Route], interfaceAddresses: [String: [IPAddress]] = [:]) {
        self.init(routes: routes, interfaceAddresses: interfaceAddresses, skippedLines: [])
    }

    /// Parses the text of `/proc/net/route` and `/proc/net/ipv6_route`. Malformed, down and
    /// reject lines are skipped and listed in ``skippedLines``; the parser never traps.
    public init(procNetRoute: String, procNetIPv6Route: String, interfaceAddresses: [String: [IPAddress]] = [:]) {
        let v4 = ProcRouteParser.parseIPv4(procNetRoute)
        let v6 = ProcRouteParser.parseIPv6(procNetIPv6Route)
        self.init(routes: v4.routes + v6.routes, interfaceAddresses: interfaceAddresses,
                  skippedLines: v4.skipped + v6.skipped)
    }

    private init(routes: [Route], interfaceAddresses: [String: [IPAddress]], skippedLines: [SkippedRouteLine]) {
        self.routes = routes
        self.interfaceAddresses = interfaceAddresses
        self.skippedLines = skippedLines
        defaultInterfaces = Set(routes.filter { $0.prefix.length == 0 }.map(\.interface))
        loopbackInterfaces = Set(interfaceAddresses.filter { _, addresses in
            addresses.contains { SpecialRange.containing($0) == .loopback }
        }.keys).union(["lo"])
        ownAddresses = Set(interfaceAddresses.values.joined()).union(routes.filter(\.isLocal).map(\.prefix.network))
        broadcastAddresses = Set(routes.compactMap { route in
            guard case .v4(let network) = route.prefix.network, route.gateway == nil, !route.isDefault,
                  route.prefix.length <= 30,
                  interfaceAddresses[route.interface, default: []].contains(where: route.prefix.contains) else { return nil }
            return .v4(network | (UInt32.max >> UInt32(route.prefix.length)))
        })
        lookup = PrefixTrie(routes.map { ($0.prefix, $0) }, keep: { old, new in old.metric <= new.metric })
    }

    /// The route the kernel would pick for `destination`: the longest matching prefix, and among
    /// routes for that prefix the lowest metric (the first listed on a tie).
    public func route(to destination: IPAddress) -> Route? { lookup.longestMatch(destination) }

    /// What this machine reaches without any tunnel, which the agent must never route into one:
    /// the on-link routes, its own addresses and the next hops of its routes, as host prefixes.
    /// Pass the agent's own TUN interface in `ignoring`, or its routes would count as its own.
    /// Sorted, without prefixes covered by others.
    public func ownSubnets(ignoring ignored: Set<String> = []) -> [IPPrefix] {
        let kept = routes.filter { !ignored.contains($0.interface) }
        let onLink = kept.filter { $0.gateway == nil && !$0.isDefault }.map(\.prefix)
        let nextHops = kept.compactMap(\.gateway).map(Self.hostPrefix)
        let addresses = interfaceAddresses.filter { !ignored.contains($0.key) }.values.joined().map(Self.hostPrefix)
        return PrefixSet.minimize(onLink + nextHops + addresses, prefix: { $0 }).kept
    }

    private static func hostPrefix(_ address: IPAddress) -> IPPrefix {
        IPPrefix(address, length: address.bitWidth)!
    }
}
