import GhNetCore
import Foundation
import GhNetDNS
import GhNetResolver
import GhNetWire
import Logging
import NIOCore
import Synchronization

/// The local side of the DNS hook: answers the agent's `dnsQuery` frames the way this machine
/// resolves names. The raw query goes to the servers in this machine's resolv.conf (UDP, TCP
/// when truncated); for A and AAAA, when they give no positive answer, the system resolver
/// (`getaddrinfo`) is asked too, since some VPN clients hook only that.
///
/// A query's sockets live on the link's loop, where its frame arrives, so an answer from the
/// resolvers goes back without a hop to another thread; only the system resolver (which
/// blocks) runs off the loop.
///
/// Bounds: at most ``maxInFlight`` queries at once (more are refused with
/// ``DNSFailureReason/busy``) and at most ``maxSystemLookups`` blocking lookups at once (more
/// skip the system resolver).
public final class LocalResolver: Sendable {
    static let maxInFlight = 256
    static let maxSystemLookups = 8
    /// TTL of answers made from `getaddrinfo`, which gives none.
    static let systemAnswerTTL: UInt32 = 30

    /// How a query was answered, for the log and the tests.
    public enum Outcome: Sendable, Equatable {
        /// The answer bytes and who gave them (`resolver 198.18.1.2`, `system resolver`).
        case answer([UInt8], source: String)
        /// No answer at all.
        case failure(DNSFailureReason)
    }

    private let loop: any EventLoop
    private let exchange: DNSExchange
    private let resolvConf: NameserverFile
    private let nameserverPort: Int
    private let systemLookup: @Sendable (String, Int32) async -> [[UInt8]]
    private let monitor: ActivityMonitor?
    private let logger: Logger
    private let inFlight = Mutex(0)
    private let systemLookups = Mutex(0)

    /// `resolvConfPath` and `nameserverPort` are this machine's resolv.conf and port 53 except in tests.
    /// Answered lookups are reported to `monitor` (the DNS panel). Queries come, and are answered, on `loop`.
    public init(loop: any EventLoop, exchange: DNSExchange, resolvConfPath: String = "/etc/resolv.conf", nameserverPort: Int = 53,
                monitor: ActivityMonitor? = nil, logger: Logger,
                systemLookup: @escaping @Sendable (String, Int32) async -> [[UInt8]] = { await SystemResolver.addresses(of: $0, family: $1) }) {
        self.loop = loop
        self.exchange = exchange
        self.resolvConf = NameserverFile(path: resolvConfPath)
        self.nameserverPort = nameserverPort
        self.systemLookup = systemLookup
        self.monitor = monitor
        self.logger = logger
    }

    /// Answers query `id` from the agent, on the loop; the answer frame goes to `sink`.
    public func answer(id: UInt32, payload: ByteBuffer, sink: any FrameSink) {
        let query = payload.getBytes(at: payload.readerIndex, length: payload.readableBytes) ?? []
        let admitted = inFlight.withLock { count -> Bool in
            guard count < Self.maxInFlight else { return false }
            count += 1
            return true
        }
        guard admitted else {
            sink.send(.dnsFailure(id: id, reason: .busy))
            return
        }
        resolve(query).whenComplete { result in
            self.inFlight.withLock { $0 -= 1 }
            // The future is only ever succeeded; a failure still frees the slot and answers.
            let outcome = (try? result.get()) ?? .failure(.resolverFailure)
            switch outcome {
            case .answer(let bytes, _):
                sink.send(.dnsAnswer(id: id, payload: ByteBuffer(bytes: bytes)))
            case .failure(let reason):
                sink.send(.dnsFailure(id: id, reason: reason))
            }
            if let monitor = self.monitor, let lookup = Self.lookup(query: query, outcome: outcome) { monitor.answered(lookup) }
        }
    }

    /// Resolves one raw query; completes on the loop (never fails).
    public func resolve(_ query: [UInt8]) -> EventLoopFuture<Outcome> {
        guard let info = try? DNSQueryInfo(query) else { return loop.makeSucceededFuture(.failure(.malformedQuery)) }
        let names = resolvConf.nameservers
        // glibc's default when resolv.conf names no server.
        let servers = (names.isEmpty ? ["127.0.0.1"] : names).compactMap { SocketAddress.nameserver($0, port: nameserverPort) }
        let promise = loop.makePromise(of: Outcome.self)
        exchange.ask(query, servers: servers, on: loop).whenComplete { result in
            let question = "\(info.question.name) \(info.question.type)"
            let resolverAnswer: [UInt8]?, failure: DNSFailureReason
            switch result {
            case .success(let answer):
                (resolverAnswer, failure) = (answer, .noResolver)
            case .failure(let error):
                (resolverAnswer, failure) = (nil, error as? DNSExchangeError == .timedOut ? .timedOut : .resolverFailure)
            }
            if let resolverAnswer, DNSQueryResolution.outcome(of: resolverAnswer) == .answered {
                self.logger.debug("dns: \(question): answered by this machine's resolvers")
                promise.succeed(.answer(resolverAnswer, source: "resolvers"))
                return
            }
            guard let name = info.systemLookupName else {
                promise.succeed(self.unanswered(question, resolverAnswer: resolverAnswer, failure: failure))
                return
            }
            promise.completeWithTask {
                if let addresses = await self.lookUpWithSystem(name, type: info.question.type), !addresses.isEmpty {
                    self.logger.debug("dns: \(question): answered by the system resolver (\(addresses.count) address(es))")
                    return .answer(DNSResponseBytes.addressAnswer(for: query, info: info, addresses: addresses, ttl: Self.systemAnswerTTL),
                                   source: "system resolver")
                }
                return self.unanswered(question, resolverAnswer: resolverAnswer, failure: failure)
            }
        }
        return promise.futureResult
    }

    /// No positive answer anywhere: the resolvers' negative answer, else the failure.
    private func unanswered(_ question: String, resolverAnswer: [UInt8]?, failure: DNSFailureReason) -> Outcome {
        if let resolverAnswer {
            logger.debug("dns: \(question): \(DNSQueryResolution.outcome(of: resolverAnswer).map(\.description) ?? "malformed") from this machine's resolvers")
            return .answer(resolverAnswer, source: "resolvers")
        }
        logger.debug("dns: \(question): no answer (\(failure))")
        return .failure(failure)
    }

    /// What the DNS panel shows for one answered query; nil for a query without a question.
    static func lookup(query: [UInt8], outcome: Outcome, at now: ContinuousClock.Instant = .now) -> ActivityMonitor.Lookup? {
        guard let info = try? DNSQueryInfo(query) else { return nil }
        let presented = info.question.name.description
        let name = presented == "." ? presented : String(presented.dropLast())
        switch outcome {
        case .failure(let reason):
            return ActivityMonitor.Lookup(name: name, type: "\(info.question.type)", outcome: "SERVFAIL (\(reason))",
                                          answers: [], ttl: nil, at: now)
        case .answer(let bytes, _):
            guard let summary = try? DNSMessage.parse(bytes).summary else {
                return ActivityMonitor.Lookup(name: name, type: "\(info.question.type)", outcome: "malformed answer", answers: [], ttl: nil, at: now)
            }
            return ActivityMonitor.Lookup(name: name, type: "\(info.question.type)", outcome: summary.outcome.description,
                                          answers: summary.answers.map { "\($0.type == info.question.type ? "" : "\($0.type) ")\($0.text)" },
                                          ttl: summary.answers.map(\.ttl).min(), at: now)
        }
    }

    /// `getaddrinfo` for `name`, unless too many lookups are running already (nil then).
    private func lookUpWithSystem(_ name: String, type: DNSRecordType) async -> [[UInt8]]? {
        let admitted = systemLookups.withLock { count -> Bool in
            guard count < Self.maxSystemLookups else { return false }
            count += 1
            return true
        }
        guard admitted else { return nil }
        defer { systemLookups.withLock { $0 -= 1 } }
        return await systemLookup(name, type == .aaaa ? AF_INET6 : AF_INET)
    }
}
