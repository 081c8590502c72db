/// An IP protocol number (IPv4 protocol field, IPv6 next header), e.g. ``tcp`` = 6.
public struct IPProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The protocol number as it appears on the wire.
    public let rawValue: UInt8

    /// Wraps a protocol number.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// IPv6 hop-by-hop options header (0).
    public static let hopByHop = IPProtocol(rawValue: 0)
    /// ICMP for IPv4 (1).
    public static let icmp = IPProtocol(rawValue: 1)
    /// TCP (6).
    public static let tcp = IPProtocol(rawValue: 6)
    /// UDP (17).
    public static let udp = IPProtocol(rawValue: 17)
    /// IPv6 routing header (43).
    public static let routing = IPProtocol(rawValue: 43)
    /// IPv6 fragment header (44).
    public static let fragment = IPProtocol(rawValue: 44)
    /// IPsec encapsulating security payload (50).
    public static let esp = IPProtocol(rawValue: 50)
    /// IPsec authentication header (51).
    public static let authenticationHeader = IPProtocol(rawValue: 51)
    /// ICMP for IPv6 (58).
    public static let icmpv6 = IPProtocol(rawValue: 58)
    /// IPv6 "no next header" (59).
    public static let noNextHeader = IPProtocol(rawValue: 59)
    /// IPv6 destination options header (60).
    public static let destinationOptions = IPProtocol(rawValue: 60)

    public var description: String {
        switch self {
        case .hopByHop: "hop-by-hop"
        case .icmp: "icmp"
        case .tcp: "tcp"
        case .udp: "udp"
        case .routing: "routing"
        case .fragment: "fragment"
        case .esp: "esp"
        case .authenticationHeader: "ah"
        case .icmpv6: "icmpv6"
        case .noNextHeader: "no-next-header"
        case .destinationOptions: "destination-options"
        default: "protocol \(rawValue)"
        }
    }
}
