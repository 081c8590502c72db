import NIOCore

/// The send half of a connection: the server → app stream in the send buffer, what the app has
/// acknowledged, its window, and the retransmission, persist and congestion state.
///
/// Offsets are in our unwrapped sequence space: the SYN-ACK's SYN at 0, the first data byte at
/// 1, our FIN (once queued) right after the last data byte.
struct TCPSender: Sendable {
    /// Our sequence space (the ISN at offset 0).
    let space: SequenceSpace
    /// Largest payload per segment (effective send MSS, options already subtracted).
    let segmentSize: Int
    /// The app's window-scale shift.
    let windowShift: Int
    /// Time one segment per round trip for samples (when the timestamps option is off).
    let timesSegments: Bool

    /// Unacknowledged and unsent bytes.
    private(set) var buffer: SendQueue
    /// Data bytes acknowledged and dropped from the buffer.
    private(set) var released = 0
    /// The far server closed: a FIN follows the last byte.
    private(set) var finQueued = false

    /// SND.UNA.
    private(set) var unacknowledged = 0
    /// SND.NXT: where the next transmission starts (moves back after a timeout: go-back-N).
    private(set) var next = 0
    /// The highest offset ever sent (SND.MAX).
    private(set) var highestSent = 0

    /// SND.WND, scaled.
    private(set) var window = 0
    /// The largest window the app ever offered (MAX.SND.WND).
    private(set) var largestWindow = 0
    /// SND.WL1: the app's sequence offset of the segment that last updated the window.
    private var windowUpdateSequence = 0
    /// SND.WL2: the acknowledgment that last updated the window.
    private var windowUpdateAcknowledgment = 0

    /// cwnd and friends.
    private(set) var congestion: CongestionControl
    /// RTO.
    private(set) var timeout: RetransmissionTimeout
    /// When the retransmission timer expires, while it runs.
    private(set) var retransmissionDeadline: TCPInstant?
    /// Expiries since the last progress.
    private(set) var retransmissionCount = 0
    /// The segment being timed for a round-trip sample: its end offset and when it left.
    private var timedSegment: (end: Int, sentAt: TCPInstant)?
    /// Fast retransmit (or a NewReno partial acknowledgment) wants the first unacknowledged
    /// segment sent again.
    private(set) var retransmitFirstDue = false

    /// When the persist timer expires, while it runs.
    private(set) var persistDeadline: TCPInstant?
    /// Persist expiries since the window last opened.
    private var persistBackoff = 0
    /// Window probes sent since the app last acknowledged anything (even with a zero window):
    /// a closed window may last as long as the app answers, but not once it has gone silent.
    private(set) var unansweredProbes = 0
    /// The persist timer expired: probe the window, or send what fits despite silly window
    /// avoidance.
    private(set) var persistDue = false

    /// Acknowledged byte count last reported as ``TCPEvent/sendSpaceReleased(acknowledged:)``.
    private var reportedRelease = 0

    init(
        initialSequenceNumber: TCPSequenceNumber, segmentSize: Int, windowShift: Int, timesSegments: Bool,
        configuration: TCPConfiguration
    ) {
        space = SequenceSpace(initial: initialSequenceNumber)
        self.segmentSize = segmentSize
        self.windowShift = windowShift
        self.timesSegments = timesSegments
        buffer = SendQueue(limit: configuration.sendBufferCapacity)
        congestion = CongestionControl(segmentSize: segmentSize)
        timeout = RetransmissionTimeout(
            initial: configuration.initialRetransmissionTimeout.nanosecondCount,
            minimum: configuration.minimumRetransmissionTimeout.nanosecondCount,
            maximum: configuration.maximumRetransmissionTimeout.nanosecondCount)
    }

    /// Data bytes ever accepted from the far server.
    var written: Int { released + buffer.count }
    /// Offset just past the last data byte (where the FIN goes).
    var dataEnd: Int { 1 + written }
    /// Offset just past everything to send, FIN included.
    var end: Int { dataEnd + (finQueued ? 1 : 0) }
    /// Our FIN is sent and acknowledged.
    var finAcknowledged: Bool { finQueued && unacknowledged == end }

    // MARK: The stream

    /// Appends bytes from the far server, as many as fit (kept, not copied); returns how many.
    mutating func append(_ bytes: ByteBuffer) -> Int {
        finQueued ? 0 : buffer.append(bytes)
    }

    /// The far server closed: queue a FIN after the last byte.
    mutating func queueFin() {
        finQueued = true
    }

    /// The payload length and FIN of a segment starting at `start`, at most `limit` bytes and
    /// never across two of the buffers the bytes came in.
    private func shape(at start: Int, limit: Int) -> (length: Int, fin: Bool) {
        guard start < dataEnd else { return (0, finQueued && start == dataEnd) }
        let length = min(limit, dataEnd - start, buffer.contiguousCount(from: start - 1 - released))
        return (length, finQueued && start + length == dataEnd)
    }

    /// Calls `body` with the buffered bytes at stream offsets `offset ..< offset + count`.
    func withBytes<Result, Failure: Error>(
        atStreamOffset offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        guard count > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        precondition(offset >= released, "segment payload already acknowledged and released")
        return try buffer.withBytes(from: offset - released, count: count, body)
    }

    // MARK: Transmission

    /// What to transmit next, if anything: the first unacknowledged segment again when fast
    /// retransmit asks for it (within the app's window), else new data (or the FIN) within the
    /// app's window and cwnd.
    /// Silly window avoidance (RFC 9293 §3.8.6.2.1) holds back a segment cut short by the
    /// window unless it is at least half the largest window seen or the persist timer expired.
    mutating func nextTransmission() -> (start: Int, length: Int, fin: Bool)? {
        if retransmitFirstDue {
            retransmitFirstDue = false
            if unacknowledged < highestSent, window > 0 {
                let shape = shape(at: unacknowledged, limit: min(segmentSize, window))
                return (unacknowledged, shape.length, shape.fin)
            }
        }
        guard next < end else { return nil }
        var (length, fin) = shape(at: next, limit: segmentSize)
        let room = min(unacknowledged + window, unacknowledged + congestion.window) - next
        if length > room {
            guard room > 0, persistDue || 2 * room >= largestWindow else { return nil }
            persistDue = false
            (length, fin) = (room, false)
        } else if fin, length >= room {
            // The FIN takes a sequence number, so it needs a byte of window too (as Linux's
            // tcp_snd_wnd_test has it): a receiver may drop a FIN beyond its window, and each
            // drop would count as a failed retransmission. The data goes; the FIN waits for the
            // window (the persist timer probes it).
            guard length > 0 else { return nil }
            fin = false
        }
        return (next, length, fin)
    }

    /// A segment covering `start ..< start + length` (plus the FIN, or the SYN at offset 0) left.
    mutating func transmitted(from start: Int, length: Int, fin: Bool, now: TCPInstant) {
        let end = start + length + (fin || start == 0 ? 1 : 0)
        if start < highestSent {
            timedSegment = nil
        } else if timesSegments, timedSegment == nil {
            timedSegment = (end, now)
        }
        next = max(next, end)
        highestSent = max(highestSent, end)
        if retransmissionDeadline == nil { retransmissionDeadline = now.advanced(by: timeout.current) }
        persistDeadline = nil
        persistDue = false
    }

    /// The app sent its SYN again: the SYN-ACK must go again.
    mutating func resendSynAcknowledgment() {
        next = 0
    }

    /// A window probe left (a bare segment just below SND.UNA, which the app must answer).
    mutating func probed() {
        persistDue = false
        unansweredProbes += 1
    }

    // MARK: Acknowledgments

    /// What an acknowledgment turned out to be.
    enum AcknowledgmentOutcome {
        /// Within RFC 5961 §5.2's bounds: processed.
        case accepted
        /// It acknowledges something never sent: answer with an ACK and drop the segment.
        case acknowledgesUnsent
        /// It is older than the largest window: answer with a challenge ACK and drop the segment.
        case tooOld
    }

    /// Processes the acknowledgment and window of an acceptable segment (RFC 9293 §3.10.7.4,
    /// "ACK bit on") whose first sequence offset, in the app's space, is `segmentStart`.
    /// `bare` says it carries no data, SYN or FIN (so it can count as a duplicate ACK);
    /// `timestampRoundTrip` is the sample its echoed timestamp gives, if any.
    mutating func acknowledge(
        _ number: TCPSequenceNumber, windowField: UInt16, segmentStart: Int, bare: Bool,
        timestampRoundTrip: Int?, now: TCPInstant
    ) -> AcknowledgmentOutcome {
        let acknowledgment = space.offset(of: number, near: unacknowledged)
        if acknowledgment > highestSent { return .acknowledgesUnsent }
        if acknowledgment < unacknowledged - largestWindow { return .tooOld }
        // The app answers (a probe's answer acknowledges SND.UNA - 1 + 1, i.e. SND.UNA).
        unansweredProbes = 0
        guard acknowledgment >= unacknowledged else { return .accepted }
        let offered = Int(windowField) << windowShift
        let windowChanged = offered != window
        // RFC 9293's SND.WL1/SND.WL2 rule, plus Linux's: an acknowledgment of new data always
        // carries the current window. Without that, a retransmitted segment (numbered below
        // the app's bare ACKs) would move SND.UNA but not the window, and SND.UNA + SND.WND
        // would pass the edge the app offered.
        if acknowledgment > unacknowledged || windowUpdateSequence < segmentStart
            || (windowUpdateSequence == segmentStart && windowUpdateAcknowledgment <= acknowledgment) {
            window = offered
            largestWindow = max(largestWindow, offered)
            windowUpdateSequence = segmentStart
            windowUpdateAcknowledgment = acknowledgment
            if offered > 0 { persistBackoff = 0 }
        }
        if acknowledgment > unacknowledged {
            advance(to: acknowledgment, timestampRoundTrip: timestampRoundTrip, now: now)
        } else if bare, !windowChanged, highestSent > unacknowledged,
                  congestion.duplicateAcknowledged(
                    flight: highestSent - unacknowledged, unacknowledged: unacknowledged, highestSent: highestSent) {
            retransmitFirstDue = true
        }
        return .accepted
    }

    /// SND.UNA moves to `acknowledgment`: free the buffer, take a round-trip sample, grow cwnd,
    /// restart or stop the retransmission timer (RFC 6298 §5.2–5.3).
    private mutating func advance(to acknowledgment: Int, timestampRoundTrip: Int?, now: TCPInstant) {
        unacknowledged = acknowledgment
        next = max(next, acknowledgment)
        let releasable = min(acknowledgment - 1, written)
        let acknowledged = releasable - released
        buffer.removeFirst(acknowledged)
        released = releasable
        if let timestampRoundTrip {
            timeout.addSample(timestampRoundTrip)
        } else if let timed = timedSegment, acknowledgment >= timed.end {
            timeout.addSample(Int(now.nanoseconds - timed.sentAt.nanoseconds))
            timedSegment = nil
        }
        retransmissionCount = 0
        if congestion.acknowledged(acknowledged, upTo: acknowledgment) { retransmitFirstDue = true }
        retransmissionDeadline = unacknowledged < next ? now.advanced(by: timeout.current) : nil
    }

    /// The acknowledged byte count to report as released send space, when it has grown by at
    /// least `step` since the last report.
    mutating func releaseToReport(step: Int) -> Int? {
        guard released - reportedRelease >= step else { return nil }
        reportedRelease = released
        return released
    }

    // MARK: Timers

    /// The retransmission timer expired: back off, collapse cwnd and go back to SND.UNA
    /// (RFC 6298 §5.4–5.6, RFC 5681 §3.1). Returns false once `limit` expiries in a row
    /// have passed without progress: the connection must be given up.
    mutating func retransmissionTimerExpired(limit: Int) -> Bool {
        retransmissionDeadline = nil
        retransmissionCount += 1
        guard retransmissionCount <= limit else { return false }
        timeout.backOff()
        congestion.timedOut(flight: highestSent - unacknowledged, highestSent: highestSent)
        next = unacknowledged
        timedSegment = nil
        retransmitFirstDue = false
        return true
    }

    /// Runs the persist timer while data or the FIN waits for the window with nothing in flight
    /// (so no acknowledgment will come by itself), and stops it otherwise.
    mutating func updatePersistTimer(now: TCPInstant) {
        // `end`, not `dataEnd`: a FIN waiting for the window needs the probes too.
        if next < end, unacknowledged == next, retransmissionDeadline == nil {
            if persistDeadline == nil, !persistDue {
                persistDeadline = now.advanced(by: timeout.backedOff(by: persistBackoff))
            }
        } else {
            persistDeadline = nil
        }
    }

    /// The persist timer expired: the next transmission probes (RFC 9293 §3.8.6.1).
    mutating func persistTimerExpired() {
        persistDeadline = nil
        persistDue = true
        if timeout.backedOff(by: persistBackoff) < timeout.backedOff(by: persistBackoff + 1) { persistBackoff += 1 }
    }

    /// Drops the buffer and stops the timers (the connection closed).
    mutating func clear() {
        buffer.removeFirst(buffer.count)
        retransmissionDeadline = nil
        persistDeadline = nil
        persistDue = false
        retransmitFirstDue = false
    }
}
