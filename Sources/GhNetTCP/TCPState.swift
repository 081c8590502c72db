/// Where a connection stands, in RFC 9293's terms (§3.3.2), seen from the agent: the passive
/// side of a connection the app's kernel opened.
///
/// RFC 9293's LISTEN is not a state of a connection object: the dispatcher plays it, creating a
/// ``TCPConnection`` from the first SYN of an unknown flow (and answering any other segment for
/// an unknown flow with ``tcpReset(answering:payloadCount:)``). SYN-SENT never occurs (the agent
/// never opens actively); in its place is ``awaitingOpen``, which the held SYN needs.
public enum TCPState: Hashable, Sendable, CustomStringConvertible {
    /// The app's SYN arrived and is held: the local side is connecting to the far server and
    /// nothing has been sent to the app. Retransmitted SYNs are absorbed silently. Left by
    /// ``TCPConnection/openSucceeded(initialWindow:)`` (to ``synReceived``) or
    /// ``TCPConnection/openFailed(_:)`` (to ``closed(_:)``).
    case awaitingOpen
    /// SYN-RECEIVED: the SYN-ACK is sent (and retransmitted on timeout); waiting for the app's
    /// ACK of it. Data from the far server is buffered but not yet sent.
    case synReceived
    /// ESTABLISHED: data flows both ways.
    case established
    /// CLOSE-WAIT: the app sent FIN (the far server's socket was shut for writing); data still
    /// flows from the far server to the app until the far server closes too.
    case closeWait
    /// LAST-ACK: both sides have closed; our FIN is sent (after all data) and awaits its ACK.
    case lastAck
    /// FIN-WAIT-1: the far server closed first; our FIN follows the buffered data and has not
    /// been acknowledged. The app may still send.
    case finWait1
    /// FIN-WAIT-2: our FIN is acknowledged; the app may still send until its own FIN.
    case finWait2
    /// CLOSING: both FINs crossed (simultaneous close); ours awaits its ACK.
    case closing
    /// TIME-WAIT: both FINs exchanged and ours acknowledged, we closed first. The connection
    /// lingers for ``TCPConfiguration/timeWaitDuration`` to re-acknowledge a retransmitted FIN;
    /// a new SYN from the app with a higher sequence number (or timestamp) ends it early.
    case timeWait
    /// CLOSED: the connection is over for the reason given; the dispatcher forgets it once the
    /// last segments are drained.
    case closed(TCPCloseReason)

    public var description: String {
        switch self {
        case .awaitingOpen: "AWAITING-OPEN"
        case .synReceived: "SYN-RECEIVED"
        case .established: "ESTABLISHED"
        case .closeWait: "CLOSE-WAIT"
        case .lastAck: "LAST-ACK"
        case .finWait1: "FIN-WAIT-1"
        case .finWait2: "FIN-WAIT-2"
        case .closing: "CLOSING"
        case .timeWait: "TIME-WAIT"
        case .closed(let reason): "CLOSED(\(reason))"
        }
    }
}
