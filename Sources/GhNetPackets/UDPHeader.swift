/// The parsed fields of a UDP header. The payload is not part of it: it stays in the caller's
/// buffer when parsing (``UDPDatagramView/payload``) and is passed beside it when emitting.
public struct UDPHeader: Hashable, Sendable {
    /// Length of the UDP header.
    public static let length = UDPDatagramView.headerLength
    /// Largest payload the 16-bit UDP length expresses.
    public static let maximumPayloadLength = Int(UInt16.max) - length

    /// Source port.
    public var sourcePort: UInt16
    /// Destination port.
    public var destinationPort: UInt16

    /// Describes a header.
    public init(sourcePort: UInt16, destinationPort: UInt16) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
    }

    /// Reads a checked view; the checksum must verify against `addresses`.
    public static func parse(_ view: UDPDatagramView, addresses: IPAddressPair) throws(PacketError) -> UDPHeader {
        guard view.checksumVerifies(addresses: addresses) else { throw .badChecksum }
        return UDPHeader(sourcePort: view.sourcePort, destinationPort: view.destinationPort)
    }

    /// Writes header and `payload` at the start of `buffer` with the checksum for `addresses`;
    /// returns the bytes written.
    @discardableResult
    public func emit(
        payload: UnsafeRawBufferPointer, addresses: IPAddressPair, into buffer: UnsafeMutableRawBufferPointer
    ) throws(PacketBuildError) -> Int {
        guard payload.count <= Self.maximumPayloadLength else { throw .payloadTooLarge }
        let length = Self.length + payload.count
        try buffer.requireCapacity(length)
        buffer.store(sourcePort, at: 0)
        buffer.store(destinationPort, at: 2)
        buffer.store(UInt16(length), at: 4)
        buffer.store(UInt16(0), at: 6)
        buffer.copy(payload, at: Self.length)
        var sum = InternetChecksum(pseudoHeader: PseudoHeader(addresses: addresses, protocol: .udp, length: length))
        sum.add(UnsafeRawBufferPointer(buffer.slice(0..<length)))
        let checksum = sum.checksum
        buffer.store(checksum == 0 ? 0xFFFF : checksum, at: 6)
        return length
    }
}
