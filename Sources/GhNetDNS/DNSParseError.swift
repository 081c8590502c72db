/// Why a DNS message could not be parsed. Every malformed input ends in one of these cases;
/// offsets are byte positions from the start of the message.
public enum DNSParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The message ended early: `needed` more bytes were required at `offset`, but the message
    /// is only `length` bytes long.
    case truncated(offset: Int, needed: Int, length: Int)
    /// The header claims more questions and records than the message could possibly hold
    /// (a question takes at least 5 bytes, a record at least 11).
    case countsExceedMessage(questions: Int, records: Int, length: Int)
    /// A compression pointer at `offset` leads back to where the name was already read
    /// (a self-pointer, a cycle between pointers, or a pointer into the name's own labels).
    case pointerLoop(offset: Int, target: Int)
    /// A compression pointer at `offset` points past the end of the message.
    case pointerOutOfRange(offset: Int, target: Int, length: Int)
    /// A compression pointer at `offset` points forward, at bytes after the pointer itself.
    case forwardPointer(offset: Int, target: Int)
    /// A name follows more compression pointers than any valid name needs.
    case pointerChainTooLong(offset: Int)
    /// The length byte at `offset` has its top bits set to 01 or 10: either a label longer
    /// than 63 bytes or an extended/reserved label type (0x40, 0x80), neither of which is valid.
    case badLabelType(offset: Int, byte: UInt8)
    /// The name starting at `offset` is longer than 255 bytes on the wire.
    case nameTooLong(offset: Int)
    /// The RDATA of a record of `type` starting at `offset` does not have the layout the type
    /// requires (wrong length, or a field running past the end of the RDATA).
    case badRecordData(type: DNSRecordType, offset: Int)
    /// The message is a response, or a query without exactly one question: nothing a
    /// forwarder can pass on.
    case notAQuery(questions: Int)

    public var description: String {
        switch self {
        case let .truncated(offset, needed, length):
            "message truncated: needed \(needed) byte(s) at offset \(offset), message is \(length) bytes"
        case let .countsExceedMessage(questions, records, length):
            "header claims \(questions) question(s) and \(records) record(s), more than \(length) bytes can hold"
        case let .pointerLoop(offset, target):
            "compression pointer loop: pointer at offset \(offset) leads back to offset \(target)"
        case let .pointerOutOfRange(offset, target, length):
            "compression pointer at offset \(offset) points to offset \(target), past the \(length)-byte message"
        case let .forwardPointer(offset, target):
            "compression pointer at offset \(offset) points forward to offset \(target)"
        case let .pointerChainTooLong(offset):
            "name at offset \(offset) follows too many compression pointers"
        case let .badLabelType(offset, byte):
            "bad label length byte 0x\(String(byte, radix: 16)) at offset \(offset): labels are at most 63 bytes and types 0x40/0x80 are not allowed"
        case let .nameTooLong(offset):
            "name at offset \(offset) is longer than 255 bytes"
        case let .badRecordData(type, offset):
            "malformed \(type) record data at offset \(offset)"
        case let .notAQuery(questions):
            "not a query with one question (QR set, or \(questions) questions)"
        }
    }
}
