/// Plain per-reason counters of dropped packets; callers ``record(_:)`` each ``PacketError``.
public struct PacketDropCounters: Hashable, Sendable {
    /// Packets dropped as ``PacketError/truncated``.
    public var truncated: UInt64 = 0
    /// Packets dropped as ``PacketError/badVersion``.
    public var badVersion: UInt64 = 0
    /// Packets dropped as ``PacketError/badHeaderLength``.
    public var badHeaderLength: UInt64 = 0
    /// Packets dropped as ``PacketError/badTotalLength``.
    public var badTotalLength: UInt64 = 0
    /// Packets dropped as ``PacketError/badChecksum``.
    public var badChecksum: UInt64 = 0
    /// Packets dropped as ``PacketError/ipv4OptionsUnsupported``.
    public var ipv4OptionsUnsupported: UInt64 = 0
    /// Packets dropped as ``PacketError/fragment``.
    public var fragment: UInt64 = 0
    /// Packets dropped as ``PacketError/unsupportedExtensionHeader``.
    public var unsupportedExtensionHeader: UInt64 = 0
    /// Packets dropped as ``PacketError/badExtensionHeader``.
    public var badExtensionHeader: UInt64 = 0
    /// Packets dropped as ``PacketError/badTCPOption``.
    public var badTCPOption: UInt64 = 0

    /// All counters at zero.
    public init() {}

    /// Counts one packet dropped for `reason`.
    public mutating func record(_ reason: PacketError) {
        self[reason] &+= 1
    }

    /// The counter for `reason`.
    public subscript(reason: PacketError) -> UInt64 {
        get {
            switch reason {
            case .truncated: truncated
            case .badVersion: badVersion
            case .badHeaderLength: badHeaderLength
            case .badTotalLength: badTotalLength
            case .badChecksum: badChecksum
            case .ipv4OptionsUnsupported: ipv4OptionsUnsupported
            case .fragment: fragment
            case .unsupportedExtensionHeader: unsupportedExtensionHeader
            case .badExtensionHeader: badExtensionHeader
            case .badTCPOption: badTCPOption
            }
        }
        set {
            switch reason {
            case .truncated: truncated = newValue
            case .badVersion: badVersion = newValue
            case .badHeaderLength: badHeaderLength = newValue
            case .badTotalLength: badTotalLength = newValue
            case .badChecksum: badChecksum = newValue
            case .ipv4OptionsUnsupported: ipv4OptionsUnsupported = newValue
            case .fragment: fragment = newValue
            case .unsupportedExtensionHeader: unsupportedExtensionHeader = newValue
            case .badExtensionHeader: badExtensionHeader = newValue
            case .badTCPOption: badTCPOption = newValue
            }
        }
    }

    /// Packets dropped for any reason.
    public var total: UInt64 { PacketError.allCases.reduce(0) { $0 &+ self[$1] } }
}
