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
