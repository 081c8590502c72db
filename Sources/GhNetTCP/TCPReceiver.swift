/// The receive half of a connection: the app → server stream, the window advertised to the app,
/// out-of-order data, and when to acknowledge.
///
/// Offsets are in the app's unwrapped sequence space (its SYN at 0, the first data byte at 1).
/// In-order data is not buffered here: it goes straight to the bridge as a
/// ``TCPEvent/deliverFromSegment(_:)``. The window therefore follows the bridge's credit: the
/// right edge is never beyond `credit limit` (the stream offset the local side's reader allows),
/// nor more than ``maximumWindow`` past what has been delivered.
struct TCPReceiver: Sendable {
    /// The app's sequence space.
    let space: SequenceSpace
    /// Our window-scale shift (0 when the app did not offer scaling).
    let windowShift: Int
    /// Cap on the window, whatever the credit.
    let maximumWindow: Int
    /// Segment size used by receiver-side silly window avoidance.
    let segmentSize: Int

    /// RCV.NXT.
    private(set) var next = 1
    /// Data bytes delivered in order.
    var delivered: Int { next - 1 - (finReceived ? 1 : 0) }
    /// Offset of the app's FIN once a segment carried it.
    private(set) var finOffset: Int?
    /// The FIN has been reached in order (and reported).
    var finReceived: Bool { finOffset.map { next > $0 } ?? false }

    /// Stream offset up to which the bridge lets the app send.
    private(set) var creditLimit: Int
    /// The bridge's window size, for silly window avoidance.
    private var creditWindow: Int
    /// Right edge of the furthest window announced (offset); data is accepted up to it.
    private(set) var advertisedEdge = 1
    /// Right edge of the last window announced: silly window avoidance moves on from here.
    /// The SYN-ACK's window (unscaled, so often clipped) does not count, so that the first
    /// acknowledgment announces the whole scaled window.
    private var announcedEdge = 1

    /// Out-of-order data.
    private(set) var reassembly: ReassemblyQueue

    /// An acknowledgment must go out without delay.
    var acknowledgeNow = false
    /// When the delayed acknowledgment is due, if one is pending.
    private(set) var delayedAcknowledgmentDeadline: TCPInstant?
    /// In-order segments with data since the last acknowledgment.
    private var segmentsSinceAcknowledgment = 0
    /// Data bytes since the last acknowledgment.
    private var bytesSinceAcknowledgment = 0
    /// The window last announced, in bytes.
    private var lastAnnouncedWindow = 0
    /// Last.ACK.sent of RFC 7323: RCV.NXT as of the last acknowledgment.
    private(set) var lastAcknowledged = 1

    init(
        initialSequenceNumber: TCPSequenceNumber, windowShift: Int, configuration: TCPConfiguration,
        segmentSize: Int, initialCredit: Int
    ) {
        space = SequenceSpace(initial: initialSequenceNumber)
        self.windowShift = windowShift
        maximumWindow = configuration.maximumReceiveWindow
        self.segmentSize = segmentSize
        creditLimit = initialCredit
        creditWindow = initialCredit
        reassembly = ReassemblyQueue(
            maximumBytes: configuration.maximumOutOfOrderBytes, maximumRanges: configuration.maximumOutOfOrderSegments)
    }

    // MARK: Flow control

    /// The right edge the credit and the cap allow now.
    private var allowedEdge: Int { 1 + min(creditLimit, delivered + maximumWindow) }

    /// The smallest move of the right edge worth announcing (RFC 9293 §3.8.6.2.2).
    private var announceThreshold: Int { max(1, min(segmentSize, min(creditWindow, maximumWindow) / 2)) }

    /// Takes a credit from the bridge: every byte before `consumed` was read there and
    /// `window` more may follow. Returns true when the window opened enough to announce.
    mutating func creditReceived(consumed: Int, window: Int) -> Bool {
        creditLimit = max(creditLimit, min(consumed, delivered) + window)
        creditWindow = window
        return !finReceived && allowedEdge - announcedEdge >= announceThreshold
    }

    /// The window field of the SYN-ACK (never scaled).
    mutating func synAcknowledgmentWindow() -> UInt16 {
        let window = min(allowedEdge - next, Int(UInt16.max))
        advertisedEdge = next + window
        lastAnnouncedWindow = window
        return UInt16(window)
    }

    /// The window field for the next segment, honouring receiver silly window avoidance
    /// (RFC 9293 §3.8.6.2.2): the right edge moves only by at least ``announceThreshold``.
    /// Scaling rounds the window down, so the edge may seem to step back by less than one
    /// scale unit; data up to ``advertisedEdge`` is still accepted.
    mutating func windowField() -> UInt16 {
        var edge = allowedEdge
        if edge - announcedEdge < announceThreshold { edge = max(announcedEdge, next) }
        let field = min(max(0, edge - next) >> windowShift, Int(UInt16.max))
        lastAnnouncedWindow = field << windowShift
        announcedEdge = next + lastAnnouncedWindow
        advertisedEdge = max(advertisedEdge, announcedEdge)
        return UInt16(field)
    }

    /// An acknowledgment of everything up to ``next`` is going out.
    mutating func acknowledgmentSent() {
        acknowledgeNow = false
        delayedAcknowledgmentDeadline = nil
        segmentsSinceAcknowledgment = 0
        bytesSinceAcknowledgment = 0
        lastAcknowledged = next
    }

    /// The delayed-acknowledgment timer expired.
    mutating func delayedAcknowledgmentExpired() {
        delayedAcknowledgmentDeadline = nil
        acknowledgeNow = true
    }

    // MARK: Segments

    /// RFC 9293 §3.10.7.4's acceptability test, a little wider like Linux's: a segment is
    /// acceptable when it starts inside the window or at its right edge (so a bare ACK is
    /// accepted when the window is full or zero), or starts before ``next`` and carries
    /// something new.
    func accepts(start: Int, length: Int) -> Bool {
        (start >= next && start <= advertisedEdge) || (start < next && start + length > next)
    }

    /// Takes the payload and FIN of an acceptable segment whose first byte is at `start`:
    /// delivers what is in order, holds what is early, trims what lies past the window.
    mutating func receive(
        _ payload: UnsafeRawBufferPointer, at start: Int, fin: Bool, now: TCPInstant,
        delayedAcknowledgmentTimeout: Int, events: inout TCPEventQueue
    ) {
        guard !finReceived else { return }
        let payloadEnd = start + payload.count
        var end = min(payloadEnd, advertisedEdge)
        if let finOffset { end = min(end, finOffset) }
        if fin, finOffset == nil, payloadEnd == end {
            finOffset = payloadEnd
            // Bytes held from earlier segments that lie past the FIN are not part of the stream.
            reassembly.discard(from: payloadEnd - 1)
        }
        if end < payloadEnd { acknowledgeNow = true }
        let first = max(start, next)
        if first < end {
            if first == next {
                deliver(payload, from: first - start, to: end - start, now: now,
                        delayedAcknowledgmentTimeout: delayedAcknowledgmentTimeout, events: &events)
            } else {
                reassembly.insert(UnsafeRawBufferPointer(rebasing: payload[(first - start)..<(end - start)]), at: first - 1)
                acknowledgeNow = true
            }
        } else if !payload.isEmpty {
            acknowledgeNow = true
        }
        if let finOffset, next == finOffset {
            next += 1
            events.append(.peerHalfClosed)
            acknowledgeNow = true
        } else if fin {
            // A FIN beyond a gap: a duplicate ACK at once, as for early data (RFC 5681 §4.2),
            // so the app's kernel learns of the loss without waiting for its timer.
            acknowledgeNow = true
        }
    }

    /// Delivers `payload[from..<to]` (which starts at ``next``) and whatever held data it joins.
    private mutating func deliver(
        _ payload: UnsafeRawBufferPointer, from: Int, to: Int, now: TCPInstant,
        delayedAcknowledgmentTimeout: Int, events: inout TCPEventQueue
    ) {
        events.append(.deliverFromSegment(from..<to))
        next += to - from
        bytesSinceAcknowledgment += to - from
        if !reassembly.isEmpty {
            while let held = reassembly.popContiguous(at: next - 1) {
                events.append(.deliverReassembled(held))
                next += held.count
                bytesSinceAcknowledgment += held.count
            }
            acknowledgeNow = true
        }
        segmentsSinceAcknowledgment += 1
        if segmentsSinceAcknowledgment >= 2 || 2 * bytesSinceAcknowledgment >= lastAnnouncedWindow {
            acknowledgeNow = true
        } else if delayedAcknowledgmentDeadline == nil {
            delayedAcknowledgmentDeadline = now.advanced(by: delayedAcknowledgmentTimeout)
        }
    }

    /// Drops held data and pending acknowledgments (the connection closed).
    mutating func clear() {
        reassembly.removeAll()
        acknowledgeNow = false
        delayedAcknowledgmentDeadline = nil
    }
}
