/// Byte-level edits and small answers the forwarder makes itself. Records of real answers are
/// never rebuilt: answers pass through byte for byte, only their ID may change, and an answer
/// too large for the client's UDP limit is cut to its header and question with TC set.
public enum DNSResponseBytes {
    /// The header flag bits used here.
    static let responseFlag: UInt16 = 0x8000
    static let truncatedFlag: UInt16 = 0x0200
    static let recursionDesiredFlag: UInt16 = 0x0100
    static let recursionAvailableFlag: UInt16 = 0x0080
    static let opcodeMask: UInt16 = 0x7800

    /// `message` with its ID replaced (messages shorter than a header come back unchanged).
    public static func withID(_ message: [UInt8], _ id: UInt16) -> [UInt8] {
        guard message.count >= 12 else { return message }
        var copy = message
        copy[0] = UInt8(id >> 8)
        copy[1] = UInt8(id & 0xFF)
        return copy
    }

    /// An answer that fits `limit` bytes: `answer` itself when it fits, else its header with TC
    /// set and only the question kept, which tells the client to ask again over TCP (RFC 7766).
    public static func fitted(_ answer: [UInt8], limit: Int) -> [UInt8] {
        guard answer.count > limit, answer.count >= 12 else { return answer }
        var reader = DNSReader(answer)
        reader.offset = 4
        let questionCount = (try? reader.readUInt16()) ?? 0
        reader.offset = 12
        var keptQuestions: UInt16 = 0
        for _ in 0..<questionCount {
            guard (try? reader.readQuestion()) != nil else { break }
            keptQuestions += 1
        }
        let questionEnd = keptQuestions == questionCount ? reader.offset : 12
        let flags = (UInt16(answer[2]) << 8 | UInt16(answer[3])) | truncatedFlag
        var cut = header(id: UInt16(answer[0]) << 8 | UInt16(answer[1]), flags: flags,
                         questions: questionEnd > 12 ? questionCount : 0, answers: 0)
        cut += answer[12..<questionEnd]
        return cut
    }

    /// An answer with only a response code (SERVFAIL, REFUSED, ...) to `query`.
    public static func error(_ rcode: DNSResponseCode, for query: [UInt8], info: DNSQueryInfo) -> [UInt8] {
        var message = header(id: info.id, flags: responseFlags(for: info) | UInt16(rcode.rawValue & 0xF), questions: 1, answers: 0)
        message += query[12..<info.questionSectionEnd]
        return message
    }

    /// A NOERROR answer to an A or AAAA `query` holding one record per address of the asked
    /// family (4 or 16 bytes; others are skipped), named by a pointer to the question. For any
    /// other question type the answer has no records (NODATA).
    public static func addressAnswer(for query: [UInt8], info: DNSQueryInfo, addresses: [[UInt8]], ttl: UInt32) -> [UInt8] {
        let wanted = info.question.type == .aaaa ? 16 : info.question.type == .a ? 4 : nil
        let records = addresses.filter { $0.count == wanted }
        var message = header(id: info.id, flags: responseFlags(for: info), questions: 1, answers: UInt16(min(records.count, 0xFFFF)))
        message += query[12..<info.questionSectionEnd]
        for address in records.prefix(0xFFFF) {
            message += [0xC0, 0x0C]
            append16(info.question.type.rawValue, to: &message)
            append16(info.question.recordClass.rawValue, to: &message)
            append16(UInt16(ttl >> 16), to: &message)
            append16(UInt16(ttl & 0xFFFF), to: &message)
            append16(UInt16(address.count), to: &message)
            message += address
        }
        return message
    }

    /// QR, the query's opcode and RD, and RA.
    private static func responseFlags(for info: DNSQueryInfo) -> UInt16 {
        responseFlag | (info.flags & (opcodeMask | recursionDesiredFlag)) | recursionAvailableFlag
    }

    private static func header(id: UInt16, flags: UInt16, questions: UInt16, answers: UInt16) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12)
        for field in [id, flags, questions, answers, 0, 0] { append16(field, to: &bytes) }
        return bytes
    }

    private static func append16(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }
}

extension DNSResponseBytes {
    /// FORMERR for a message too broken to read a question from: its ID and opcode, no
    /// sections. Nil when there is no ID to answer to, or the message is itself a response.
    public static func formatError(forMalformed message: [UInt8]) -> [UInt8]? {
        guard message.count >= 4, message[2] & 0x80 == 0 else { return nil }
        let flags = responseFlag | ((UInt16(message[2]) << 8) & opcodeMask) | UInt16(DNSResponseCode.formatError.rawValue)
        return header(id: UInt16(message[0]) << 8 | UInt16(message[1]), flags: flags, questions: 0, answers: 0)
    }
}
