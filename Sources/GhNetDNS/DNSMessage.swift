/// A parsed DNS message (RFC 1035 wire format), for display and logging only: the bytes that
/// are forwarded are never rebuilt from it.
public struct DNSMessage: Sendable, Hashable {
    /// ID and flags.
    public var header: DNSHeader
    /// The question section (usually one entry).
    public var questions: [DNSQuestion]
    /// The answer section.
    public var answers: [DNSResourceRecord]
    /// The authority section (an SOA here explains NXDOMAIN and NODATA).
    public var authority: [DNSResourceRecord]
    /// The additional section, including any EDNS OPT record.
    public var additional: [DNSResourceRecord]

    public init(
        header: DNSHeader, questions: [DNSQuestion],
        answers: [DNSResourceRecord], authority: [DNSResourceRecord], additional: [DNSResourceRecord]
    ) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authority = authority
        self.additional = additional
    }

    /// The smallest question on the wire: a root name plus type and class.
    static let minimumQuestionLength = 5
    /// The smallest record on the wire: a root name, type, class, TTL and RDATA length.
    static let minimumRecordLength = 11

    /// Parses a whole message (as received over UDP, or a TCP message without its length
    /// prefix). Never traps and never loops: malformed input throws a `DNSParseError`, and
    /// memory stays proportional to the message size whatever the header counts claim.
    /// Bytes after the last record are ignored.
    public static func parse(_ bytes: some Collection<UInt8>) throws(DNSParseError) -> DNSMessage {
        var reader = DNSReader(Array(bytes))
        let id = try reader.readUInt16()
        let flags = try reader.readUInt16()
        let questionCount = Int(try reader.readUInt16())
        let answerCount = Int(try reader.readUInt16())
        let authorityCount = Int(try reader.readUInt16())
        let additionalCount = Int(try reader.readUInt16())
        let recordCount = answerCount + authorityCount + additionalCount
        guard questionCount * minimumQuestionLength + recordCount * minimumRecordLength <= reader.remaining else {
            throw .countsExceedMessage(questions: questionCount, records: recordCount, length: reader.bytes.count)
        }
        var questions: [DNSQuestion] = []
        for _ in 0..<questionCount { questions.append(try reader.readQuestion()) }
        var records: [DNSResourceRecord] = []
        for _ in 0..<recordCount { records.append(try reader.readRecord()) }
        return DNSMessage(
            header: DNSHeader(id: id, flags: flags),
            questions: questions,
            answers: Array(records[..<answerCount]),
            authority: Array(records[answerCount..<answerCount + authorityCount]),
            additional: Array(records[(answerCount + authorityCount)...])
        )
    }
}
