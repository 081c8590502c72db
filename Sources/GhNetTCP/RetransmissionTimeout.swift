/// The retransmission timeout of RFC 6298: a smoothed round-trip time and its variation,
/// exponential backoff on expiry, clamped to the configured floor and ceiling. All values are
/// nanoseconds.
struct RetransmissionTimeout: Sendable {
    /// Clock granularity G of RFC 6298 §2 (the timestamps clock ticks in milliseconds).
    static let granularity = 1_000_000

    private let minimum: Int
    private let maximum: Int
    /// SRTT, once there is a sample.
    private(set) var smoothed: Int?
    /// RTTVAR.
    private(set) var variation = 0
    /// The timeout before backoff.
    private var base: Int
    /// Number of doublings since the last sample.
    private(set) var backoff = 0

    init(initial: Int, minimum: Int, maximum: Int) {
        self.minimum = minimum
        self.maximum = maximum
        self.base = initial
    }

    /// The timeout to arm now: the base doubled per backoff, at most the ceiling.
    var current: Int { backedOff(by: 0) }

    /// The timeout doubled `extra` more times than the current backoff, at most the ceiling
    /// (the persist timer's interval).
    func backedOff(by extra: Int) -> Int {
        let shift = backoff + extra
        return shift >= 32 || base > maximum >> shift ? maximum : base << shift
    }

    /// Folds in a round-trip measurement (RFC 6298 §2.2–2.4) and ends any backoff (§5.7).
    mutating func addSample(_ roundTrip: Int) {
        let sample = max(0, roundTrip)
        if let smoothed {
            variation = (3 * variation + abs(smoothed - sample)) / 4
            self.smoothed = (7 * smoothed + sample) / 8
        } else {
            smoothed = sample
            variation = sample / 2
        }
        base = min(maximum, max(minimum, smoothed! + max(Self.granularity, 4 * variation)))
        backoff = 0
    }

    /// Doubles the timeout after an expiry (RFC 6298 §5.5), until it reaches the ceiling.
    mutating func backOff() {
        if current < maximum { backoff += 1 }
    }
}
