import GhNetAddress

/// An IPv4 or IPv6 header, for code that handles both families alike.
public enum IPHeader: Hashable, Sendable {
    /// An IPv4 header without options.
    case v4(IPv4Header)
    /// An IPv6 fixed header.
    case v6(IPv6Header)

    /// The header of a packet the agent sends: `addresses` decide the family, the payload
    /// follows the header directly (no options, no extension headers), DF set on IPv4.
    public init(addresses: IPAddressPair, protocol: IPProtocol, payloadLength: Int, hopLimit: UInt8) {
        switch addresses {
        case .v4(let source, let destination):
            self = .v4(IPv4Header(
                source: source, destination: destination, protocol: `protocol`,
                payloadLength: payloadLength, timeToLive: hopLimit))
        case .v6(let source, let destination):
            self = .v6(IPv6Header(
                source: source, destination: destination, nextHeader: `protocol`,
                payloadLength: payloadLength, hopLimit: hopLimit))
        }
    }

    /// Header length in bytes: 20 or 40.
    public var length: Int { Self.length(of: family) }

    /// Header length in bytes of a packet of `family` built by this module: 20 or 40.
    public static func length(of family: IPFamily) -> Int {
        family == .v4 ? IPv4Header.length : IPv6Header.length
    }

    /// The address family.
    public var family: IPFamily {
        if case .v4 = self { return .v4 } else { return .v6 }
    }

    /// Both addresses.
    public var addresses: IPAddressPair {
        switch self {
        case .v4(let h): h.addresses
        case .v6(let h): h.addresses
        }
    }

    /// TTL (IPv4) or hop limit (IPv6).
    public var hopLimit: UInt8 {
        switch self {
        case .v4(let h): h.timeToLive
        case .v6(let h): h.hopLimit
        }
    }

    /// Writes the header at the start of `buffer`.
    public func emit(into buffer: UnsafeMutableRawBufferPointer) throws(PacketBuildError) {
        switch self {
        case .v4(let h): try h.emit(into: buffer)
        case .v6(let h): try h.emit(into: buffer)
        }
    }
}
