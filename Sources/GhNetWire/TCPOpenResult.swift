/// How the local side's `connect()` for a ``Frame/tcpOpen(stream:source:destination:window:)``
/// ended; the agent answers the held SYN accordingly.
public enum TCPOpenResult: Hashable, Sendable {
    /// Connected. `local` is the laptop's own endpoint for the connection; `window` is the
    /// initial credit the local side grants for agent→local data on this stream.
    case connected(local: Endpoint, window: UInt32)
    /// The destination refused (`ECONNREFUSED`): the agent answers with RST.
    case refused
    /// No route to the network (`ENETUNREACH`): ICMP network unreachable.
    case networkUnreachable
    /// No route to the host (`EHOSTUNREACH`): ICMP host unreachable.
    case hostUnreachable
    /// The local side's policy forbids this destination: ICMP administratively prohibited.
    case adminProhibited
    /// The connect timed out: the agent stays silent and lets the app's SYN time out.
    case timedOut
    /// Any other failure, with the local `errno`: the agent answers with RST.
    case otherError(errno: Int32)
}

/// Why a stream was reset by ``Frame/reset(stream:reason:)``.
public enum ResetReason: UInt8, CaseIterable, Hashable, Sendable {
    /// The other end refused the stream.
    case refused = 0
    /// The application or socket on the sender's side aborted the connection (RST, error).
    case aborted = 1
    /// The sender gave up on an idle or unresponsive stream.
    case timedOut = 2
    /// The sender's policy forbids this stream.
    case policy = 3
    /// The sender has no stream with this identifier (a frame for it arrived anyway).
    case unknownStream = 4
    /// The peer sent more than its credit, or data past its half-close.
    case flowControlViolation = 5
    /// The sender ran out of a bounded resource (streams, sockets, memory budget).
    case resourceLimit = 6
    /// The sender is shutting down.
    case shuttingDown = 7
}
