import NIOCore

extension Frame {
    /// True for the frames a resumed session must not lose: they change state the peer keeps
    /// (routes, DNS settings, streams). They are numbered in the order sent, kept by the sender
    /// until the peer reports them ``received(count:)``, and sent again after a resume
    /// (``FrameJournal``). Everything else may be lost with a transport: datagrams, DNS
    /// messages and echoes (the app above retries), keepalives, logs, statistics, the answer to
    /// a frame about an unknown stream, and the link's own frames (hello, refuse, goodbye,
    /// received).
    public var isSequenced: Bool {
        switch self {
        case .routes, .dnsConfig, .tcpOpen, .tcpOpenResult, .data, .windowCredit, .halfClose: true
        case .reset(_, let reason): reason != .unknownStream
        default: false
        }
    }
}

/// The sequenced frames (``Frame/isSequenced``) one side sent in a resumable session that the
/// peer has not yet reported received: what a resume sends again. Pure.
///
/// Frames are numbered from 0 in the order recorded. ``acknowledge(count:)`` forgets those the
/// peer has; ``frames(from:)`` gives those to send again from the peer's count on.
///
/// Bound: ``byteCount`` (payload bytes plus ``frameOverhead`` per frame) is what it holds;
/// ``isFull`` tells the session to stop taking new work from sockets until the peer's reports
/// free room. Frames are recorded even when full (a stream's credit already bounds them).
public struct FrameJournal: Sendable {
    /// Why a resume cannot continue from the peer's count.
    public enum ResumeError: Error, Equatable, Sendable, CustomStringConvertible {
        /// The peer reports more frames than were ever sent.
        case countAhead(reported: UInt64, sent: UInt64)
        /// The peer lacks frames already forgotten (it reported them received before).
        case countBehind(reported: UInt64, firstKept: UInt64)

        public var description: String {
            switch self {
            case .countAhead(let reported, let sent):
                "the peer reports \(reported) frames received, but only \(sent) were sent"
            case .countBehind(let reported, let firstKept):
                "the peer reports \(reported) frames received, but frames before \(firstKept) are gone"
            }
        }
    }

    /// The bytes a frame counts for besides its payload (its header, and its place in the queue).
    public static let frameOverhead = 48
    /// The default ``byteLimit``: 32 MiB.
    public static let defaultByteLimit = 32 << 20

    /// Sequenced frames recorded so far in the session: the next frame's number.
    public private(set) var sent: UInt64 = 0
    /// The number of the oldest frame kept (every frame before it was reported received).
    public private(set) var firstKept: UInt64 = 0
    /// What the kept frames count for (payload bytes plus ``frameOverhead`` each).
    public private(set) var byteCount = 0
    /// Above this ``byteCount`` the journal is ``isFull``.
    public let byteLimit: Int
    private var kept = CircularBuffer<Frame>()

    /// An empty journal that is full above `byteLimit` bytes.
    public init(byteLimit: Int = FrameJournal.defaultByteLimit) {
        self.byteLimit = byteLimit
    }

    /// True while more than ``byteLimit`` bytes are kept.
    public var isFull: Bool { byteCount > byteLimit }

    /// Number of frames kept.
    public var keptCount: Int { kept.count }

    /// Records a sequenced frame that was just sent (or is to be sent at the resume).
    public mutating func record(_ frame: Frame) {
        kept.append(frame)
        byteCount += Self.cost(of: frame)
        sent += 1
    }

    /// The peer reports `count` frames received: those are forgotten. A count below what was
    /// already forgotten changes nothing (an older report); one above ``sent`` is an error.
    public mutating func acknowledge(count: UInt64) throws(ResumeError) {
        guard count <= sent else { throw .countAhead(reported: count, sent: sent) }
        while firstKept < count, let frame = kept.popFirst() {
            byteCount -= Self.cost(of: frame)
            firstKept += 1
        }
    }

    /// The frames to send again when the peer has received `count`: from frame `count` on.
    public func frames(from count: UInt64) throws(ResumeError) -> [Frame] {
        guard count <= sent else { throw .countAhead(reported: count, sent: sent) }
        guard count >= firstKept else { throw .countBehind(reported: count, firstKept: firstKept) }
        return Array(kept.dropFirst(Int(count - firstKept)))
    }

    /// What `frame` counts for in ``byteCount``.
    static func cost(of frame: Frame) -> Int {
        if case .data(_, _, let payload) = frame { return payload.readableBytes + frameOverhead }
        return frameOverhead
    }
}

/// The receiving side of a resumable session: counts the peer's sequenced frames and says when
/// to report the count (``Frame/received(count:)``), so the peer's ``FrameJournal`` stays small.
/// Pure.
///
/// A report is due after ``reportEveryFrames`` frames or ``reportEveryBytes`` payload bytes
/// since the last one, and at the session's once-a-second tick while any frame is unreported.
public struct FrameReceipts: Sendable, Equatable {
    /// Frames since the last report that make a report due.
    public static let reportEveryFrames: UInt64 = 64
    /// Payload bytes since the last report that make a report due.
    public static let reportEveryBytes = 1 << 20

    /// Sequenced frames received so far in the session.
    public private(set) var received: UInt64 = 0
    /// The count last reported.
    public private(set) var reported: UInt64 = 0
    private var bytesSinceReport = 0

    public init() {}

    /// Counts `frame` if it is sequenced; returns the count to report when a report is due. A
    /// `data` frame may arrive in pieces (``FrameStreamDecoder``): it counts once, at the piece
    /// `endingItsFrame`.
    public mutating func count(_ frame: Frame, endingItsFrame: Bool = true) -> UInt64? {
        guard frame.isSequenced else { return nil }
        if case .data(_, _, let payload) = frame { bytesSinceReport += payload.readableBytes }
        guard endingItsFrame else { return nil }
        received += 1
        guard received - reported >= Self.reportEveryFrames || bytesSinceReport >= Self.reportEveryBytes else { return nil }
        return report()
    }

    /// The count to report at a tick, when frames arrived since the last report.
    public mutating func reportAtTick() -> UInt64? {
        received > reported ? report() : nil
    }

    /// The count to send after a resumed handshake (always, even when nothing is new).
    public mutating func report() -> UInt64 {
        reported = received
        bytesSinceReport = 0
        return received
    }
}

/// The `data` frame a transport ended in the middle of. A link hands a `data` frame out in
/// pieces as its bytes arrive (``FrameStreamDecoder``), but a resumed peer sends the whole frame
/// again (it was not counted received): the bytes already handed out must not be handed out
/// twice. Pure.
public struct DataFrameResumption: Sendable, Equatable {
    /// A stream and the offset after the last of its bytes handed out.
    private struct Position: Sendable, Equatable {
        var stream: StreamID
        var next: UInt64
    }

    /// The `data` frame whose pieces are arriving on the current link.
    private var open: Position?
    /// After a resume: the frame the previous link ended in, up to where it was handed out.
    private var skip: Position?

    public init() {}

    /// A frame the link hands out (`endingItsFrame`: ``FrameStreamDecoder/isInsideDataFrame``
    /// was false after it). Returns it, with the bytes already handed out before the resume cut
    /// off, or nil when nothing of it is new.
    public mutating func received(_ frame: Frame, endingItsFrame: Bool) -> Frame? {
        guard case .data(let stream, let offset, var payload) = frame else {
            if frame.isSequenced { skip = nil }
            return frame
        }
        let count = UInt64(payload.readableBytes)
        open = endingItsFrame ? nil : Position(stream: stream, next: offset &+ count)
        guard let skipping = skip else { return frame }
        if endingItsFrame { skip = nil }
        guard skipping.stream == stream, offset < skipping.next else { return frame }
        let seen = min(count, skipping.next - offset)
        guard seen < count else { return nil }
        payload.moveReaderIndex(forwardBy: Int(seen))
        return .data(stream: stream, offset: offset + seen, payload: payload)
    }

    /// A resumed handshake on a new link: the frame the old one ended in comes again. When the
    /// link before it ended too before that frame was whole again, the further point counts.
    public mutating func resumed() {
        if let open, !(skip.map { $0.stream == open.stream && $0.next >= open.next } ?? false) {
            skip = open
        }
        open = nil
    }

    /// A fresh session: nothing comes again.
    public mutating func reset() {
        skip = nil
        open = nil
    }
}
