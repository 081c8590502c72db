import GhNetPackets

/// The timestamps option of RFC 7323, once the app's SYN offered it: our clock for TSval, the
/// TS.Recent to echo, PAWS (§5) and round-trip samples (§4).
struct TimestampState: Sendable {
    /// PAWS forgets TS.Recent after this long idle (RFC 7323 §5.5: 24 days).
    static let recentLifetime = 24 * 24 * 3600 * 1_000_000_000
    /// Round trips longer than this from an echoed timestamp are taken as garbage.
    static let longestSample: UInt32 = 600_000

    /// Random per-connection offset added to the millisecond clock (RFC 7323 §7.1).
    let offset: UInt32
    /// TS.Recent: the TSval to echo.
    private(set) var recent: UInt32
    /// When ``recent`` was last updated.
    private var recentTime: TCPInstant

    init(offset: UInt32, recent: UInt32, now: TCPInstant) {
        self.offset = offset
        self.recent = recent
        self.recentTime = now
    }

    /// Our TSval at `now`.
    func value(at now: TCPInstant) -> UInt32 {
        UInt32(truncatingIfNeeded: now.milliseconds) &+ offset
    }

    /// The option for a segment sent at `now`.
    func option(at now: TCPInstant) -> TCPTimestamps {
        TCPTimestamps(value: value(at: now), echoReply: recent)
    }

    /// PAWS: the segment's TSval is older than TS.Recent, and TS.Recent is not too old to trust.
    func rejects(_ timestamps: TCPTimestamps, now: TCPInstant) -> Bool {
        Int32(bitPattern: timestamps.value &- recent) < 0
            && Int(clamping: now.nanoseconds &- recentTime.nanoseconds) < Self.recentLifetime
    }

    /// Records the segment's TSval as TS.Recent when it is not older (RFC 7323 §4.3; the caller
    /// checks that the segment starts at or before the last acknowledgment sent).
    mutating func update(with timestamps: TCPTimestamps, now: TCPInstant) {
        guard Int32(bitPattern: timestamps.value &- recent) >= 0 else { return }
        recent = timestamps.value
        recentTime = now
    }

    /// The round trip, in nanoseconds, an acknowledgment echoing `echoReply` measures.
    func roundTrip(echoReply: UInt32, now: TCPInstant) -> Int? {
        let elapsed = value(at: now) &- echoReply
        guard echoReply != 0, elapsed <= Self.longestSample else { return nil }
        return Int(elapsed) * 1_000_000
    }
}
