/// The decoded RDATA of a resource record. Types without a decoder here (NULL, HTTPS, OPT, ...)
/// are kept as `.other` with their raw bytes.
public enum DNSRecordData: Sendable, Hashable {
    /// An IPv4 address: exactly 4 bytes, network order.
    case a([UInt8])
    /// An IPv6 address: exactly 16 bytes, network order.
    case aaaa([UInt8])
    /// The canonical name this name is an alias for.
    case cname(DNSName)
    /// A name server for the zone.
    case ns(DNSName)
    /// The name a reverse-lookup name points to.
    case ptr(DNSName)
    /// A mail exchanger and its preference (lower is preferred).
    case mx(preference: UInt16, exchange: DNSName)
    /// The character-strings of a TXT record, each at most 255 bytes.
    case txt([[UInt8]])
    /// The start of authority of a zone.
    case soa(DNSStartOfAuthority)
    /// A service location.
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
    /// A certification authority authorization: flags, property tag and value.
    case caa(flags: UInt8, tag: [UInt8], value: [UInt8])
    /// Any other type, with its RDATA as it came.
    case other(DNSRecordType, [UInt8])
}

/// The fields of an SOA record.
public struct DNSStartOfAuthority: Sendable, Hashable {
    /// The primary name server.
    public var mname: DNSName
    /// The responsible person's mailbox, as a name.
    public var rname: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    /// The negative-caching TTL.
    public var minimum: UInt32

    public init(
        mname: DNSName, rname: DNSName,
        serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32, minimum: UInt32
    ) {
        self.mname = mname
        self.rname = rname
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}
