import GhNetAddress

/// The prefixes the local side offers the agent to route into the tunnel, and, for the log,
/// everything it left out and why.
///
/// The rule: every route through an interface that does not carry a default route (VPN `tun`/`wg`
/// devices, a second LAN, veth and bridges), plus the user's `--route` prefixes, minus the
/// user's `--exclude` prefixes. Default routes, routes through the default or loopback
/// interfaces and this machine's own addresses are never taken from the table, and the
/// ``SpecialRange``s (loopback, link-local, multicast…) are cut out of whatever remains.
/// Removing part of a prefix splits it into the CIDRs that are left. The result has no
/// duplicates and no prefix covered by another, and is sorted (IPv4 first).
public struct Advertisement: Hashable, Sendable {
    /// Where a candidate prefix came from.
    public enum Origin: Hashable, Sendable, CustomStringConvertible {
        /// A route of the local routing table, through this interface.
        case route(interface: String)
        /// A `--route` given by the user.
        case userRoute

        public var description: String {
            switch self {
            case .route(let interface): "route via \(interface)"
            case .userRoute: "--route"
            }
        }
    }

    /// Why (part of) a candidate was not advertised.
    public enum Reason: Hashable, Sendable, CustomStringConvertible {
        /// A default route (/0, or a /1 half of one): the internet, which the codespace reaches itself.
        case defaultRoute
        /// The route goes through an interface that carries a default route.
        case defaultInterface
        /// The route goes through a loopback interface: it leads back to this machine.
        case loopbackInterface
        /// The route is for an address of this machine.
        case ownAddress
        /// The part lies in a range that is never bridged.
        case special(SpecialRange)
        /// The part lies in this `--exclude` prefix.
        case excluded(by: IPPrefix)
        /// Another advertised prefix already covers it.
        case coveredBy(IPPrefix)

        public var description: String {
            switch self {
            case .defaultRoute: "default route"
            case .defaultInterface: "interface carries the default route"
            case .loopbackInterface: "loopback interface"
            case .ownAddress: "address of this machine"
            case .special(let range): "\(range) range"
            case .excluded(let prefix): "excluded by --exclude \(prefix)"
            case .coveredBy(let prefix): "covered by \(prefix)"
            }
        }
    }

    /// A prefix, or the part of one, that was left out.
    public struct Skipped: Hashable, Sendable, CustomStringConvertible {
        /// What was left out (for a split prefix, only the removed part).
        public let prefix: IPPrefix
        /// Where the candidate it belongs to came from.
        public let origin: Origin
        /// Why it was left out.
        public let reason: Reason

        public var description: String { "\(prefix) (\(origin)): \(reason)" }
    }

    /// The prefixes to send to the agent: sorted, disjoint.
    public let prefixes: [IPPrefix]
    /// What is left of the user's `--route` prefixes after the special ranges and `--exclude`;
    /// the flow policy lets these through even where they leave by the default route.
    public let userRoutes: [IPPrefix]
    /// The user's `--exclude` prefixes, as given.
    public let exclusions: [IPPrefix]
    /// Everything left out, in the order of the table and then the `--route` list.
    public let skipped: [Skipped]

    /// Works out the advertisement from the local routing table and the user's options.
    public init(table: RoutingTable, routes extra: [IPPrefix] = [], excluding exclusions: [IPPrefix] = []) {
        var skipped: [Skipped] = []
        var candidates: [(IPPrefix, Origin)] = []
        for route in table.routes {
            let origin = Origin.route(interface: route.interface)
            let reason: Reason? =
                if route.isDefault { .defaultRoute }
                else if route.isLocal { .ownAddress }
                else if table.loopbackInterfaces.contains(route.interface) { .loopbackInterface }
                else if table.defaultInterfaces.contains(route.interface) { .defaultInterface }
                else { nil }
            if let reason {
                skipped.append(Skipped(prefix: route.prefix, origin: origin, reason: reason))
            } else {
                candidates.append((route.prefix, origin))
            }
        }
        for prefix in extra {
            if prefix.coversInternet {
                skipped.append(Skipped(prefix: prefix, origin: .userRoute, reason: .defaultRoute))
            } else {
                candidates.append((prefix, .userRoute))
            }
        }

        let blockers = SpecialRange.all.map { ($0.0, Reason.special($0.1)) }
            + exclusions.map { ($0, Reason.excluded(by: $0)) }
        var pieces: [(IPPrefix, Origin)] = []
        for (prefix, origin) in candidates {
            let (kept, removed) = PrefixSet.carve(prefix, around: blockers)
            pieces += kept.map { ($0, origin) }
            skipped += removed.map { Skipped(prefix: $0.0, origin: origin, reason: $0.1) }
        }
        let (kept, covered) = PrefixSet.minimize(pieces, prefix: \.0)
        skipped += covered.map { Skipped(prefix: $0.0.0, origin: $0.0.1, reason: .coveredBy($0.by)) }

        self.prefixes = kept.map(\.0)
        self.userRoutes = pieces.filter { $0.1 == .userRoute }.map(\.0).sorted(by: IPPrefix.canonicalOrder)
        self.exclusions = exclusions
        self.skipped = skipped
    }
}
