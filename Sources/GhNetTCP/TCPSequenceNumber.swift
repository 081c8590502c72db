/// A TCP sequence or acknowledgment number (RFC 9293 §3.4): 32 bits that wrap around.
///
/// Comparisons are modular: `a < b` when `b` lies less than 2^31 ahead of `a`. They stay right
/// across the 2^32 boundary as long as the numbers compared are within 2^31 of each other,
/// which TCP's windows guarantee. The type is deliberately not `Comparable`: the order is not
/// total (it is not even transitive over the whole circle), so sorting by it means nothing.
public struct TCPSequenceNumber: Hashable, Sendable, CustomStringConvertible {
    /// The number as it appears in a header.
    public var rawValue: UInt32

    /// Wraps a header field.
    public init(_ rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// The number `count` places further on, wrapping at 2^32.
    public static func + (lhs: TCPSequenceNumber, count: Int) -> TCPSequenceNumber {
        TCPSequenceNumber(lhs.rawValue &+ UInt32(truncatingIfNeeded: count))
    }

    /// The number `count` places earlier, wrapping at 0.
    public static func - (lhs: TCPSequenceNumber, count: Int) -> TCPSequenceNumber {
        TCPSequenceNumber(lhs.rawValue &- UInt32(truncatingIfNeeded: count))
    }

    /// The signed distance from `rhs` to `lhs`, in -2^31 ..< 2^31.
    public static func - (lhs: TCPSequenceNumber, rhs: TCPSequenceNumber) -> Int {
        Int(Int32(bitPattern: lhs.rawValue &- rhs.rawValue))
    }

    /// `lhs` comes before `rhs` (modulo 2^32).
    public static func < (lhs: TCPSequenceNumber, rhs: TCPSequenceNumber) -> Bool { lhs - rhs < 0 }
    /// `lhs` comes before or is `rhs` (modulo 2^32).
    public static func <= (lhs: TCPSequenceNumber, rhs: TCPSequenceNumber) -> Bool { lhs - rhs <= 0 }
    /// `lhs` comes after `rhs` (modulo 2^32).
    public static func > (lhs: TCPSequenceNumber, rhs: TCPSequenceNumber) -> Bool { lhs - rhs > 0 }
    /// `lhs` comes after or is `rhs` (modulo 2^32).
    public static func >= (lhs: TCPSequenceNumber, rhs: TCPSequenceNumber) -> Bool { lhs - rhs >= 0 }

    public var description: String { String(rawValue) }
}

/// One direction's sequence space, unwrapped: the initial sequence number (the SYN) is offset 0,
/// the first data byte offset 1, and offsets grow without wrapping. Every comparison inside the
/// state machine is on these 64-bit offsets; only headers carry the 32-bit numbers.
struct SequenceSpace: Hashable, Sendable {
    /// The initial sequence number: the SYN's own number.
    let initial: TCPSequenceNumber

    /// The 32-bit number of `offset`.
    func number(at offset: Int) -> TCPSequenceNumber { initial + offset }

    /// The offset `number` stands for: the one nearest to `reference`, an offset known to be
    /// within 2^31 of it (RCV.NXT for segment numbers, SND.UNA for acknowledgments).
    func offset(of number: TCPSequenceNumber, near reference: Int) -> Int {
        reference + (number - self.number(at: reference))
    }
}
