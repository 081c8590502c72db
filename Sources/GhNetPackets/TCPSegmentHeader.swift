/// The parsed fields of a TCP header, options included. The payload is not part of it: it stays
/// in the caller's buffer when parsing (``TCPSegmentView/payload``) and is passed beside it when
/// emitting.
public struct TCPSegmentHeader: Hashable, Sendable {
    /// Source port.
    public var sourcePort: UInt16
    /// Destination port.
    public var destinationPort: UInt16
    /// Sequence number.
    public var sequenceNumber: UInt32
    /// Acknowledgment number (meaningful with ``TCPFlags/ack``).
    public var acknowledgmentNumber: UInt32
    /// Control bits.
    public var flags: TCPFlags
    /// Receive window (unscaled).
    public var window: UInt16
    /// Urgent pointer (meaningful with ``TCPFlags/urg``).
    public var urgentPointer: UInt16
    /// Options.
    public var options: TCPOptions

    /// Describes a header.
    public init(
        sourcePort: UInt16, destinationPort: UInt16, sequenceNumber: UInt32, acknowledgmentNumber: UInt32,
        flags: TCPFlags, window: UInt16, urgentPointer: UInt16 = 0, options: TCPOptions = TCPOptions()
    ) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.sequenceNumber = sequenceNumber
        self.acknowledgmentNumber = acknowledgmentNumber
        self.flags = flags
        self.window = window
        self.urgentPointer = urgentPointer
        self.options = options
    }

    /// Header length in bytes as emitted: 20 plus the options.
    public var length: Int { TCPSegmentView.minimumHeaderLength + options.encodedLength }

    /// Reads a checked view; the checksum must verify against `addresses` (unless
    /// `checksumTrusted`: the kernel vouched for it, see ``VirtioNetHeader/checksumTrusted``)
    /// and the options must be well formed.
    public static func parse(_ view: TCPSegmentView, addresses: IPAddressPair, checksumTrusted: Bool = false) throws(PacketError) -> TCPSegmentHeader {
        guard checksumTrusted || view.checksumVerifies(addresses: addresses) else { throw .badChecksum }
        return TCPSegmentHeader(
            sourcePort: view.sourcePort, destinationPort: view.destinationPort,
            sequenceNumber: view.sequenceNumber, acknowledgmentNumber: view.acknowledgmentNumber,
            flags: view.flags, window: view.window, urgentPointer: view.urgentPointer,
            options: try TCPOptions.parse(view.optionBytes)
        )
    }

    /// Writes header and `payload` at the start of `buffer` with the checksum for `addresses`;
    /// returns the bytes written.
    @discardableResult
    public func emit(
        payload: UnsafeRawBufferPointer, addresses: IPAddressPair, into buffer: UnsafeMutableRawBufferPointer
    ) throws(PacketBuildError) -> Int {
        let headerLength = try emitHeader(payload: payload, addresses: addresses, into: buffer, room: length + payload.count)
        buffer.copy(payload, at: headerLength)
        return headerLength + payload.count
    }

    /// Writes only the header (with options) at the start of `buffer`, its checksum covering
    /// `payload` as if it followed; returns the header length. For a gathering write that sends
    /// the payload from where it already is. With `offloadingChecksum` the field holds only the
    /// pseudo-header sum, for a device that completes it (``VirtioNetHeader/partialChecksum(transportOffset:fieldOffset:)``),
    /// and the payload is not read.
    public func emitHeader(
        payload: UnsafeRawBufferPointer, addresses: IPAddressPair, into buffer: UnsafeMutableRawBufferPointer,
        offloadingChecksum: Bool = false
    ) throws(PacketBuildError) -> Int {
        try emitHeader(payload: payload, addresses: addresses, into: buffer, room: length, offloadingChecksum: offloadingChecksum)
    }

    /// Where the checksum field sits in a TCP header.
    public static let checksumFieldOffset = 16

    private func emitHeader(
        payload: UnsafeRawBufferPointer, addresses: IPAddressPair, into buffer: UnsafeMutableRawBufferPointer, room: Int,
        offloadingChecksum: Bool = false
    ) throws(PacketBuildError) -> Int {
        let headerLength = length
        guard payload.count <= Int(UInt16.max) - headerLength else { throw .payloadTooLarge }
        try buffer.requireCapacity(room)
        buffer.store(sourcePort, at: 0)
        buffer.store(destinationPort, at: 2)
        buffer.store(sequenceNumber, at: 4)
        buffer.store(acknowledgmentNumber, at: 8)
        buffer.store(UInt16(headerLength / 4) << 12 | flags.rawValue, at: 12)
        buffer.store(window, at: 14)
        buffer.store(UInt16(0), at: 16)
        buffer.store(urgentPointer, at: 18)
        options.emit(into: buffer.slice(TCPSegmentView.minimumHeaderLength..<headerLength))
        var sum = InternetChecksum(pseudoHeader: PseudoHeader(addresses: addresses, protocol: .tcp, length: headerLength + payload.count))
        if offloadingChecksum {
            buffer.store(sum.partialChecksum, at: Self.checksumFieldOffset)
            return headerLength
        }
        sum.add(UnsafeRawBufferPointer(buffer.slice(0..<headerLength)))
        sum.add(payload)
        buffer.store(sum.checksum, at: Self.checksumFieldOffset)
        return headerLength
    }
}
