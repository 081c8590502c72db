import GhNetAddress

/// The agent's check of an advertisement before it touches its routing table: which prefixes
/// to route into the TUN device, and what it withheld and why (for the log).
///
/// Nothing the agent already reaches without the tunnel may be captured: a prefix never covers
/// or overlaps one of the agent's own subnets (see ``RoutingTable/ownSubnets(ignoring:)``) or
/// contains the address its SSH connection comes from, since routing that into the tunnel would
/// cut the tunnel itself. Default routes and the ``SpecialRange``s are refused as well, whatever
/// the local side sends.
///
/// A prefix that merely contains a conflict is not dropped whole: the conflicting part is cut
/// out and the remaining CIDRs are installed. Advertised `198.18.0.0/15` against an own
/// `198.18.0.0/24` installs `198.18.1.0/24`, `198.18.2.0/23`, …, `198.19.0.0/16` — everything
/// the user asked for that cannot clash — because VPN prefixes are often broad (a `10.0.0.0/8`
/// corporate route against a codespace in `10.0.0.0/24`), and dropping the whole prefix would
/// lose the network the user came for. Routing the pieces is also independent of route metrics
/// and of longest-prefix tie-breaks, which matters for the SSH peer: it is normally reached by
/// the default route, which any advertised prefix containing it would beat. A prefix that lies
/// inside an own subnet has no part left and is withheld whole.
public struct InstallFilter: Hashable, Sendable {
    /// Why (part of) an advertised prefix is not installed.
    public enum Reason: Hashable, Sendable, CustomStringConvertible {
        /// A default route (/0 or /1): it would take over the codespace's internet.
        case defaultRoute
        /// The part lies in a range that is never bridged.
        case special(SpecialRange)
        /// The part overlaps this subnet of the agent's own.
        case ownSubnet(IPPrefix)
        /// The part contains the address the SSH connection comes from.
        case transportPeer(IPAddress)

        public var description: String {
            switch self {
            case .defaultRoute: "default route"
            case .special(let range): "\(range) range"
            case .ownSubnet(let prefix): "overlaps the codespace's own \(prefix)"
            case .transportPeer(let address): "contains the SSH peer \(address)"
            }
        }
    }

    /// A part of an advertised prefix that is not installed.
    public struct Skipped: Hashable, Sendable, CustomStringConvertible {
        /// The part withheld.
        public let prefix: IPPrefix
        /// The advertised prefix it belongs to.
        public let advertised: IPPrefix
        /// Why it is withheld.
        public let reason: Reason

        public var description: String {
            prefix == advertised ? "\(prefix): \(reason)" : "\(prefix) of \(advertised): \(reason)"
        }
    }

    /// The prefixes to route into the TUN device: sorted, disjoint.
    public let routes: [IPPrefix]
    /// What was withheld, in the order of the advertisement.
    public let skipped: [Skipped]

    /// Filters `advertised` against the agent's own subnets and the SSH peer's address.
    public init(advertised: [IPPrefix], ownSubnets: [IPPrefix], transportPeer: IPAddress?) {
        var blockers = SpecialRange.all.map { ($0.0, Reason.special($0.1)) }
            + ownSubnets.map { ($0, Reason.ownSubnet($0)) }
        if let peer = transportPeer {
            blockers.append((IPPrefix(peer, length: peer.bitWidth)!, .transportPeer(peer)))
        }
        var skipped: [Skipped] = []
        var pieces: [IPPrefix] = []
        for prefix in advertised {
            if prefix.coversInternet {
                skipped.append(Skipped(prefix: prefix, advertised: prefix, reason: .defaultRoute))
                continue
            }
            let (kept, removed) = PrefixSet.carve(prefix, around: blockers)
            pieces += kept
            skipped += removed.map { Skipped(prefix: $0.0, advertised: prefix, reason: $0.1) }
        }
        routes = PrefixSet.minimize(pieces, prefix: { $0 }).kept
        self.skipped = skipped
    }
}
