/// The parsed, validated fields of an IPv4 header without options: what the agent reads from a
/// packet and what it writes in front of one.
public struct IPv4Header: Hashable, Sendable {
    /// Length of the header this type emits.
    public static let length = 20
    /// Largest payload that fits the 16-bit total length.
    public static let maximumPayloadLength = Int(UInt16.max) - length

    /// Source address, host order.
    public var source: UInt32
    /// Destination address, host order.
    public var destination: UInt32
    /// The payload's protocol.
    public var `protocol`: IPProtocol
    /// Payload length in bytes (total length minus the header).
    public var payloadLength: Int
    /// Time to live.
    public var timeToLive: UInt8
    /// DSCP and ECN.
    public var dscpECN: UInt8
    /// Identification; irrelevant for unfragmented packets (RFC 6864).
    public var identification: UInt16
    /// The don't-fragment flag.
    public var dontFragment: Bool

    /// Describes a header; the defaults are those of the agent's own packets.
    public init(
        source: UInt32, destination: UInt32, protocol: IPProtocol, payloadLength: Int,
        timeToLive: UInt8 = 64, dscpECN: UInt8 = 0, identification: UInt16 = 0, dontFragment: Bool = true
    ) {
        self.source = source
        self.destination = destination
        self.protocol = `protocol`
        self.payloadLength = payloadLength
        self.timeToLive = timeToLive
        self.dscpECN = dscpECN
        self.identification = identification
        self.dontFragment = dontFragment
    }

    /// Both addresses.
    public var addresses: IPAddressPair { .v4(source: source, destination: destination) }

    /// Reads the header of a checked view: the checksum must verify, and packets with options
    /// or fragments are refused.
    public static func parse(_ view: IPv4PacketView) throws(PacketError) -> IPv4Header {
        guard view.headerChecksumVerifies else { throw .badChecksum }
        guard view.headerLength == length else { throw .ipv4OptionsUnsupported }
        guard !view.moreFragments, view.fragmentOffset == 0 else { throw .fragment }
        return IPv4Header(
            source: view.source, destination: view.destination, protocol: view.protocol,
            payloadLength: view.totalLength - view.headerLength, timeToLive: view.timeToLive,
            dscpECN: view.dscpECN, identification: view.identification, dontFragment: view.dontFragment
        )
    }

    /// Writes the 20-byte header, checksum included, at the start of `buffer`.
    public func emit(into buffer: UnsafeMutableRawBufferPointer) throws(PacketBuildError) {
        try buffer.requireCapacity(Self.length)
        guard (0...Self.maximumPayloadLength).contains(payloadLength) else { throw .payloadTooLarge }
        buffer[0] = 0x45
        buffer[1] = dscpECN
        buffer.store(UInt16(Self.length + payloadLength), at: 2)
        buffer.store(identification, at: 4)
        buffer.store(dontFragment ? UInt16(0x4000) : 0, at: 6)
        buffer[8] = timeToLive
        buffer[9] = `protocol`.rawValue
        buffer.store(UInt16(0), at: 10)
        buffer.store(source, at: 12)
        buffer.store(destination, at: 16)
        buffer.store(InternetChecksum.compute(UnsafeRawBufferPointer(buffer.slice(0..<Self.length))), at: 10)
    }
}
