/// Dead-link detection over the frame stream, as a pure machine driven by a clock: each side
/// sends a keepalive after `interval` of its own silence and declares the link dead after
/// `deadAfter` without hearing anything from the peer.
public struct LinkLiveness: Sendable {
    /// What to do at a tick.
    public enum Action: Equatable, Sendable {
        /// Nothing is due.
        case none
        /// Send a keepalive with this nonce.
        case sendKeepalive(nonce: UInt64)
        /// Nothing heard for this long: the link is dead.
        case dead(silentFor: Duration)
    }

    /// How long we may be silent before a keepalive is due.
    public let interval: Duration
    /// How long the peer may be silent before the link counts as dead.
    public let deadAfter: Duration
    private var lastHeard: ContinuousClock.Instant
    private var lastSent: ContinuousClock.Instant
    private var nextNonce: UInt64 = 1

    public init(now: ContinuousClock.Instant, interval: Duration = .seconds(15), deadAfter: Duration = .seconds(45)) {
        self.interval = interval
        self.deadAfter = deadAfter
        self.lastHeard = now
        self.lastSent = now
    }

    /// Any frame arrived from the peer.
    public mutating func heard(at now: ContinuousClock.Instant) { lastHeard = now }

    /// We sent a frame (so no keepalive is needed for a while).
    public mutating func sent(at now: ContinuousClock.Instant) { lastSent = now }

    /// Checks the clock.
    public mutating func tick(now: ContinuousClock.Instant) -> Action {
        if now - lastHeard >= deadAfter { return .dead(silentFor: now - lastHeard) }
        guard now - lastSent >= interval else { return .none }
        lastSent = now
        defer { nextNonce &+= 1 }
        return .sendKeepalive(nonce: nextNonce)
    }
}
