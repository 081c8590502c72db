/// Flow-control bookkeeping for one direction of one stream, as the wire protocol defines it
/// (docs/wire-protocol.md, "Flow control"). Pure: the I/O layer asks it before sending and
/// feeds it what arrives.

/// The sending half: how many bytes we have sent and how far the peer's credit reaches.
public struct SendCredit: Sendable, Equatable {
    /// Offset of the next byte we send (bytes sent so far).
    public private(set) var sent: UInt64 = 0
    /// The right edge of the peer's newest credit: we may send bytes below it.
    public private(set) var limit: UInt64

    /// Starts with the window the open carried.
    public init(initialWindow: UInt32) {
        limit = UInt64(initialWindow)
    }

    /// How many more bytes may be sent now.
    public var available: Int { Int(clamping: limit - sent) }

    /// Records that `count` bytes (at most ``available``) were sent; gives their offset.
    public mutating func didSend(_ count: Int) -> UInt64 {
        precondition(count <= available, "sent past the peer's credit")
        defer { sent += UInt64(count) }
        return sent
    }

    /// A `windowCredit` arrived. A credit whose right edge moves backwards is ignored (the
    /// protocol never shrinks a window), and so is one that claims bytes we never sent (a
    /// confused or hostile peer); true when it opened more room.
    @discardableResult
    public mutating func credit(consumed: UInt64, window: UInt32) -> Bool {
        guard consumed <= sent else { return false }
        let edge = consumed + UInt64(window)
        guard edge > limit else { return false }
        limit = edge
        return true
    }
}

/// The receiving half: which offset comes next, how much the app has consumed, and when to
/// grant more credit.
public struct ReceiveCredit: Sendable, Equatable {
    /// Why received data was refused (the stream is then reset).
    public enum Violation: Error, Equatable, Sendable {
        /// The data does not start where the previous data ended.
        case wrongOffset(expected: UInt64, got: UInt64)
        /// The data goes past the credit we granted.
        case beyondCredit(limit: UInt64, end: UInt64)
    }

    /// The window we grant each time (the most bytes we buffer undelivered).
    public let window: UInt32
    /// Offset of the next byte we expect.
    public private(set) var received: UInt64 = 0
    /// Bytes delivered onward (to the socket or the app) so far.
    public private(set) var consumed: UInt64 = 0
    /// The `consumed` value of the last credit we granted.
    private var granted: UInt64 = 0

    public init(window: UInt32) {
        self.window = window
    }

    /// Checks arriving data at `offset` with `count` bytes against order and credit.
    public mutating func receive(offset: UInt64, count: Int) throws(Violation) {
        guard offset == received else { throw .wrongOffset(expected: received, got: offset) }
        let end = offset + UInt64(count)
        guard end <= granted + UInt64(window) else { throw .beyondCredit(limit: granted + UInt64(window), end: end) }
        received = end
    }

    /// Records `count` bytes delivered onward; gives the credit to send when at least half a
    /// window was freed since the last one (fewer, larger credit frames), else nil.
    public mutating func consume(_ count: Int) -> (consumed: UInt64, window: UInt32)? {
        consumed += UInt64(count)
        guard consumed - granted >= UInt64(window / 2) else { return nil }
        granted = consumed
        return (consumed, window)
    }
}
