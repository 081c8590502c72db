/// Why bytes from the kernel could not be read as the rtnetlink messages they claim to be.
/// Every malformed or truncated input ends in one of these; decoding never traps.
public enum NetlinkDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer bytes than a message header (16) where a message should start.
    case truncatedHeader(available: Int)
    /// A header declares a length below the header size or beyond the bytes received.
    case badMessageLength(declared: Int, available: Int)
    /// A message body is shorter than the fixed structure its type starts with.
    case truncatedBody(messageType: UInt16, needed: Int, available: Int)
    /// An attribute header is cut, or declares a length outside its message.
    case badAttributeLength(declared: Int, available: Int)
    /// An attribute's value has a length its type does not allow.
    case badAttributeValue(type: UInt16, length: Int)
    /// A message lacks an attribute it cannot be understood without.
    case missingAttribute(type: UInt16)
    /// A fixed field holds a value that cannot be right (named in the text).
    case invalidField(String)
    /// A message of a type that has no place in the reply being read.
    case unexpectedMessage(type: UInt16)
    /// A reply went on past the message limit given to ``NetlinkReplyCollector``.
    case replyTooLong(limit: Int)

    public var description: String {
        switch self {
        case .truncatedHeader(let available):
            return "netlink message header cut short: \(available) of 16 bytes"
        case .badMessageLength(let declared, let available):
            return "netlink message declares \(declared) bytes, \(available) available"
        case .truncatedBody(let type, let needed, let available):
            return "netlink message type \(type) too short: \(available) of \(needed) bytes"
        case .badAttributeLength(let declared, let available):
            return "netlink attribute declares \(declared) bytes, \(available) available"
        case .badAttributeValue(let type, let length):
            return "netlink attribute type \(type) has an impossible length \(length)"
        case .missingAttribute(let type):
            return "netlink message lacks attribute type \(type)"
        case .invalidField(let what):
            return "netlink message has an invalid \(what)"
        case .unexpectedMessage(let type):
            return "unexpected netlink message type \(type)"
        case .replyTooLong(let limit):
            return "netlink reply longer than \(limit) messages"
        }
    }
}
