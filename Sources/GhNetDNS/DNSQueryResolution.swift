/// The path of one query through the DNS hook, kept apart from sockets and timers: the codespace's
/// own resolvers first, the local side when they cannot answer, the local answer used when it is
/// positive. A question the codespace said NXDOMAIN to lately, and the local side answered
/// (``DNSLocalNames``), goes to the local side first, and to the codespace's resolvers only when
/// the local side has no answer now. The I/O layer performs each returned ``Step``, reports the
/// result back, and updates its ``DNSLocalNames`` from ``learned``.
public struct DNSQueryResolution: Sendable {
    /// What the I/O layer must do next.
    public enum Step: Sendable, Equatable {
        /// Send the query to the codespace's original resolvers.
        case askUpstream
        /// Send the query to the local side.
        case askLocal
        /// Answer the client with these bytes (already carrying the client's ID); the query is done.
        case reply([UInt8])
    }

    /// How asking the codespace's resolvers ended.
    public enum UpstreamResult: Sendable, Equatable {
        /// A resolver answered with this message.
        case answer([UInt8])
        /// No resolver answered in time.
        case timedOut
        /// No resolver could be asked (none configured, or every socket failed).
        case unreachable
    }

    /// How asking the local side ended.
    public enum LocalResult: Sendable, Equatable {
        /// The local side answered with this message.
        case answer([UInt8])
        /// The local side could not answer (its reason, for the log).
        case failed(String)
    }

    /// Where the query stands.
    public enum State: Sendable, Equatable {
        /// Created; ``start()`` not yet called.
        case idle
        /// Waiting for the codespace's resolvers.
        case askingUpstream
        /// Waiting for the local side; `upstreamAnswer` is the codespace's negative answer, if
        /// it gave one, to fall back on when the local side has nothing better.
        case askingLocal(upstreamAnswer: [UInt8]?)
        /// The codespace's resolvers said NXDOMAIN to this question lately and the local side
        /// answered it: waiting for the local side first.
        case askingLocalFirst
        /// The local side had no usable answer for such a question: waiting for the codespace's
        /// resolvers after all; `localAnswer` is the local side's negative answer, if it gave one.
        case askingUpstreamAfterLocal(localAnswer: [UInt8]?)
        /// Answered; nothing more happens.
        case done
    }

    /// What the query taught about where its question is answered.
    public enum Learned: Sendable, Equatable {
        /// The codespace's resolvers said NXDOMAIN and the local side answered: go to the local
        /// side first for this long.
        case answeredLocally(for: Duration)
        /// It was remembered so, but the local side no longer answers it.
        case notAnsweredLocally
    }

    /// The query as received.
    public let query: [UInt8]
    public let info: DNSQueryInfo
    public private(set) var state: State = .idle
    /// What happened so far, for the debug log: `codespace NXDOMAIN`, `local NOERROR`, ...
    public private(set) var path: [String] = []
    /// Set once answered, when the query taught something about its question.
    public private(set) var learned: Learned?

    private let straightToLocal: Bool
    private let hasUpstream: Bool
    private let answeredLocallyLately: Bool
    /// The codespace's resolvers answered NXDOMAIN (a failure or a timeout teaches nothing: it
    /// may pass, and a public name must not be sent to the local side first for it).
    private var codespaceSaidNoSuchName = false

    /// `localDomains` are the `--dns-domain` names, whose queries skip the codespace's resolvers.
    /// `answeredLocallyLately`: ``DNSLocalNames`` remembers the question.
    public init(query: [UInt8], info: DNSQueryInfo, localDomains: [DNSName], hasUpstream: Bool, answeredLocallyLately: Bool = false) {
        self.query = query
        self.info = info
        self.straightToLocal = localDomains.contains { info.question.name.isWithin($0) }
        self.hasUpstream = hasUpstream
        self.answeredLocallyLately = answeredLocallyLately
    }

    /// The first step.
    public mutating func start() -> Step {
        guard state == .idle else { return .reply(servfail) }
        if straightToLocal || !hasUpstream {
            path.append(straightToLocal ? "dns-domain" : "no codespace resolver")
            state = .askingLocal(upstreamAnswer: nil)
            return .askLocal
        }
        if answeredLocallyLately {
            path.append("answered locally lately")
            state = .askingLocalFirst
            return .askLocal
        }
        state = .askingUpstream
        return .askUpstream
    }

    /// The codespace's resolvers are done: a usable answer ends the query, anything else
    /// (NXDOMAIN, SERVFAIL, REFUSED, a timeout) goes on to the local side.
    public mutating func upstreamFinished(_ result: UpstreamResult) -> Step {
        if case .askingUpstreamAfterLocal(let localAnswer) = state {
            return upstreamFinishedAfterLocal(result, localAnswer: localAnswer)
        }
        guard state == .askingUpstream else { return .reply(servfail) }
        switch result {
        case .answer(let bytes):
            let outcome = Self.outcome(of: bytes)
            path.append("codespace \(outcome.map(\.description) ?? "malformed")")
            switch outcome {
            case .answered?, .noData?:
                return finish(bytes)
            default:
                codespaceSaidNoSuchName = outcome == .nxDomain
                state = .askingLocal(upstreamAnswer: outcome == nil ? nil : bytes)
                return .askLocal
            }
        case .timedOut, .unreachable:
            path.append(result == .timedOut ? "codespace timed out" : "codespace unreachable")
            state = .askingLocal(upstreamAnswer: nil)
            return .askLocal
        }
    }

    /// The local side is done: its answer is used when it is NOERROR (records, or NODATA: the
    /// name exists there, so the codespace's NXDOMAIN would be wrong); otherwise the codespace's
    /// own negative answer, else the local negative answer, else SERVFAIL.
    public mutating func localFinished(_ result: LocalResult) -> Step {
        if state == .askingLocalFirst { return localFinishedFirst(result) }
        guard case .askingLocal(let upstreamAnswer) = state else { return .reply(servfail) }
        switch result {
        case .answer(let bytes):
            let outcome = Self.outcome(of: bytes)
            path.append("local \(outcome.map(\.description) ?? "malformed")")
            if outcome == .answered || outcome == .noData {
                if codespaceSaidNoSuchName { learned = .answeredLocally(for: DNSLocalNames.lifetime(ofNegativeAnswer: upstreamAnswer)) }
                return finish(bytes)
            }
            if upstreamAnswer == nil && outcome != nil { return finish(bytes) }
        case .failed(let reason):
            path.append("local failed (\(reason))")
        }
        return finish(upstreamAnswer ?? servfail)
    }

    /// The local side answered a question the codespace said NXDOMAIN to lately: a positive
    /// answer is used; otherwise the codespace's resolvers are asked after all.
    private mutating func localFinishedFirst(_ result: LocalResult) -> Step {
        var localAnswer: [UInt8]?
        switch result {
        case .answer(let bytes):
            let outcome = Self.outcome(of: bytes)
            path.append("local \(outcome.map(\.description) ?? "malformed")")
            if outcome == .answered || outcome == .noData { return finish(bytes) }
            if outcome != nil { localAnswer = bytes }
        case .failed(let reason):
            path.append("local failed (\(reason))")
        }
        learned = .notAnsweredLocally
        state = .askingUpstreamAfterLocal(localAnswer: localAnswer)
        return .askUpstream
    }

    /// The codespace's resolvers, asked after the local side had no answer: any answer of
    /// theirs is used (their negative one too, as when they are asked first), else the local
    /// negative answer, else SERVFAIL.
    private mutating func upstreamFinishedAfterLocal(_ result: UpstreamResult, localAnswer: [UInt8]?) -> Step {
        switch result {
        case .answer(let bytes):
            let outcome = Self.outcome(of: bytes)
            path.append("codespace \(outcome.map(\.description) ?? "malformed")")
            if outcome != nil { return finish(bytes) }
        case .timedOut, .unreachable:
            path.append(result == .timedOut ? "codespace timed out" : "codespace unreachable")
        }
        return finish(localAnswer ?? servfail)
    }

    private mutating func finish(_ bytes: [UInt8]) -> Step {
        state = .done
        return .reply(DNSResponseBytes.withID(bytes, info.id))
    }

    /// SERVFAIL for this query.
    public var servfail: [UInt8] { DNSResponseBytes.error(.serverFailure, for: query, info: info) }

    /// The outcome of an answer, nil when it cannot be parsed.
    public static func outcome(of bytes: [UInt8]) -> DNSSummary.Outcome? {
        guard let message = try? DNSMessage.parse(bytes), message.header.isResponse else { return nil }
        return message.summary.outcome
    }
}
