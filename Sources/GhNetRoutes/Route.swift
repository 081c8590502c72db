import GhNetAddress

/// One usable route of the kernel's routing table: where packets for `prefix` leave.
public struct Route: Hashable, Sendable {
    /// The destinations this route is for.
    public var prefix: IPPrefix
    /// The next hop, or `nil` when the destination is on the link itself.
    public var gateway: IPAddress?
    /// The interface the packets leave through (`wlan0`, `tun0`, `lo`…).
    public var interface: String
    /// The route's priority; among routes for the same prefix, the lowest metric wins.
    public var metric: UInt32
    /// The kernel's `RTF_*` flags.
    public var flags: RouteFlags

    /// Makes a route from its parts.
    public init(prefix: IPPrefix, gateway: IPAddress? = nil, interface: String, metric: UInt32 = 0,
                flags: RouteFlags = .up) {
        self.prefix = prefix
        self.gateway = gateway
        self.interface = interface
        self.metric = metric
        self.flags = flags
    }

    /// True for a default route: `0.0.0.0/0` or `::/0`, and also what full-tunnel VPNs use to
    /// override it without replacing it (the two /1 halves of OpenVPN's `def1`, its IPv6
    /// `2000::/4` and `3000::/4`; see ``GhNetAddress/IPPrefix/coversInternet``). Such a route
    /// means "the internet", never a private network.
    public var isDefault: Bool { prefix.coversInternet }

    /// True when the route is for an address of this machine itself (IPv6 `local` and
    /// `anycast` routes of the `local` table).
    public var isLocal: Bool { !flags.isDisjoint(with: [.local, .anycast]) }
}
