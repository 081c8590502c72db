import GhNetAddress

/// The parsed fields of an IPv6 fixed header: what the agent reads from a packet and what it
/// writes in front of one.
public struct IPv6Header: Hashable, Sendable {
    /// Length of the fixed header.
    public static let length = 40
    /// Largest payload the 16-bit payload length expresses (no jumbograms).
    public static let maximumPayloadLength = Int(UInt16.max)

    /// Source address.
    public var source: IPv6Bytes
    /// Destination address.
    public var destination: IPv6Bytes
    /// The header that follows: an extension header or the upper-layer protocol.
    public var nextHeader: IPProtocol
    /// Length of everything after the fixed header.
    public var payloadLength: Int
    /// Hop limit.
    public var hopLimit: UInt8
    /// Traffic class (DSCP and ECN).
    public var trafficClass: UInt8
    /// Flow label, 20 bits.
    public var flowLabel: UInt32

    /// Describes a header; the defaults are those of the agent's own packets.
    public init(
        source: IPv6Bytes, destination: IPv6Bytes, nextHeader: IPProtocol, payloadLength: Int,
        hopLimit: UInt8 = 64, trafficClass: UInt8 = 0, flowLabel: UInt32 = 0
    ) {
        self.source = source
        self.destination = destination
        self.nextHeader = nextHeader
        self.payloadLength = payloadLength
        self.hopLimit = hopLimit
        self.trafficClass = trafficClass
        self.flowLabel = flowLabel
    }

    /// Both addresses.
    public var addresses: IPAddressPair { .v6(source: source, destination: destination) }

    /// Reads the fixed header of a checked view (which has no checksum to verify).
    public static func parse(_ view: IPv6PacketView) -> IPv6Header {
        IPv6Header(
            source: view.source, destination: view.destination, nextHeader: view.nextHeader,
            payloadLength: view.payloadLength, hopLimit: view.hopLimit,
            trafficClass: view.trafficClass, flowLabel: view.flowLabel
        )
    }

    /// Writes the 40-byte fixed header at the start of `buffer`.
    public func emit(into buffer: UnsafeMutableRawBufferPointer) throws(PacketBuildError) {
        try buffer.requireCapacity(Self.length)
        guard (0...Self.maximumPayloadLength).contains(payloadLength) else { throw .payloadTooLarge }
        buffer.store(UInt32(6) << 28 | UInt32(trafficClass) << 20 | flowLabel & 0x000F_FFFF, at: 0)
        buffer.store(UInt16(payloadLength), at: 4)
        buffer[6] = nextHeader.rawValue
        buffer[7] = hopLimit
        buffer.store(source, at: 8)
        buffer.store(destination, at: 24)
    }
}
