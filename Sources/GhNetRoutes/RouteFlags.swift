/// The `RTF_*` flag bits the kernel prints in its route files (`linux/route.h` and
/// `linux/ipv6_route.h`). The common bits are named; any other bit is kept in ``rawValue``.
public struct RouteFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `RTF_UP`: the route is usable. Routes without it are skipped when parsing.
    public static let up = RouteFlags(rawValue: 0x0001)
    /// `RTF_GATEWAY`: packets go to a next hop rather than straight onto the link.
    public static let gateway = RouteFlags(rawValue: 0x0002)
    /// `RTF_HOST`: a host route (/32) rather than a network route.
    public static let host = RouteFlags(rawValue: 0x0004)
    /// `RTF_REJECT`: an unreachable or prohibit route; the kernel refuses the packets.
    public static let reject = RouteFlags(rawValue: 0x0200)
    /// `RTF_ANYCAST` (IPv6): a subnet-router anycast address of this machine.
    public static let anycast = RouteFlags(rawValue: 0x0010_0000)
    /// `RTF_LOCAL` (IPv6): an address of this machine (the `local` table).
    public static let local = RouteFlags(rawValue: 0x8000_0000)
}
