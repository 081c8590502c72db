/// Flow-control bookkeeping for one direction of one stream, as the wire protocol defines it
/// (docs/wire-protocol.md, "Flow control"). Pure: the I/O layer asks it before sending and
/// feeds it what arrives.

/// The sending half: how many bytes we have sent and how far the peer's credit reaches.
public struct SendCredit: Sendable, Equatable {
    /// Offset of the next byte we send (bytes sent so far).
    public private(set) var sent: UInt64 = 0
    /// The right edge of the peer's newest credit: we may send bytes below it.
    public private(set) var limit: UInt64
    /// The largest window taken from the peer: a larger one counts as this much, so a confused
    /// or hostile peer cannot make us queue more than we would ever be granted by a sane one.
    public let maximumWindow: UInt32

    /// Starts with the window the open carried (at most `maximumWindow`).
    public init(initialWindow: UInt32, maximumWindow: UInt32 = .max) {
        self.maximumWindow = maximumWindow
        limit = UInt64(min(initialWindow, maximumWindow))
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
        let edge = consumed + UInt64(min(window, maximumWindow))
        guard edge > limit else { return false }
        limit = edge
        return true
    }
}

/// The receiving half: which offset comes next, how much the app has consumed, and when to
/// grant more credit — with a window that grows while the sender keeps running into it.
///
/// A stream starts with a small window, so a thousand quiet connections hold little. Each grant
/// made while the reader keeps up (at most a quarter of the window waits unread: the window, not
/// the reader, sets the pace) doubles the window, up to `maximumWindow`, as far as the side's
/// ``CreditBudget`` allows; so a stream's window grows with what it moves, as TCP's does in slow
/// start, and a slow reader's does not grow. A window never shrinks, so a granted edge never
/// moves back.
public struct ReceiveCredit: Sendable, Equatable {
    /// Why received data was refused (the stream is then reset).
    public enum Violation: Error, Equatable, Sendable {
        /// The data does not start where the previous data ended.
        case wrongOffset(expected: UInt64, got: UInt64)
        /// The data goes past the credit we granted.
        case beyondCredit(limit: UInt64, end: UInt64)
    }

    /// The window we grant now (the most bytes we buffer undelivered).
    public private(set) var window: UInt32
    /// The largest the window may grow to.
    public let maximumWindow: UInt32
    /// Offset of the next byte we expect.
    public private(set) var received: UInt64 = 0
    /// Bytes delivered onward (to the socket or the app) so far.
    public private(set) var consumed: UInt64 = 0
    /// Window bytes beyond the first that were taken from the budget (to give back at the end).
    public private(set) var borrowed: Int = 0
    /// The `consumed` value of the last credit we granted.
    private var granted: UInt64 = 0

    /// A window of `window` bytes, growing up to `maximumWindow` (never, by default).
    public init(window: UInt32, maximumWindow: UInt32? = nil) {
        self.window = window
        self.maximumWindow = max(window, maximumWindow ?? window)
    }

    /// The right edge of the credit granted so far.
    public var limit: UInt64 { granted + UInt64(window) }

    /// Checks arriving data at `offset` with `count` bytes against order and credit.
    public mutating func receive(offset: UInt64, count: Int) throws(Violation) {
        guard offset == received else { throw .wrongOffset(expected: received, got: offset) }
        let end = offset + UInt64(count)
        guard end <= limit else { throw .beyondCredit(limit: limit, end: end) }
        received = end
    }

    /// Records `count` bytes delivered onward; gives the credit to send when at least half a
    /// window was freed since the last one (fewer, larger credit frames), else nil. When the
    /// reader keeps up, the window doubles first if `budget` lends the bytes.
    public mutating func consume(_ count: Int, budget: CreditBudget? = nil) -> (consumed: UInt64, window: UInt32)? {
        consumed += UInt64(count)
        guard consumed - granted >= UInt64(window / 2) else { return nil }
        if received - consumed <= UInt64(window / 4) && window < maximumWindow {
            let grown = UInt32(min(UInt64(maximumWindow), UInt64(window) * 2))
            let extra = Int(grown - window)
            if budget?.borrow(extra) ?? true {
                window = grown
                borrowed += extra
            }
        }
        granted = consumed
        return (consumed, window)
    }
}

/// The credit one side may have granted beyond its streams' first windows, across all its
/// streams: a window grows only while the total stays within ``limit``. Memory per side is
/// then at most (streams × first window) + ``limit``. Not thread-safe: one event loop owns it.
public final class CreditBudget {
    /// Bytes that may be lent at once.
    public let limit: Int
    /// Bytes lent now.
    public private(set) var lent = 0

    public init(limit: Int) {
        self.limit = limit
    }

    /// Lends `bytes` if they fit.
    public func borrow(_ bytes: Int) -> Bool {
        guard bytes <= limit - lent else { return false }
        lent += bytes
        return true
    }

    /// Takes back what a stream borrowed (its ``ReceiveCredit/borrowed``) once it ends.
    public func giveBack(_ bytes: Int) {
        lent = max(0, lent - bytes)
    }
}
