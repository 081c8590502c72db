/// What the DNS panel and the logs show for a message: the question, the outcome, the answer
/// lines and whether the message was truncated.
public struct DNSSummary: Sendable, Hashable, CustomStringConvertible {
    /// How a message turned out.
    public enum Outcome: Sendable, Hashable, CustomStringConvertible {
        /// A query, not a response.
        case query
        /// NOERROR with at least one answer of the asked type (or any answer, for ANY).
        case answered
        /// NOERROR, but no answer of the asked type (possibly only a CNAME chain).
        case noData
        /// The name does not exist.
        case nxDomain
        /// The server failed to answer.
        case serverFailure
        /// The server refused to answer.
        case refused
        /// Any other response code.
        case failed(DNSResponseCode)

        public var description: String {
            switch self {
            case .query: "QUERY"
            case .answered: "NOERROR"
            case .noData: "NODATA"
            case .nxDomain: "NXDOMAIN"
            case .serverFailure: "SERVFAIL"
            case .refused: "REFUSED"
            case let .failed(rcode): rcode.description
            }
        }
    }

    /// One answer record, as shown.
    public struct Line: Sendable, Hashable, CustomStringConvertible {
        public var type: DNSRecordType
        /// The RDATA in presentation format.
        public var text: String
        public var ttl: UInt32

        public init(type: DNSRecordType, text: String, ttl: UInt32) {
            self.type = type
            self.text = text
            self.ttl = ttl
        }

        /// `AAAA 2001:db8::1 ttl=300`.
        public var description: String { "\(type) \(text) ttl=\(ttl)" }
    }

    /// The first question's name and type, if the message has one.
    public var name: DNSName?
    public var type: DNSRecordType?
    public var outcome: Outcome
    /// Every record of the answer section, in order.
    public var answers: [Line]
    /// The TC flag: the answer did not fit the transport.
    public var isTruncated: Bool

    public init(name: DNSName?, type: DNSRecordType?, outcome: Outcome, answers: [Line], isTruncated: Bool) {
        self.name = name
        self.type = type
        self.outcome = outcome
        self.answers = answers
        self.isTruncated = isTruncated
    }

    /// `db.corp.example. A NOERROR` (plus ` truncated`), then one indented line per answer.
    public var description: String {
        var text = [name?.description ?? "(no question)", type?.description, outcome.description]
            .compactMap { $0 }.joined(separator: " ")
        if isTruncated { text += " truncated" }
        for line in answers { text += "\n  \(line)" }
        return text
    }
}

extension DNSMessage {
    /// The question, outcome and answers of this message, for the DNS panel and the logs.
    public var summary: DNSSummary {
        let question = questions.first
        let outcome: DNSSummary.Outcome
        if !header.isResponse {
            outcome = .query
        } else {
            switch header.rcode {
            case .noError:
                let asked = question?.type
                let answered = answers.contains { asked == nil || asked == .any || $0.type == asked }
                outcome = answered ? .answered : .noData
            case .nameError: outcome = .nxDomain
            case .serverFailure: outcome = .serverFailure
            case .refused: outcome = .refused
            case let rcode: outcome = .failed(rcode)
            }
        }
        return DNSSummary(
            name: question?.name,
            type: question?.type,
            outcome: outcome,
            answers: answers.map { DNSSummary.Line(type: $0.type, text: $0.data.description, ttl: $0.ttl) },
            isTruncated: header.isTruncated
        )
    }
}
