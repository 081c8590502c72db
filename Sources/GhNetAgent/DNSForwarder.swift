import GhNetCore
import GhNetDNS
import GhNetResolver
import GhNetWire
import Logging
import NIOCore
import Synchronization

/// Answers the codespace's DNS queries: runs a ``DNSQueryResolution`` per query, asking the
/// codespace's original resolvers with ``DNSExchange`` and the local side with `dnsQuery` frames,
/// and remembering in ``DNSLocalNames`` the questions the codespace said NXDOMAIN to and the
/// local side answered.
///
/// Bounds: at most ``maxInFlight`` queries at once; a query beyond that is answered SERVFAIL at
/// once (the client retries). ``DNSLocalNames`` keeps at most 1024 questions. A query the local
/// side has not answered after ``localTimeout`` counts as a local failure.
final class DNSForwarder: Sendable {
    /// Queries resolved at the same time, at most.
    static let maxInFlight = 512
    /// How long the local side may take.
    static let localTimeout: Duration = .seconds(5)

    private struct State {
        var localDomains: [DNSName] = []
        var upstream: [SocketAddress] = []
        var inFlight = 0
        /// Questions the codespace's resolvers said NXDOMAIN to lately and the local side answered.
        var answeredLocally = DNSLocalNames()
        var nextID: UInt32 = 0
        /// Queries waiting for the local side, by frame ID, with their timeout.
        var pending: [UInt32: (EventLoopPromise<DNSQueryResolution.LocalResult>, Scheduled<Void>?)] = [:]
    }

    /// One query under way, on its listener's loop.
    private struct Query {
        let bytes: [UInt8]
        let info: DNSQueryInfo
        let overTCP: Bool
        let upstream: [SocketAddress]
        let reply: @Sendable ([UInt8]) -> Void
        var resolution: DNSQueryResolution
        let started: ContinuousClock.Instant
        /// When the codespace's resolvers answered: what is learned counts from then.
        var codespaceAnswered: ContinuousClock.Instant
    }

    private let state = Mutex(State())
    private let exchange: DNSExchange
    private let sink: any FrameSink
    private let logger: Logger

    init(exchange: DNSExchange, sink: any FrameSink, logger: Logger) {
        self.exchange = exchange
        self.sink = sink
        self.logger = logger
    }

    /// Sets the codespace resolvers to ask first and the `--dns-domain` names that skip them.
    func configure(upstream: [SocketAddress], localDomains: [DNSName]) {
        state.withLock {
            $0.upstream = upstream
            $0.localDomains = localDomains
        }
    }

    /// One query from a client, on `loop` (its listener's); `reply` is called once on `loop` with
    /// the answer, or never for a message too broken to answer (the client times out, as it would
    /// with any server). The query's sockets and steps stay on `loop`: no hop to another thread.
    func handle(query: [UInt8], overTCP: Bool, on loop: any EventLoop, reply: @escaping @Sendable ([UInt8]) -> Void) {
        let info: DNSQueryInfo
        do {
            info = try DNSQueryInfo(query)
        } catch {
            logger.debug("dns: dropped a malformed query (\(query.count) bytes): \(error)")
            if let answer = DNSResponseBytes.formatError(forMalformed: query) { reply(answer) }
            return
        }
        let now = ContinuousClock.now
        let admitted: (domains: [DNSName], upstream: [SocketAddress], answeredLocally: Bool)? = state.withLock {
            guard $0.inFlight < Self.maxInFlight else { return nil }
            $0.inFlight += 1
            return ($0.localDomains, $0.upstream, $0.answeredLocally.contains(info.question, now: now))
        }
        guard let (domains, upstream, answeredLocally) = admitted else {
            logger.debug("dns: \(info.question.name) \(info.question.type): over \(Self.maxInFlight) queries at once; SERVFAIL")
            reply(DNSResponseBytes.error(.serverFailure, for: query, info: info))
            return
        }
        let resolution = DNSQueryResolution(query: query, info: info, localDomains: domains, hasUpstream: !upstream.isEmpty,
                                            answeredLocallyLately: answeredLocally)
        let box = NIOLoopBoundBox(Query(bytes: query, info: info, overTCP: overTCP, upstream: upstream, reply: reply,
                                        resolution: resolution, started: now, codespaceAnswered: now), eventLoop: loop)
        advance(box.value.resolution.start(), box)
    }

    /// Carries out one step of a query's resolution, on its loop.
    private func advance(_ step: DNSQueryResolution.Step, _ box: NIOLoopBoundBox<Query>) {
        let loop = box.eventLoop
        switch step {
        case .askUpstream:
            exchange.ask(box.value.bytes, servers: box.value.upstream, on: loop).whenComplete { result in
                box.value.codespaceAnswered = .now
                let upstream: DNSQueryResolution.UpstreamResult
                switch result {
                case .success(let answer): upstream = .answer(answer)
                case .failure(let error): upstream = error as? DNSExchangeError == .timedOut ? .timedOut : .unreachable
                }
                self.advance(box.value.resolution.upstreamFinished(upstream), box)
            }
        case .askLocal:
            askLocal(box.value.bytes, on: loop).whenComplete { result in
                // Only ever succeeded; a failure still moves the query on (its slot is freed at the reply).
                let local = (try? result.get()) ?? .failed("\(result)")
                self.advance(box.value.resolution.localFinished(local), box)
            }
        case .reply(let answer):
            let query = box.value
            state.withLock { state in
                state.inFlight -= 1
                switch query.resolution.learned {
                case .answeredLocally(let lifetime)?:
                    state.answeredLocally.remember(query.info.question, for: lifetime, now: query.codespaceAnswered)
                case .notAnsweredLocally?:
                    state.answeredLocally.forget(query.info.question)
                case nil:
                    break
                }
            }
            query.reply(query.overTCP ? answer : DNSResponseBytes.fitted(answer, limit: query.info.udpPayloadLimit))
            log(query.resolution, answer: answer, overTCP: query.overTCP, since: query.started)
        }
    }

    /// A `dnsAnswer` or `dnsFailure` frame from the local side.
    func localAnswered(_ frame: Frame) {
        switch frame {
        case .dnsAnswer(let id, var payload):
            resume(id, with: .answer(payload.readBytes(length: payload.readableBytes) ?? []))
        case .dnsFailure(let id, let reason):
            resume(id, with: .failed("\(reason)"))
        default:
            break
        }
    }

    /// Ends every query waiting for the local side (the link is going away).
    func cancelAll() {
        let waiting = state.withLock { value in defer { value.pending = [:] }; return value.pending }
        for (promise, timeout) in waiting.values {
            timeout?.cancel()
            promise.succeed(.failed("the bridge is stopping"))
        }
    }

    /// Sends the query to the local side; the answer (or the failure, at the latest after
    /// ``localTimeout``) completes on `loop`.
    private func askLocal(_ query: [UInt8], on loop: any EventLoop) -> EventLoopFuture<DNSQueryResolution.LocalResult> {
        let promise = loop.makePromise(of: DNSQueryResolution.LocalResult.self)
        let id = state.withLock { value in
            value.nextID &+= 1
            value.pending[value.nextID] = (promise, nil)
            return value.nextID
        }
        guard sink.send(.dnsQuery(id: id, payload: ByteBuffer(bytes: query))) else {
            resume(id, with: .failed("the link to the local side is full"))
            return promise.futureResult
        }
        let timeout = loop.scheduleTask(in: TimeAmount(Self.localTimeout)) {
            self.resume(id, with: .failed("no answer in \(Self.localTimeout.components.seconds) s"))
        }
        let stillWaiting = state.withLock { value -> Bool in
            guard value.pending[id] != nil else { return false }
            value.pending[id]?.1 = timeout
            return true
        }
        if !stillWaiting { timeout.cancel() }
        return promise.futureResult
    }

    private func resume(_ id: UInt32, with result: DNSQueryResolution.LocalResult) {
        guard let (promise, timeout) = state.withLock({ $0.pending.removeValue(forKey: id) }) else { return }
        timeout?.cancel()
        promise.succeed(result)
    }

    private func log(_ resolution: DNSQueryResolution, answer: [UInt8], overTCP: Bool, since started: ContinuousClock.Instant) {
        guard logger.logLevel <= .debug else { return }
        let elapsed = ContinuousClock.now - started
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        let outcome = (try? DNSMessage.parse(answer)).map { message in
            let summary = message.summary
            return "\(summary.outcome), \(summary.answers.count) answer(s)"
        } ?? "unparsed answer"
        let question = resolution.info.question
        logger.debug("dns: \(question.name) \(question.type) over \(overTCP ? "tcp" : "udp"): \(resolution.path.joined(separator: " → ")) → \(outcome) in \(milliseconds) ms")
    }
}
