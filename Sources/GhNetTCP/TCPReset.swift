import GhNetPackets

/// The RST answering `header`, a segment for which no connection exists (or that a closed one
/// received), per RFC 9293 §3.10.7.1; `nil` when `header` is itself an RST, which is never
/// answered. The dispatcher sends it with the incoming packet's addresses reversed.
///
/// With the ACK bit on, the reset takes its sequence number from the acknowledgment
/// (`<SEQ=SEG.ACK><CTL=RST>`); otherwise it acknowledges everything the segment occupied
/// (`<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>`, SYN and FIN counting one each).
public func tcpReset(answering header: TCPSegmentHeader, payloadCount: Int) -> TCPSegmentHeader? {
    let flags = header.flags
    guard !flags.contains(.rst) else { return nil }
    if flags.contains(.ack) {
        return TCPSegmentHeader(
            sourcePort: header.destinationPort, destinationPort: header.sourcePort,
            sequenceNumber: header.acknowledgmentNumber, acknowledgmentNumber: 0, flags: [.rst], window: 0)
    }
    let length = payloadCount + (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0)
    return TCPSegmentHeader(
        sourcePort: header.destinationPort, destinationPort: header.sourcePort, sequenceNumber: 0,
        acknowledgmentNumber: (TCPSequenceNumber(header.sequenceNumber) + length).rawValue,
        flags: [.rst, .ack], window: 0)
}
