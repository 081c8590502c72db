import GhNetAddress

/// Builds whole IP packets the agent writes to the TUN device: TCP and UDP with correct
/// checksums, ICMP echo replies and destination-unreachable errors.
///
/// The `write…(into:)` forms fill a caller's buffer (e.g. inside NIO's
/// `writeWithUnsafeMutableBytes`) and return the packet length; the other forms return an array.
/// Packets carry no IPv4 options or IPv6 extension headers; IPv4 sets DF.
public enum PacketBuilder {
    /// TTL / hop limit of the agent's packets unless told otherwise.
    public static let defaultHopLimit: UInt8 = 64

    /// Length of the packet ``writeTCP(addresses:header:payload:hopLimit:into:)`` writes.
    public static func tcpPacketLength(family: IPFamily, header: TCPSegmentHeader, payloadCount: Int) -> Int {
        IPHeader.length(of: family) + header.length + payloadCount
    }

    /// Writes an IP packet carrying a TCP segment at the start of `buffer`; returns its length.
    @discardableResult
    public static func writeTCP(
        addresses: IPAddressPair, header: TCPSegmentHeader, payload: UnsafeRawBufferPointer,
        hopLimit: UInt8 = defaultHopLimit, into buffer: UnsafeMutableRawBufferPointer
    ) throws(PacketBuildError) -> Int {
        try write(addresses: addresses, protocol: .tcp, hopLimit: hopLimit,
                  transportLength: header.length + payload.count, into: buffer) { out throws(PacketBuildError) in
            try header.emit(payload: payload, addresses: addresses, into: out)
        }
    }

    /// Writes the IP and TCP headers of a packet whose TCP payload is `payload`, without the
    /// payload itself (for a gathering write of headers and payload); returns the headers' length.
    /// `offloadingChecksum` leaves the TCP checksum to the TUN device (see ``VirtioNetHeader``).
    @discardableResult
    public static func writeTCPHeaders(
        addresses: IPAddressPair, header: TCPSegmentHeader, payload: UnsafeRawBufferPointer,
        hopLimit: UInt8 = defaultHopLimit, offloadingChecksum: Bool = false, into buffer: UnsafeMutableRawBufferPointer
    ) throws(PacketBuildError) -> Int {
        let maximum = addresses.family == .v4 ? IPv4Header.maximumPayloadLength : IPv6Header.maximumPayloadLength
        guard header.length + payload.count <= maximum else { throw .payloadTooLarge }
        let ipLength = IPHeader.length(of: addresses.family)
        try buffer.requireCapacity(ipLength + header.length)
        let tcpLength = try header.emitHeader(payload: payload, addresses: addresses, into: buffer.slice(ipLength..<(ipLength + header.length)),
                                              offloadingChecksum: offloadingChecksum)
        try IPHeader(addresses: addresses, protocol: .tcp, payloadLength: tcpLength + payload.count, hopLimit: hopLimit).emit(into: buffer)
        return ipLength + tcpLength
    }

    /// An IP packet carrying a TCP segment.
    public static func tcp(
        addresses: IPAddressPair, header: TCPSegmentHeader,
        payload: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
        hopLimit: UInt8 = defaultHopLimit
    ) throws(PacketBuildError) -> [UInt8] {
        try makeArray(count: tcpPacketLength(family: addresses.family, header: header, payloadCount: payload.count)) {
            buffer throws(PacketBuildError) in
            try writeTCP(addresses: addresses, header: header, payload: payload, hopLimit: hopLimit, into: buffer)
        }
    }

    /// Length of the packet ``writeUDP(addresses:header:payload:hopLimit:into:)`` writes.
    public static func udpPacketLength(family: IPFamily, payloadCount: Int) -> Int {
        IPHeader.length(of: family) + UDPHeader.length + payloadCount
    }

    /// Writes an IP packet carrying a UDP datagram at the start of `buffer`; returns its length.
    @discardableResult
    public static func writeUDP(
        addresses: IPAddressPair, header: UDPHeader, payload: UnsafeRawBufferPointer,
        hopLimit: UInt8 = defaultHopLimit, into buffer: UnsafeMutableRawBufferPointer
    ) throws(PacketBuildError) -> Int {
        try write(addresses: addresses, protocol: .udp, hopLimit: hopLimit,
                  transportLength: UDPHeader.length + payload.count, into: buffer) { out throws(PacketBuildError) in
            try header.emit(payload: payload, addresses: addresses, into: out)
        }
    }

    /// An IP packet carrying a UDP datagram.
    public static func udp(
        addresses: IPAddressPair, header: UDPHeader, payload: UnsafeRawBufferPointer,
        hopLimit: UInt8 = defaultHopLimit
    ) throws(PacketBuildError) -> [UInt8] {
        try makeArray(count: udpPacketLength(family: addresses.family, payloadCount: payload.count)) {
            buffer throws(PacketBuildError) in
            try writeUDP(addresses: addresses, header: header, payload: payload, hopLimit: hopLimit, into: buffer)
        }
    }

    /// Writes the IP header for `addresses` and lets `transport` fill the `transportLength`
    /// bytes after it; returns the packet length.
    static func write(
        addresses: IPAddressPair, protocol: IPProtocol, hopLimit: UInt8, transportLength: Int,
        into buffer: UnsafeMutableRawBufferPointer,
        transport: (UnsafeMutableRawBufferPointer) throws(PacketBuildError) -> Int
    ) throws(PacketBuildError) -> Int {
        let maximum = addresses.family == .v4 ? IPv4Header.maximumPayloadLength : IPv6Header.maximumPayloadLength
        guard transportLength <= maximum else { throw .payloadTooLarge }
        let headerLength = IPHeader.length(of: addresses.family)
        try buffer.requireCapacity(headerLength + transportLength)
        let written = try transport(buffer.slice(headerLength..<(headerLength + transportLength)))
        try IPHeader(addresses: addresses, protocol: `protocol`, payloadLength: written, hopLimit: hopLimit)
            .emit(into: buffer)
        return headerLength + written
    }

    /// An array of `count` bytes filled by `body`, which returns how many it wrote.
    static func makeArray(
        count: Int, _ body: (UnsafeMutableRawBufferPointer) throws(PacketBuildError) -> Int
    ) throws(PacketBuildError) -> [UInt8] {
        var failure: PacketBuildError?
        let array = [UInt8](unsafeUninitializedCapacity: count) { storage, initialized in
            do throws(PacketBuildError) {
                initialized = try body(UnsafeMutableRawBufferPointer(storage))
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return array
    }
}
