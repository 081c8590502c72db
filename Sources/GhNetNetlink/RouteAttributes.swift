/// The route, address and link properties rtnetlink describes with one byte or word, named as
/// in linux/rtnetlink.h and iproute2's tables.

/// `rtm_protocol`: who installed a route. gh-net marks its own routes with ``ghNet``.
public struct RouteProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// RTPROT_UNSPEC.
    public static let unspecified = Self(rawValue: 0)
    /// RTPROT_KERNEL: made by the kernel, e.g. the subnet route of an address.
    public static let kernel = Self(rawValue: 2)
    /// RTPROT_BOOT: added by an administrator without naming a protocol (`ip route add`).
    public static let boot = Self(rawValue: 3)
    /// RTPROT_STATIC: added by an administrator as static.
    public static let `static` = Self(rawValue: 4)
    /// RTPROT_RA: learned from IPv6 router advertisements.
    public static let routerAdvertisement = Self(rawValue: 9)
    /// RTPROT_DHCP: installed by a DHCP client.
    public static let dhcp = Self(rawValue: 16)
    /// 0x67 ("g"): routes gh-net's agent installed, so they can be told apart (`ip route show
    /// proto 103`). No value iproute2 or the kernel names uses it.
    public static let ghNet = Self(rawValue: 0x67)

    public var description: String {
        switch self {
        case .unspecified: return "unspec"
        case .kernel: return "kernel"
        case .boot: return "boot"
        case .static: return "static"
        case .routerAdvertisement: return "ra"
        case .dhcp: return "dhcp"
        case .ghNet: return "gh-net"
        default: return String(rawValue)
        }
    }
}

/// `rtm_scope` / `ifa_scope`: how far a route's destination or an address reaches.
public struct RouteScope: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// RT_SCOPE_UNIVERSE: anywhere (gateway routes; global addresses).
    public static let universe = Self(rawValue: 0)
    /// RT_SCOPE_SITE.
    public static let site = Self(rawValue: 200)
    /// RT_SCOPE_LINK: directly on the attached link (subnet routes; link-local addresses).
    public static let link = Self(rawValue: 253)
    /// RT_SCOPE_HOST: this host only (local routes; loopback addresses).
    public static let host = Self(rawValue: 254)
    /// RT_SCOPE_NOWHERE: no destination; in a delete request, "any scope".
    public static let nowhere = Self(rawValue: 255)

    public var description: String {
        switch self {
        case .universe: return "global"
        case .site: return "site"
        case .link: return "link"
        case .host: return "host"
        case .nowhere: return "nowhere"
        default: return String(rawValue)
        }
    }
}

/// `rtm_type`: what a route does with matching packets.
public struct RouteType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// RTN_UNSPEC; in a delete request, "any type".
    public static let unspecified = Self(rawValue: 0)
    /// RTN_UNICAST: an ordinary route to a gateway or a link.
    public static let unicast = Self(rawValue: 1)
    /// RTN_LOCAL: the destination is this host.
    public static let local = Self(rawValue: 2)
    /// RTN_BROADCAST.
    public static let broadcast = Self(rawValue: 3)
    /// RTN_ANYCAST.
    public static let anycast = Self(rawValue: 4)
    /// RTN_MULTICAST.
    public static let multicast = Self(rawValue: 5)
    /// RTN_BLACKHOLE: dropped silently.
    public static let blackhole = Self(rawValue: 6)
    /// RTN_UNREACHABLE: refused with host unreachable.
    public static let unreachable = Self(rawValue: 7)
    /// RTN_PROHIBIT: refused as administratively prohibited.
    public static let prohibit = Self(rawValue: 8)

    public var description: String {
        switch self {
        case .unspecified: return "unspec"
        case .unicast: return "unicast"
        case .local: return "local"
        case .broadcast: return "broadcast"
        case .anycast: return "anycast"
        case .multicast: return "multicast"
        case .blackhole: return "blackhole"
        case .unreachable: return "unreachable"
        case .prohibit: return "prohibit"
        default: return String(rawValue)
        }
    }
}

/// A routing table number (`rtm_table`, or RTA_TABLE beyond 255).
public struct RouteTable: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// RT_TABLE_UNSPEC.
    public static let unspecified = Self(rawValue: 0)
    /// RT_TABLE_DEFAULT.
    public static let `default` = Self(rawValue: 253)
    /// RT_TABLE_MAIN: where ordinary routes live; what `ip route` shows.
    public static let main = Self(rawValue: 254)
    /// RT_TABLE_LOCAL: the host's own and broadcast addresses.
    public static let local = Self(rawValue: 255)

    public var description: String {
        switch self {
        case .unspecified: return "unspec"
        case .default: return "default"
        case .main: return "main"
        case .local: return "local"
        default: return String(rawValue)
        }
    }
}
