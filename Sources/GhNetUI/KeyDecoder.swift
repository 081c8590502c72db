/// Turns terminal input bytes into ``Key``s, incrementally: bytes may arrive split anywhere, and
/// a sequence cut between two reads is completed by the next one.
///
/// Recognised: arrows (`ESC [ A`…`D`, `ESC O A`…`D`, with or without modifier parameters such as
/// `ESC [ 1 ; 5 A`), Home/End (`ESC [ H`, `ESC [ F`, `ESC O H`, `ESC O F`, `ESC [ 1 ~`, `ESC [ 4 ~`,
/// `ESC [ 7 ~`, `ESC [ 8 ~`), Page Up/Down (`ESC [ 5 ~`, `ESC [ 6 ~`), Enter (CR, LF, CR LF, keypad
/// `ESC O M`), Ctrl-C, printable ASCII and UTF-8 characters. Everything else is dropped: other
/// control bytes, other or malformed escape sequences (mouse reports, bracketed-paste markers,
/// function keys), invalid UTF-8.
///
/// A lone ESC cannot be told from the start of a sequence until time passes: ``feed(_:)`` keeps it,
/// ``isWaiting`` says so, and the caller calls ``flush()`` when no byte came within its timeout.
/// ESC followed by a byte that starts no sequence is a lone ESC then that byte (Alt+key arrives
/// as ESC and the key). Memory is bounded: a sequence longer than ``maximumSequenceLength`` bytes
/// is skipped to its end without being stored.
public struct KeyDecoder: Sendable {
    /// The longest control sequence kept; longer ones are skipped.
    public static let maximumSequenceLength = 16

    /// Where the decoder is between two bytes.
    private enum State: Sendable, Equatable {
        /// Not inside anything: the next byte starts a key.
        case ground
        /// After ESC: `[` starts a CSI sequence, `O` an SS3 one; anything else makes the ESC lone.
        case escape
        /// Inside `ESC [`: parameter and intermediate bytes are collected in `buffer` up to a final byte.
        case controlSequence
        /// Inside an `ESC [` sequence too long to keep: bytes are dropped up to its final byte.
        case skippingControlSequence
        /// After `ESC O`: the next byte names the key.
        case singleShift
        /// Inside a UTF-8 character: `buffer` holds its first bytes, `remaining` more are due.
        case utf8(remaining: Int)
    }

    private var state = State.ground
    private var buffer: [UInt8] = []
    private var afterCarriageReturn = false

    public init() {}

    /// True when bytes are held back: a lone ESC or an unfinished sequence or character. The caller
    /// should then wait a short time (say 50 ms) for more input and call ``flush()`` if none comes.
    public var isWaiting: Bool { state != .ground }

    /// The bytes held between calls (at most ``maximumSequenceLength``).
    var bufferedByteCount: Int { buffer.count }

    /// Decodes `bytes`, returning the keys they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Key] {
        var keys: [Key] = []
        for byte in bytes {
            consume(byte, into: &keys)
        }
        return keys
    }

    /// Ends whatever is held because no more bytes came: a lone ESC becomes ``Key/escape``; an
    /// unfinished sequence or character is dropped.
    public mutating func flush() -> [Key] {
        let keys: [Key] = state == .escape ? [.escape] : []
        state = .ground
        buffer.removeAll(keepingCapacity: true)
        return keys
    }

    private mutating func consume(_ byte: UInt8, into keys: inout [Key]) {
        let wasCarriageReturn = afterCarriageReturn
        afterCarriageReturn = false
        switch state {
        case .ground:
            ground(byte, afterCarriageReturn: wasCarriageReturn, into: &keys)
        case .escape:
            switch byte {
            case UInt8(ascii: "["):
                state = .controlSequence
                buffer.removeAll(keepingCapacity: true)
            case UInt8(ascii: "O"):
                state = .singleShift
            default:
                keys.append(.escape)
                state = .ground
                ground(byte, afterCarriageReturn: false, into: &keys)
            }
        case .controlSequence, .skippingControlSequence:
            switch byte {
            case 0x20...0x3F:
                if state == .controlSequence && buffer.count < Self.maximumSequenceLength {
                    buffer.append(byte)
                } else {
                    state = .skippingControlSequence
                    buffer.removeAll(keepingCapacity: true)
                }
            case 0x40...0x7E:
                if state == .controlSequence, let key = Self.controlSequenceKey(parameters: buffer, final: byte) {
                    keys.append(key)
                }
                state = .ground
                buffer.removeAll(keepingCapacity: true)
            default:
                state = .ground
                buffer.removeAll(keepingCapacity: true)
                ground(byte, afterCarriageReturn: false, into: &keys)
            }
        case .singleShift:
            state = .ground
            switch byte {
            case UInt8(ascii: "A"): keys.append(.up)
            case UInt8(ascii: "B"): keys.append(.down)
            case UInt8(ascii: "C"): keys.append(.right)
            case UInt8(ascii: "D"): keys.append(.left)
            case UInt8(ascii: "H"): keys.append(.home)
            case UInt8(ascii: "F"): keys.append(.end)
            case UInt8(ascii: "M"): keys.append(.enter)
            case 0x40...0x7E: break
            default: ground(byte, afterCarriageReturn: false, into: &keys)
            }
        case .utf8(let remaining):
            guard byte & 0xC0 == 0x80 else {
                state = .ground
                buffer.removeAll(keepingCapacity: true)
                ground(byte, afterCarriageReturn: false, into: &keys)
                return
            }
            buffer.append(byte)
            if remaining > 1 {
                state = .utf8(remaining: remaining - 1)
                return
            }
            if let scalar = Self.decodeUTF8(buffer), scalar.properties.generalCategory != .control {
                keys.append(.character(Character(scalar)))
            }
            state = .ground
            buffer.removeAll(keepingCapacity: true)
        }
    }

    private mutating func ground(_ byte: UInt8, afterCarriageReturn: Bool, into keys: inout [Key]) {
        switch byte {
        case 0x1B:
            state = .escape
        case 0x0D:
            keys.append(.enter)
            self.afterCarriageReturn = true
        case 0x0A:
            if !afterCarriageReturn { keys.append(.enter) }
        case 0x03:
            keys.append(.ctrlC)
        case 0x20...0x7E:
            keys.append(.character(Character(Unicode.Scalar(byte))))
        case 0xC2...0xDF:
            buffer = [byte]
            state = .utf8(remaining: 1)
        case 0xE0...0xEF:
            buffer = [byte]
            state = .utf8(remaining: 2)
        case 0xF0...0xF4:
            buffer = [byte]
            state = .utf8(remaining: 3)
        default:
            break
        }
    }

    /// The key of `ESC [ parameters final`, or nil for a sequence gh-net does not use.
    private static func controlSequenceKey(parameters: [UInt8], final: UInt8) -> Key? {
        // Private markers (`<`, `=`, `>`, `?`) and intermediate bytes mean other kinds of report.
        guard parameters.allSatisfy({ (0x30...0x3B).contains($0) }) else { return nil }
        let first = parameters.prefix { $0 != UInt8(ascii: ";") }
        switch final {
        case UInt8(ascii: "A"): return .up
        case UInt8(ascii: "B"): return .down
        case UInt8(ascii: "C"): return .right
        case UInt8(ascii: "D"): return .left
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        case UInt8(ascii: "~"):
            switch Array(first) {
            case [UInt8(ascii: "1")], [UInt8(ascii: "7")]: return .home
            case [UInt8(ascii: "4")], [UInt8(ascii: "8")]: return .end
            case [UInt8(ascii: "5")]: return .pageUp
            case [UInt8(ascii: "6")]: return .pageDown
            default: return nil
            }
        default:
            return nil
        }
    }

    /// The scalar a complete 2…4 byte UTF-8 sequence encodes, or nil when it is overlong, a
    /// surrogate or beyond U+10FFFF.
    private static func decodeUTF8(_ bytes: [UInt8]) -> Unicode.Scalar? {
        let leadMask: UInt8 = bytes.count == 2 ? 0x1F : bytes.count == 3 ? 0x0F : 0x07
        var value = UInt32(bytes[0] & leadMask)
        for byte in bytes.dropFirst() {
            value = value << 6 | UInt32(byte & 0x3F)
        }
        let smallest: UInt32 = bytes.count == 2 ? 0x80 : bytes.count == 3 ? 0x800 : 0x10000
        guard value >= smallest else { return nil }
        return Unicode.Scalar(value)
    }
}
