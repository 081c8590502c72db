import GhNetPackets

/// A segment for the app: its header, and where its payload lies in the connection's send
/// buffer. Write it with ``TCPConnection/withPayload(of:_:)`` and
/// `PacketBuilder.writeTCP(addresses: flow.replyAddresses, header:payload:into:)` before the next
/// input to the connection.
public struct TCPOutgoingSegment: Hashable, Sendable {
    /// The complete header (the checksum is computed when it is emitted).
    public var header: TCPSegmentHeader
    /// Number of payload bytes.
    public var payloadCount: Int
    /// Stream offset (server → app, from 0) of the first payload byte.
    let payloadOffset: Int

    init(header: TCPSegmentHeader, payloadOffset: Int = 0, payloadCount: Int = 0) {
        self.header = header
        self.payloadOffset = payloadOffset
        self.payloadCount = payloadCount
    }
}
