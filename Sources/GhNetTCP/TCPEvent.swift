import GhNetPackets

/// Something the I/O layer must carry out on the bridge side (or answer with an ICMP error).
/// Read them with ``TCPConnection/nextEvent()`` after every input, before the next segment.
public enum TCPEvent: Hashable, Sendable {
    /// A valid SYN arrived: ask the local side to connect to the flow's server (a `tcpOpen`
    /// frame), granting at most `window` bytes of credit for server → app data (the send
    /// buffer's size).
    /// The SYN stays held until ``TCPConnection/openSucceeded(initialWindow:)`` or
    /// ``TCPConnection/openFailed(_:)``.
    case openRequested(TCPFlowKey, window: UInt32)
    /// In-order bytes for the far server: this range of the `payload` just passed to
    /// ``TCPConnection/segmentReceived(_:payload:now:)``. No copy is made; use the range before
    /// the buffer is reused.
    case deliverFromSegment(Range<Int>)
    /// In-order bytes for the far server that had arrived out of order and were held.
    case deliverReassembled(ArraySlice<UInt8>)
    /// The app sent FIN after every delivered byte: shut the far server's socket for writing.
    case peerHalfClosed
    /// The app acknowledged server bytes; every byte before `acknowledged` (counted from the
    /// start of the server → app stream) has left the send buffer: the local side may get more
    /// credit (a `windowCredit` frame), at most up to `acknowledged + sendBufferCapacity`.
    /// Reported in steps of a quarter of the buffer, or 16 KiB if smaller.
    case sendSpaceReleased(acknowledged: UInt64)
    /// The connect failed as unreachable: send the app this ICMP destination-unreachable,
    /// quoting its SYN rebuilt from `quoting` (the app's kernel matches the quoted ports and
    /// sequence number to its socket).
    case unreachable(UnreachableReason, quoting: TCPSegmentHeader)
    /// The connection is over. Drain the remaining segments (a final RST may be waiting), then
    /// forget the connection; reset the wire stream unless the reason is a clean close.
    case closed(TCPCloseReason)
}

/// Why a connection ended.
public enum TCPCloseReason: Hashable, Sendable, CustomStringConvertible {
    /// Both sides closed and every byte and FIN was acknowledged.
    case completed
    /// The app reset the connection (an acceptable RST arrived).
    case resetByApp
    /// ``TCPConnection/abort()`` was called (the far side reset or the session ended); an RST
    /// went to the app.
    case aborted
    /// The app stopped acknowledging: the retransmission timer expired
    /// ``TCPConfiguration/maximumRetransmissions`` times in a row; an RST went to the app.
    case retransmissionsExhausted
    /// The held SYN's connect failed; the app got the matching answer (or none, for a timeout).
    case openFailed(TCPOpenFailure)
    /// A new SYN for the same flow arrived in TIME-WAIT: forget this connection and hand the
    /// same segment to a new one.
    case reopened

    public var description: String {
        switch self {
        case .completed: "completed"
        case .resetByApp: "reset by app"
        case .aborted: "aborted"
        case .retransmissionsExhausted: "retransmissions exhausted"
        case .openFailed(let failure): "open failed: \(failure)"
        case .reopened: "reopened"
        }
    }
}

/// How the local side's connect for a held SYN failed, and so what the app sees.
public enum TCPOpenFailure: Hashable, Sendable {
    /// Refused (or any error the app should see at once): the app gets RST, "Connection refused".
    case refused
    /// Unreachable for this reason: the app gets the ICMP error (``TCPEvent/unreachable(_:quoting:)``).
    case unreachable(UnreachableReason)
    /// No answer: the app gets nothing and its own connect timeout applies.
    case timedOut
}
