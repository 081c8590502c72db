/// The congestion window of RFC 5681 — slow start, congestion avoidance, fast retransmit and
/// fast recovery — with NewReno's partial-acknowledgment rule (RFC 6582), in bytes.
///
/// The "network" is the local kernel, which drops only when its backlog overflows, so this is
/// the plain textbook algorithm: it matters only under loss (and in the simulation).
struct CongestionControl: Sendable {
    /// The window never grows past this, so that long app-limited stretches cannot overflow it.
    static let ceiling = 1 << 30

    /// Sender maximum segment size (SMSS).
    let segmentSize: Int
    /// cwnd.
    private(set) var window: Int
    /// ssthresh.
    private(set) var threshold = CongestionControl.ceiling
    /// Duplicate acknowledgments in a row.
    private(set) var duplicateCount = 0
    /// While in fast recovery: the highest sequence offset sent when it began (RFC 6582 "recover").
    private(set) var recoveryPoint: Int?
    /// The `recover` of RFC 6582 §3.2 step 1: no new fast retransmit until SND.UNA passes it.
    private var recover = 0

    /// The initial window of RFC 5681 §3.1: two to four segments, by SMSS.
    init(segmentSize: Int) {
        self.segmentSize = segmentSize
        window = segmentSize > 2190 ? 2 * segmentSize : segmentSize > 1095 ? 3 * segmentSize : 4 * segmentSize
    }

    /// A cumulative acknowledgment of `acknowledged` new data bytes up to `acknowledgment`. Returns
    /// true when it is a partial acknowledgment in fast recovery, whose next hole must be
    /// retransmitted at once.
    mutating func acknowledged(_ acknowledged: Int, upTo acknowledgment: Int) -> Bool {
        duplicateCount = 0
        if let point = recoveryPoint {
            if acknowledgment >= point {
                window = threshold
                recoveryPoint = nil
                return false
            }
            window = max(segmentSize, window - acknowledged + segmentSize)
            return true
        }
        if window < threshold {
            window += min(acknowledged, 2 * segmentSize)
        } else {
            window += max(1, segmentSize * segmentSize / window)
        }
        window = min(window, Self.ceiling)
        return false
    }

    /// A duplicate acknowledgment while `flight` bytes are outstanding up to `highestSent` and
    /// nothing past `unacknowledged` is acknowledged. Returns true on the third, when the first
    /// unacknowledged segment must be retransmitted.
    mutating func duplicateAcknowledged(flight: Int, unacknowledged: Int, highestSent: Int) -> Bool {
        duplicateCount += 1
        if recoveryPoint != nil {
            window = min(window + segmentSize, Self.ceiling)
            return false
        }
        guard duplicateCount == 3, unacknowledged > recover else { return false }
        threshold = max(flight / 2, 2 * segmentSize)
        window = threshold + 3 * segmentSize
        recoveryPoint = highestSent
        recover = highestSent
        return true
    }

    /// The retransmission timer expired with `flight` bytes outstanding up to `highestSent`
    /// (RFC 5681 §3.1 equation 4; the loss window is one segment).
    mutating func timedOut(flight: Int, highestSent: Int) {
        threshold = max(flight / 2, 2 * segmentSize)
        window = segmentSize
        duplicateCount = 0
        recoveryPoint = nil
        recover = highestSent
    }
}
