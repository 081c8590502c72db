/// The reconnect decisions over one run of the local side, as a pure state machine: after each
/// failed attempt, try again (which attempt, after how long) or give up (``ReconnectPolicy``).
public struct ReconnectSchedule: Sendable {
    /// What to do after a failed attempt.
    public enum Decision: Equatable, Sendable {
        /// End gh-net with the attempt's error.
        case giveUp
        /// Wait `delay`, then make attempt `attempt` (1 for the first since the last session
        /// that was up).
        case retry(attempt: Int, delay: Duration)
    }

    /// `--reconnect`: whether lost sessions are started again at all.
    public let enabled: Bool
    /// A session of this run has been up: from then on failures may be retried, and ssh must
    /// not prompt (``TransportTarget/unattendedOptions``).
    public private(set) var wasUp = false
    /// Failed attempts since the last session that was up.
    public private(set) var failedAttempts = 0

    public init(enabled: Bool) {
        self.enabled = enabled
    }

    /// An attempt ended with `error`; `served` when its session had been up before it failed.
    public mutating func attemptFailed(with error: LocalSessionError, served: Bool) -> Decision {
        if served { (wasUp, failedAttempts) = (true, 0) }
        guard enabled, wasUp, ReconnectPolicy.mayRetry(after: error) else { return .giveUp }
        failedAttempts += 1
        return .retry(attempt: failedAttempts, delay: ReconnectPolicy.delay(beforeAttempt: failedAttempts))
    }
}
