import GhNetAddress

extension IPPrefix {
    /// The global IPv6 unicast space (RFC 4291): what "the IPv6 internet" is.
    static let globalUnicastV6 = IPPrefix("2000::/3")!

    /// True for a prefix that stands for the internet rather than a network: a default route
    /// (`0.0.0.0/0`, `::/0`), either half of one (OpenVPN's `def1`), and an IPv6 prefix of /4 or
    /// shorter overlapping `2000::/3` (OpenVPN's `redirect-gateway ipv6` routes `2000::/4` and
    /// `3000::/4`). No private network is that large; bridging it would send the codespace's
    /// internet traffic through the laptop.
    public var coversInternet: Bool {
        if length <= 1 { return true }
        guard family == .v6, length <= 4 else { return false }
        let global = Self.globalUnicastV6
        return contains(global.network) || global.contains(network)
    }
}
