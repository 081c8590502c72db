/// A point on the caller's monotonic clock, in nanoseconds since an origin of its choosing.
///
/// The state machine never reads a clock: every input that depends on time carries an instant,
/// so a simulation can drive it with a virtual clock.
public struct TCPInstant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the caller's origin.
    public var nanoseconds: UInt64

    /// An instant `nanoseconds` after the caller's origin.
    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    public static func < (lhs: TCPInstant, rhs: TCPInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// The instant `duration` later (negative durations count as zero).
    public static func + (lhs: TCPInstant, duration: Duration) -> TCPInstant {
        lhs.advanced(by: duration.nanosecondCount)
    }

    /// The time from `rhs` to `lhs`.
    public static func - (lhs: TCPInstant, rhs: TCPInstant) -> Duration {
        .nanoseconds(Int64(bitPattern: lhs.nanoseconds &- rhs.nanoseconds))
    }

    public var description: String { "\(Double(nanoseconds) / 1e9)s" }

    /// The instant `nanoseconds` later, saturating.
    func advanced(by nanoseconds: Int) -> TCPInstant {
        let (sum, overflow) = self.nanoseconds.addingReportingOverflow(UInt64(max(0, nanoseconds)))
        return TCPInstant(nanoseconds: overflow ? .max : sum)
    }

    /// Whole milliseconds since the origin: the clock the timestamps option runs on.
    var milliseconds: UInt64 { nanoseconds / 1_000_000 }
}

extension Duration {
    /// The duration in whole nanoseconds: 0 when negative, `Int.max` when longer than that.
    var nanosecondCount: Int {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .max }
        return Int(whole) + Int(attoseconds / 1_000_000_000)
    }
}
