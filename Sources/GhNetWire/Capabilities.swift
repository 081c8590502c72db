/// Features a side implements, exchanged in ``Hello``; the session uses only those both sides
/// announce (the intersection).
///
/// Bits this build does not know are kept when decoding and simply drop out of the
/// intersection, so a newer peer may announce features an older one has never heard of.
public struct Capabilities: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// TCP streams: ``Frame/tcpOpen(stream:source:destination:window:)`` and the stream frames.
    public static let tcp = Capabilities(rawValue: 1 << 0)
    /// UDP datagrams: ``Frame/udpDatagram(source:destination:payload:)``.
    public static let udp = Capabilities(rawValue: 1 << 1)
    /// ICMP echo: ``Frame/icmpEchoRequest(_:)`` and ``Frame/icmpEchoReply(_:)``.
    public static let icmpEcho = Capabilities(rawValue: 1 << 2)
    /// DNS forwarding: ``Frame/dnsConfig(enabled:domains:)`` and the DNS frames.
    public static let dns = Capabilities(rawValue: 1 << 3)
    /// IPv6 destinations and prefixes (IPv4 is always supported).
    public static let ipv6 = Capabilities(rawValue: 1 << 4)
    /// Session resume after a transport drop (see ``SessionID``).
    public static let resume = Capabilities(rawValue: 1 << 5)
    /// Early data on TCP streams: the agent may send data frames and a half-close for a stream
    /// before its ``Frame/tcpOpenResult(stream:result:)``, up to ``earlyDataWindow`` bytes, which
    /// the local side holds until its `connect()` ends (and drops if it fails). It lets the agent
    /// answer an app's SYN at once when the destination accepted a connection moments ago.
    public static let earlyData = Capabilities(rawValue: 1 << 6)

    /// Acknowledged goodbyes: a side that receives a ``Frame/goodbye(reason:)`` it did not ask
    /// for answers with a goodbye of its own before closing. The side that said goodbye first
    /// can then tell a goodbye that arrived from one lost with its transport (the end of the
    /// stream alone does not say which: ssh exits either way).
    public static let goodbyeAck = Capabilities(rawValue: 1 << 7)

    /// The credit a stream has before its open result, with ``earlyData``.
    public static let earlyDataWindow: UInt32 = 64 << 10

    /// What this build implements and announces.
    public static let implemented: Capabilities = [.tcp, .udp, .icmpEcho, .dns, .ipv6, .earlyData, .resume, .goodbyeAck]

    /// Names of the known bits, in bit order.
    private static let names: [(Capabilities, String)] = [
        (.tcp, "tcp"), (.udp, "udp"), (.icmpEcho, "icmpEcho"), (.dns, "dns"), (.ipv6, "ipv6"), (.resume, "resume"),
        (.earlyData, "earlyData"), (.goodbyeAck, "goodbyeAck"),
    ]

    /// Comma-separated names, unknown bits as hex (`tcp, udp, 0x8000`), or `none`.
    public var description: String {
        var parts = Self.names.filter { contains($0.0) }.map(\.1)
        let unknown = subtracting(Self.names.reduce(into: Capabilities()) { $0.formUnion($1.0) })
        if !unknown.isEmpty { parts.append("0x" + String(unknown.rawValue, radix: 16)) }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}
