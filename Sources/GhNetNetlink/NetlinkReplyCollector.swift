/// Gathers the kernel's reply to one request from the datagrams a netlink socket receives, and
/// says when it is complete. Pure: it never touches a socket.
///
/// Messages with another sequence number (late answers to an earlier request) and NLMSG_NOOP
/// are ignored. A dump ends with NLMSG_DONE; any other request ends with an acknowledgement or an
/// error, after any replies (a get request's answer).
public struct NetlinkReplyCollector: Sendable {
    /// Where the reply stands after a datagram.
    public enum Progress: Sendable, Equatable {
        /// The reply goes on in later datagrams.
        case needMore
        /// The reply is complete; these are its data messages (acknowledgement and NLMSG_DONE left out).
        case completed([NetlinkMessage])
        /// The kernel refused the request, or cut the dump short.
        case failed(NetlinkErrorReply)
        /// The dump completed, but the kernel's tables changed while it was read
        /// (NLM_F_DUMP_INTR); the caller should ask again.
        case interrupted
    }

    private let sequence: UInt32
    private let isDump: Bool
    private let messageLimit: Int
    private var messages: [NetlinkMessage] = []
    private var sawInterruption = false
    private var finished: Progress?

    /// A collector for the reply to the request sent with `sequence`. `messageLimit` bounds the
    /// number of data messages kept.
    public init(sequence: UInt32, isDump: Bool, messageLimit: Int = 1_000_000) {
        self.sequence = sequence
        self.isDump = isDump
        self.messageLimit = messageLimit
    }

    /// Takes one received datagram. Once complete, further datagrams change nothing.
    public mutating func receive(_ datagram: [UInt8]) throws(NetlinkDecodingError) -> Progress {
        if let finished { return finished }
        for message in try NetlinkMessage.split(datagram: datagram) where message.header.sequence == sequence {
            if message.header.flags.contains(.dumpInterrupted) { sawInterruption = true }
            switch message.header.type {
            case .noop:
                continue
            case .error:
                let reply = try NetlinkErrorReply(decoding: message)
                if !reply.isAcknowledgement { return finish(.failed(reply)) }
                if !isDump { return finish(.completed(messages)) }
            case .done where isDump:
                let status = try NetlinkErrorReply(decodingDone: message)
                if !status.isAcknowledgement { return finish(.failed(status)) }
                return finish(sawInterruption ? .interrupted : .completed(messages))
            case .done, .overrun:
                throw .unexpectedMessage(type: message.header.type.rawValue)
            default:
                guard messages.count < messageLimit else { throw .replyTooLong(limit: messageLimit) }
                messages.append(message)
            }
        }
        return .needMore
    }

    private mutating func finish(_ progress: Progress) -> Progress {
        finished = progress
        messages = []
        return progress
    }
}
