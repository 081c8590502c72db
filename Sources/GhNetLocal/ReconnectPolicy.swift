/// When the local side starts a new session by itself, and how long it waits first.
///
/// Only after a session was up: a first start that fails (bad host, refused login) ends gh-net
/// with its reason, as before. Once a session has served, a link that is lost or dead, or a
/// transport that cannot reach the remote for now (the network is down, the laptop woke from
/// sleep), is retried until it works or the user stops gh-net; the wait doubles from
/// ``firstDelay`` to at most ``longestDelay`` and starts over after a session that was up. A
/// failure that another try cannot fix (the remote refused this build, the agent cannot run
/// there, ssh is not installed) ends gh-net instead.
///
/// A new transport resumes the lost session when the agent still holds it (``LocalSession``,
/// docs/wire-protocol.md "Resume"); otherwise the session is a fresh one, set up anew.
public enum ReconnectPolicy {
    /// The wait before the first new attempt.
    public static let firstDelay: Duration = .seconds(1)
    /// The longest wait between attempts.
    public static let longestDelay: Duration = .seconds(30)

    /// The wait before attempt `attempt` (1 for the first after a session was up): 1 s, 2 s,
    /// 4 s, … at most ``longestDelay``.
    public static func delay(beforeAttempt attempt: Int) -> Duration {
        let doublings = min(max(attempt, 1) - 1, 16)
        return min(firstDelay * (1 << doublings), longestDelay)
    }

    /// True when a new attempt may succeed where this one failed.
    public static func mayRetry(after error: LocalSessionError) -> Bool {
        switch error {
        case .linkLost, .linkDead, .transportFailed, .protocolError: true
        case .cannotReadOwnExecutable, .cannotStartTransport, .remoteUnsuitable, .refused: false
        }
    }
}
