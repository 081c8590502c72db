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
