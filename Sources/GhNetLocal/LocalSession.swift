import Foundation
import GhNetAddress
import GhNetCore
import GhNetResolver
import GhNetWire
import Logging
import NIOCore
import NIOPosix
import Subprocess

/// The local side of one bridge: starts the transport, delivers and starts the agent, completes
/// the handshake, then serves the link until the user stops it or the link ends.
public final class LocalSession: Sendable {
    /// What the session needs to know.
    public struct Options: Sendable {
        /// Where the agent runs.
        public var target: TransportTarget
        /// The ssh program and its options (for ``TransportTarget/ssh(_:)``).
        public var sshCommand: [String]
        /// Log level for both sides.
        public var traceLevel: TraceLevel
        /// Prefixes to bridge in addition to what the routing table says (`--route`).
        public var routes: [IPPrefix]
        /// Prefixes never to bridge (`--exclude`).
        public var excluded: [IPPrefix]
        /// How long a UDP or ping flow may stay idle before its NAT record is freed.
        public var udpIdleTimeout: Duration
        /// Most UDP flows at once (ping flows: a quarter of it).
        public var udpFlowLimit: Int
        /// Whether the agent hooks the remote's DNS (`--dns`).
        public var dns: Bool
        /// Names under these domains skip the remote's resolvers (`--dns-domain`).
        public var dnsDomains: [String]

        public init(target: TransportTarget, sshCommand: [String], traceLevel: TraceLevel,
                    routes: [IPPrefix] = [], excluded: [IPPrefix] = [],
                    udpIdleTimeout: Duration = .seconds(60), udpFlowLimit: Int = 4096,
                    dns: Bool = true, dnsDomains: [String] = []) {
            self.target = target
            self.sshCommand = sshCommand
            self.traceLevel = traceLevel
            self.routes = routes
            self.excluded = excluded
            self.udpIdleTimeout = udpIdleTimeout
            self.udpFlowLimit = udpFlowLimit
            self.dns = dns
            self.dnsDomains = dnsDomains
        }
    }

    private let options: Options
    private let logger: Logger
    /// The NAT records and lookups, for the connected view and the event log.
    public let monitor: ActivityMonitor

    public init(options: Options, logger: Logger, monitor: ActivityMonitor) {
        self.options = options
        self.logger = logger
        self.monitor = monitor
    }

    /// Runs until a clean stop (returns) or a failure (throws ``LocalSessionError``). `stop`
    /// turns SIGINT, SIGTERM and SIGHUP (and the view's quit key) into a clean stop.
    public func run(stop: StopSignals) async throws {
        defer { monitor.linkChanged(to: .ended) }
        let identity: ExecutableIdentity
        do {
            identity = try ExecutableIdentity.current()
        } catch {
            throw LocalSessionError.cannotReadOwnExecutable("\(error)")
        }
        let target = options.target
        let argv = target.argv(sshCommand: options.sshCommand, remoteCommand: ["sh"])
        logger.info("connecting to \(target.displayName)", metadata: ["build": "\(identity.summary)"])
        let transport: TransportProcess
        do {
            transport = try await TransportProcess.launch(argv: argv, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        } catch {
            throw LocalSessionError.cannotStartTransport("\(error)")
        }
        let outcome: Result<FrameSession.End, any Error>
        do {
            let end = try await transport.stdio.executeThenClose { inbound, outbound in
                try await self.bridge(identity: identity, inbound: inbound, outbound: outbound, stop: stop)
            }
            outcome = .success(end)
        } catch {
            outcome = .failure(error)
        }
        let status = await transport.stop(grace: .seconds(5))
        let tail = transport.stderrTail.snapshot
        // Ctrl-C at a terminal reaches ssh too (it shares our process group so that it can
        // prompt), so the link may close a moment before our own handler sees the signal.
        if stop.requested == nil, Self.mayBeSignalRace(outcome) { try? await Task.sleep(for: .milliseconds(300)) }
        if let signal = stop.requested, Self.mayBeSignalRace(outcome) {
            logger.info("stopped (\(StopSignals.name(signal))); disconnected from \(target.displayName)")
            return
        }
        switch outcome {
        case .success(.stopped), .success(.peerSaidGoodbye):
            if case .success(.peerSaidGoodbye(let reason)) = outcome { logger.info("the agent ended the session: \(reason)") }
            logger.info("disconnected from \(target.displayName)")
        case .success(.linkClosed):
            throw LocalSessionError.linkLost(target: target.displayName, status: status, stderr: tail)
        case .success(.linkDead(let silence)):
            throw LocalSessionError.linkDead(target: target.displayName, silentFor: silence)
        case .failure(let error):
            throw LocalSessionError.classify(error, target: target.displayName, status: status, stderr: tail)
        }
    }

    /// True for an end that a stop signal arriving at the same time would explain.
    private static func mayBeSignalRace(_ outcome: Result<FrameSession.End, any Error>) -> Bool {
        switch outcome {
        case .success(.linkClosed), .failure: return true
        default: return false
        }
    }

    /// Delivery, handshake and serving, over the transport's stdio.
    private func bridge(
        identity: ExecutableIdentity,
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        stop: StopSignals
    ) async throws -> FrameSession.End {
        var iterator = inbound.makeAsyncIterator()
        let delivery = AgentDelivery(identity: identity, agentArguments: ["--trace", options.traceLevel.rawValue], logger: logger)
        let report = try await delivery.run(inbound: &iterator, outbound: outbound)
        let milliseconds = report.elapsed.components.seconds * 1000 + report.elapsed.components.attoseconds / 1_000_000_000_000_000
        logger.info("agent started in \(milliseconds) ms (\(report.cached ? "cached build reused" : "build sent and stored"), running as \(report.how))")

        var reader = FrameReader(iterator: iterator, leftover: report.leftover)
        let session = FrameSession(writer: FrameWriter(outbound: outbound), logger: logger)
        let hello = Hello(
            role: .local,
            build: BuildIdentity(contentHash: identity.sha256, version: ExecutableIdentity.version),
            capabilities: [],
            logLevel: options.traceLevel.wireLevel,
            session: .random()
        )
        let established = try await session.handshake(ours: hello, reader: &reader)
        logger.info("connected to \(options.target.displayName): protocol \(established.version), agent \(established.peer.build), capabilities \(established.capabilities)")
        monitor.linkChanged(to: .connected(since: .now))
        return try await serveFlows(session: session, reader: reader, stop: stop)
    }

    /// Runs the bridge proper: advertises routes, relays UDP and ping, and keeps the NAT tables
    /// and the advertisement fresh, until the link ends.
    private func serveFlows(session: FrameSession, reader: FrameReader, stop: StopSignals) async throws -> FrameSession.End {
        let group = MultiThreadedEventLoopGroup.singleton
        let outbox = FrameOutbox()
        let routes = LocalRoutes(extra: options.routes, excluded: options.excluded, logger: logger)
        let udp = UDPRelay(group: group, sink: outbox, policy: routes, monitor: monitor, logger: Logger(label: "udp"),
                           capacity: options.udpFlowLimit, idleTimeout: options.udpIdleTimeout)
        let echo = EchoRelay(group: group, sink: outbox, policy: routes, monitor: monitor, logger: Logger(label: "ping"),
                             capacity: max(1, options.udpFlowLimit / 4), idleTimeout: options.udpIdleTimeout)
        let tcp = TCPRelay(group: group, sink: outbox, policy: routes, monitor: monitor, logger: Logger(label: "tcp"))
        let resolver = LocalResolver(exchange: DNSExchange(group: group, udpTimeout: .seconds(1)), monitor: monitor,
                                     logger: Logger(label: "local"))
        defer {
            udp.closeAll()
            echo.closeAll()
            tcp.closeAll()
        }
        outbox.send(.dnsConfig(enabled: options.dns, domains: options.dnsDomains))
        if let advertised = routes.refresh() { outbox.send(.routes(advertised)) }
        let agentLogger = Logger(label: "agent")
        return try await withThrowingTaskGroup(of: FrameSession.End?.self) { tasks in
            tasks.addTask {
                // Ends when the link closes under it; the serving task reports how the link ended.
                try? await outbox.drain(into: session)
                return nil
            }
            tasks.addTask {
                // Housekeeping: idle NAT records expire; a changed routing table is re-advertised.
                var tick = 0
                while true {
                    try await Task.sleep(for: .seconds(1))
                    udp.expireIdle()
                    echo.expireIdle()
                    self.monitor.sweep()
                    tick += 1
                    if tick % 2 == 0, let advertised = routes.refresh() { outbox.send(.routes(advertised)) }
                }
            }
            tasks.addTask {
                try await session.serve(reader: reader, stop: stop) { frame in
                    switch frame {
                    case .udpDatagram(let source, let destination, let payload):
                        await udp.forward(source: source, destination: destination, payload: payload)
                    case .icmpEchoRequest(let request):
                        await echo.forward(request)
                    case .tcpOpen(let stream, let source, let destination, let window):
                        // A connect() may take minutes (an unanswering host); never hold the reader.
                        Task { await tcp.open(stream: stream, source: source, destination: destination, window: window) }
                    case .data, .windowCredit, .halfClose, .reset:
                        tcp.handle(frame)
                    case .dnsQuery(let id, let payload):
                        resolver.answer(id: id, payload: payload, sink: outbox)
                    case .log(let level, let message):
                        agentLogger.log(level: level.loggerLevel, "\(message)")
                    default:
                        agentLogger.debug("ignoring \(frame.kind) frame: not handled by this version")
                    }
                }
            }
            defer { outbox.finish() }
            while let result = try await tasks.next() {
                if let end = result {
                    tasks.cancelAll()
                    return end
                }
            }
            return .linkClosed
        }
    }
}
