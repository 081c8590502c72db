/// The fixed 12-byte DNS header, without the section counts (the parsed sections carry those).
public struct DNSHeader: Sendable, Hashable {
    /// The query ID that pairs a response with its query.
    public var id: UInt16
    /// The raw flags word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode).
    public var flags: UInt16

    public init(id: UInt16, flags: UInt16) {
        self.id = id
        self.flags = flags
    }

    /// QR: this message is a response, not a query.
    public var isResponse: Bool { flags & 0x8000 != 0 }
    /// The kind of query.
    public var opcode: DNSOpcode { DNSOpcode(rawValue: UInt8((flags >> 11) & 0xF)) }
    /// AA: the answer comes from a server authoritative for the zone.
    public var isAuthoritative: Bool { flags & 0x0400 != 0 }
    /// TC: the message was truncated to fit the transport (the client should retry over TCP).
    public var isTruncated: Bool { flags & 0x0200 != 0 }
    /// RD: the client asked for recursion.
    public var recursionDesired: Bool { flags & 0x0100 != 0 }
    /// RA: the server offers recursion.
    public var recursionAvailable: Bool { flags & 0x0080 != 0 }
    /// The response code (the 4 header bits; the EDNS extension bits are not folded in).
    public var rcode: DNSResponseCode { DNSResponseCode(rawValue: UInt8(flags & 0xF)) }
}

/// A header opcode; shown as `QUERY`, `IQUERY`, `STATUS`, `NOTIFY`, `UPDATE` or `OPCODE<n>`.
public struct DNSOpcode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let query = DNSOpcode(rawValue: 0)
    public static let inverseQuery = DNSOpcode(rawValue: 1)
    public static let status = DNSOpcode(rawValue: 2)
    public static let notify = DNSOpcode(rawValue: 4)
    public static let update = DNSOpcode(rawValue: 5)

    public var description: String {
        switch self {
        case .query: "QUERY"
        case .inverseQuery: "IQUERY"
        case .status: "STATUS"
        case .notify: "NOTIFY"
        case .update: "UPDATE"
        default: "OPCODE\(rawValue)"
        }
    }
}

/// A header response code; shown by its mnemonic (`NOERROR`, `NXDOMAIN`, ...) or `RCODE<n>`.
public struct DNSResponseCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let noError = DNSResponseCode(rawValue: 0)
    public static let formatError = DNSResponseCode(rawValue: 1)
    public static let serverFailure = DNSResponseCode(rawValue: 2)
    public static let nameError = DNSResponseCode(rawValue: 3)
    public static let notImplemented = DNSResponseCode(rawValue: 4)
    public static let refused = DNSResponseCode(rawValue: 5)

    public var description: String {
        switch self {
        case .noError: "NOERROR"
        case .formatError: "FORMERR"
        case .serverFailure: "SERVFAIL"
        case .nameError: "NXDOMAIN"
        case .notImplemented: "NOTIMP"
        case .refused: "REFUSED"
        default: "RCODE\(rawValue)"
        }
    }
}
