/// A DNS record type (the TYPE / QTYPE field). Unknown values are kept as they are and shown
/// RFC 3597 style, as `TYPE123`.
public struct DNSRecordType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = DNSRecordType(rawValue: 1)
    public static let ns = DNSRecordType(rawValue: 2)
    public static let cname = DNSRecordType(rawValue: 5)
    public static let soa = DNSRecordType(rawValue: 6)
    public static let null = DNSRecordType(rawValue: 10)
    public static let ptr = DNSRecordType(rawValue: 12)
    public static let mx = DNSRecordType(rawValue: 15)
    public static let txt = DNSRecordType(rawValue: 16)
    public static let aaaa = DNSRecordType(rawValue: 28)
    public static let srv = DNSRecordType(rawValue: 33)
    public static let opt = DNSRecordType(rawValue: 41)
    public static let https = DNSRecordType(rawValue: 65)
    public static let any = DNSRecordType(rawValue: 255)
    public static let caa = DNSRecordType(rawValue: 257)

    /// The mnemonic (`A`, `AAAA`, `MX`, ...) or `TYPE<n>` for types without one here.
    public var description: String {
        switch self {
        case .a: "A"
        case .ns: "NS"
        case .cname: "CNAME"
        case .soa: "SOA"
        case .null: "NULL"
        case .ptr: "PTR"
        case .mx: "MX"
        case .txt: "TXT"
        case .aaaa: "AAAA"
        case .srv: "SRV"
        case .opt: "OPT"
        case .https: "HTTPS"
        case .any: "ANY"
        case .caa: "CAA"
        default: "TYPE\(rawValue)"
        }
    }
}

/// A DNS class (the CLASS / QCLASS field); shown as `IN`, `CH`, `HS`, `ANY` or `CLASS<n>`.
/// For OPT records this field carries the sender's UDP payload size instead.
public struct DNSClass: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let internet = DNSClass(rawValue: 1)
    public static let chaos = DNSClass(rawValue: 3)
    public static let hesiod = DNSClass(rawValue: 4)
    public static let any = DNSClass(rawValue: 255)

    public var description: String {
        switch self {
        case .internet: "IN"
        case .chaos: "CH"
        case .hesiod: "HS"
        case .any: "ANY"
        default: "CLASS\(rawValue)"
        }
    }
}
