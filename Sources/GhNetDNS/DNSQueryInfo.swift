/// What the forwarder needs to know of a query before passing its bytes on unchanged: the ID,
/// the question, where the question section ends, and how large a UDP answer the client takes.
public struct DNSQueryInfo: Sendable, Hashable {
    /// The client's query ID.
    public var id: UInt16
    /// The raw flags word of the query.
    public var flags: UInt16
    /// The first (in practice the only) question.
    public var question: DNSQuestion
    /// The byte offset just after the question section.
    public var questionSectionEnd: Int
    /// The largest UDP answer the client accepts: its EDNS payload size, at least 512 (RFC 6891).
    public var udpPayloadLimit: Int

    /// The classic UDP limit for clients without EDNS (RFC 1035).
    public static let classicUDPLimit = 512

    /// Reads a query. Throws `DNSParseError` for anything malformed, for a response, and for a
    /// message without exactly one question (which no resolver sends).
    public init(_ bytes: [UInt8]) throws(DNSParseError) {
        var reader = DNSReader(bytes)
        id = try reader.readUInt16()
        flags = try reader.readUInt16()
        let questionCount = try reader.readUInt16()
        let answerCount = Int(try reader.readUInt16())
        let authorityCount = Int(try reader.readUInt16())
        let additionalCount = Int(try reader.readUInt16())
        guard flags & 0x8000 == 0, questionCount == 1 else { throw .notAQuery(questions: Int(questionCount)) }
        guard (answerCount + authorityCount + additionalCount) * DNSMessage.minimumRecordLength <= reader.remaining else {
            throw .countsExceedMessage(questions: 1, records: answerCount + authorityCount + additionalCount, length: bytes.count)
        }
        question = try reader.readQuestion()
        questionSectionEnd = reader.offset
        var limit = Self.classicUDPLimit
        for index in 0..<(answerCount + authorityCount + additionalCount) {
            let record = try reader.readRecord()
            if index >= answerCount + authorityCount, record.type == .opt {
                limit = max(limit, Int(record.recordClass.rawValue))
            }
        }
        udpPayloadLimit = limit
    }
}

extension DNSQueryInfo {
    /// The name as the system resolver takes it (`db.corp.example`), when this query may be
    /// answered from `getaddrinfo`: an A or AAAA question of class IN for a name of plain
    /// letters, digits, hyphens and underscores. Nil otherwise.
    public var systemLookupName: String? {
        guard question.type == .a || question.type == .aaaa, question.recordClass == .internet,
              !question.name.labels.isEmpty else { return nil }
        let allowed = question.name.labels.allSatisfy { label in
            label.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
        }
        guard allowed else { return nil }
        return question.name.labels.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".")
    }
}
