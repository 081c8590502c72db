/// A 128-bit random identifier for one bridging session, carried in ``Hello`` so that a new
/// transport can resume the streams of a dropped one (see `docs/wire-protocol.md`, "Resume").
///
/// The local side draws a fresh random identifier for every fresh session and keeps it across
/// the reconnects that resume it; the agent reports the identifier of the session it still
/// holds, or ``none``.
/// Because it is unguessable, it also keeps a stray connection from adopting someone else's
/// streams.
public struct SessionID: Hashable, Sendable, CustomStringConvertible {
    /// The first 8 bytes, big-endian.
    public var high: UInt64
    /// The last 8 bytes, big-endian.
    public var low: UInt64

    /// An identifier from its two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The all-zero identifier: "no session".
    public static let none = SessionID(high: 0, low: 0)

    /// A fresh identifier from `generator` (never ``none``).
    public static func random(using generator: inout some RandomNumberGenerator) -> SessionID {
        while true {
            let id = SessionID(high: generator.next(), low: generator.next())
            if id != .none { return id }
        }
    }

    /// A fresh identifier from the system's cryptographically secure generator.
    public static func random() -> SessionID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// 32 lowercase hex digits.
    public var description: String {
        func hex(_ word: UInt64) -> String {
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return hex(high) + hex(low)
    }
}
