import Foundation
import GhNetAddress
import GhNetCore
import GhNetResolver
import GhNetWire
import Logging
import NIOCore
import NIOPosix
import Subprocess
import Synchronization

/// The local side of one bridge: starts the transport, delivers and starts the agent, completes
/// the handshake, then serves the link until the user stops it or the link ends — and, when a
/// session that was up is lost, starts a new one (``ReconnectSchedule``).
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
        /// Start a new session by itself when one that was up is lost (`--reconnect`).
        public var reconnect: Bool
        /// How long the agent keeps a session whose transport dropped, for the next one to
        /// resume (`--resume-grace`); zero (or no ``reconnect``) turns resuming off.
        public var resumeGrace: Duration

        public init(target: TransportTarget, sshCommand: [String], traceLevel: TraceLevel,
                    routes: [IPPrefix] = [], excluded: [IPPrefix] = [],
                    udpIdleTimeout: Duration = .seconds(60), udpFlowLimit: Int = 4096,
                    dns: Bool = true, dnsDomains: [String] = [], reconnect: Bool = true, resumeGrace: Duration = .seconds(180)) {
            self.target = target
            self.sshCommand = sshCommand
            self.traceLevel = traceLevel
            self.routes = routes
            self.excluded = excluded
            self.udpIdleTimeout = udpIdleTimeout
            self.udpFlowLimit = udpFlowLimit
            self.dns = dns
            self.dnsDomains = dnsDomains
            self.reconnect = reconnect
            self.resumeGrace = resumeGrace
        }

        /// Whether sessions may resume after a dropped transport.
        var resumes: Bool { reconnect && resumeGrace > .zero }
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
    /// turns SIGINT, SIGTERM and SIGHUP (and the view's quit key) into a clean stop. With
    /// ``Options/reconnect``, a session that was up and is lost is started again
    /// (``ReconnectSchedule``) until one is up again or the user stops.
    @discardableResult
    public func run(stop: StopSignals) async throws -> String? {
        defer { monitor.linkChanged(to: .ended) }
        let identity: ExecutableIdentity
        do {
            identity = try ExecutableIdentity.current()
        } catch {
            throw LocalSessionError.cannotReadOwnExecutable("\(error)")
        }
        HeapTuning.applyForBulkTransfers()
        Self.raiseDescriptorLimit(logger: logger)
        var schedule = ReconnectSchedule(enabled: options.reconnect)
        // Every transport of the run on one loop: a session that lost its transport keeps its
        // sockets there, and the next transport's link must join them.
        let run = Run(loop: MultiThreadedEventLoopGroup.singleton.next())
        defer { run.held?.close() }
        // A second stop while the first one's clean-up runs: stop waiting for the codespace.
        let insisting = Task {
            guard await stop.wait() != nil else { return }
            logger.info("a second Ctrl-C stops without waiting for \(options.target.displayName) to clean up")
            guard await stop.waitForRepeat() != nil else { return }
            logger.warning("stopping at once: not waiting for \(options.target.displayName) to clean up")
            await run.cut.cut()
        }
        defer { insisting.cancel() }
        while true {
            var served = false
            // The agent gives a lost session up after its grace: so do we, closing its sockets.
            if let held = run.held, ContinuousClock.now - run.heldSince > options.resumeGrace + .seconds(10) {
                logger.info("the session was not resumed within \(options.resumeGrace.components.seconds) s: its connections end")
                held.close()
                run.held = nil
            }
            do {
                try await runOnce(identity: identity, stop: stop, unattended: schedule.wasUp, run: run, served: &served)
                return await farewell(identity: identity, run: run, stop: stop)
            } catch LocalSessionError.refused(let reason) where schedule.wasUp && reason.contains(RefusalReason.takenOverWhileAway) {
                // Like being taken over while connected: that gh-net won, this one ends.
                let told = reason.range(of: RefusalReason.takenOverWhileAway).map { reason[$0.lowerBound...] } ?? reason[...]
                return "\(options.target.displayName): \(told)"
            } catch let error as LocalSessionError {
                let decision = schedule.attemptFailed(with: error, served: served)
                guard stop.requested == nil, case .retry(let attempt, let delay) = decision else { throw error }
                logger.warning("\(error.description); reconnecting in \(delay.components.seconds) s (attempt \(attempt))")
                monitor.linkChanged(to: .reconnecting(attempt: attempt))
                if let signal = await stop.wait(atMost: delay) {
                    logger.info("stopped (\(StopSignals.name(signal))) while reconnecting to \(options.target.displayName)")
                    return await farewell(identity: identity, run: run, stop: stop)
                }
            }
        }
    }

    /// The cipher order for the next transport (``SSHCipherProbe``), asked anew for each since
    /// the ssh config may change while gh-net runs; logged when it changes.
    private func cipherOptions(run: Run) async -> [String] {
        guard let decision = await SSHCipherProbe.decide(target: options.target, sshCommand: options.sshCommand) else { return [] }
        let sshOptions = decision.sshOptions
        guard sshOptions != run.sshOptions else { return sshOptions }
        run.sshOptions = sshOptions
        switch decision {
        case .prefer(let ciphers):
            logger.info("ssh: offering \(ciphers[0]) first (this CPU has AES instructions and no ssh config chooses the ciphers)")
        case .leave(let reason):
            logger.debug("ssh: cipher order left to ssh: \(reason)")
        }
        return sshOptions
    }

    /// How long a stop while reconnecting may spend reaching the agent to end the session:
    /// `gh codespace ssh` first asks GitHub for the codespace and opens its tunnel.
    static func farewellLimit(for target: TransportTarget) -> Duration {
        if case .codespace = target { return .seconds(15) }
        return .seconds(5)
    }

    /// After a stop while the agent holds the session (its transport was gone): one more
    /// transport, for at most ``farewellLimit(for:)`` until the session is served, only to say
    /// goodbye, so that the codespace removes its routes and DNS hook now rather than at the end
    /// of its grace. Its agent runs with `--resume-only`: if no agent holds the session any more,
    /// it refuses instead of taking the codespace over (from another laptop, say). Gives what
    /// the user should know if the goodbye did not get through.
    private func farewell(identity: ExecutableIdentity, run: Run, stop: StopSignals) async -> String? {
        guard let held = run.held else { return nil }
        guard !run.cut.isCut else { return parting(run) }
        guard ContinuousClock.now - run.heldSince < options.resumeGrace else {
            // The agent has given the session up by now, and cleaned up by itself.
            held.close()
            run.held = nil
            return nil
        }
        let limit = Self.farewellLimit(for: options.target)
        logger.info("telling \(options.target.displayName) to end the session (at most \(limit.components.seconds) s to reach it)")
        // The user's stop has fired already: this attempt gets its own, fired with the same
        // signal once this transport's session is served (serving then starts with the
        // goodbye), or when the time is up.
        let signal = stop.requested ?? StopSignals.userRequest
        let farewellStop = StopSignals([])
        let timer = Task {
            try? await Task.sleep(for: limit)
            guard !Task.isCancelled else { return }
            farewellStop.requestStop(StopSignals.timeUp)
        }
        defer { timer.cancel() }
        var served = false
        do {
            try await runOnce(identity: identity, stop: farewellStop, unattended: true, run: run, served: &served,
                              farewell: { farewellStop.requestStop(signal) })
        } catch LocalSessionError.refused(let reason) {
            logger.info("\(options.target.displayName) no longer held the session, so nothing was left to end (\(reason))")
            held.close()
            run.held = nil
        } catch {
            logger.info("could not tell it: \(error)")
        }
        return parting(run)
    }

    /// After a stop that left the agent holding the session (its transport was gone): what the
    /// user should know, once the terminal is theirs again.
    private func parting(_ run: Run) -> String? {
        guard run.held != nil else { return nil }
        return "\(options.target.displayName) keeps its routes and DNS hook for up to \(options.resumeGrace.components.seconds) s, for this session to come back (--resume-grace)"
    }

    /// Every flow holds a socket: the open-file limit must not be what caps them.
    private static func raiseDescriptorLimit(logger: Logger) {
        guard let limit = DescriptorLimit.raise() else { return }
        if limit < DescriptorLimit.wanted {
            logger.warning("this process may open only \(limit) files (ulimit -n): connections and UDP flows beyond about that many fail")
        }
    }

    /// What lasts from one transport to the next.
    private final class Run: @unchecked Sendable {
        /// The loop of every transport and socket.
        let loop: any EventLoop
        /// The session id the hellos carry (the agent that still holds it resumes it): drawn
        /// anew for every transport that carries no held session.
        var session = SessionID.none
        /// The session whose transport dropped, with its flows, while it may still resume.
        var held: HeldSession?
        /// When ``held`` lost its transport.
        var heldSince = ContinuousClock.now
        /// The cipher options the last transport was given (nil before the first).
        var sshOptions: [String]?
        /// Closes the transports under way at a second stop.
        let cut = TransportCut()
        /// This run's id, given to every agent it starts (`--run`): an agent of another run is
        /// another `gh-net start`, which a reconnect does not take the codespace back from.
        let id = String(UInt64.random(in: 1...UInt64.max), radix: 16)

        init(loop: any EventLoop) {
            self.loop = loop
        }
    }

    /// A session whose transport is gone, kept with every flow so that the next transport can
    /// resume it (the agent holds its side meanwhile).
    private struct HeldSession {
        let session: FrameSession
        let flows: Flows

        /// The session will not resume: every flow ends.
        func close() { flows.close() }
    }

    /// One transport: starts it, delivers the agent, serves until the end. `served` becomes
    /// true once the handshake completed. `unattended` (a reconnect): ssh may not prompt.
    /// `farewell`, for the attempt that only ends a held session (``farewell(identity:run:stop:)``):
    /// called once that session is served.
    private func runOnce(identity: ExecutableIdentity, stop: StopSignals, unattended: Bool, run: Run, served: inout Bool,
                         farewell: (@Sendable () -> Void)? = nil) async throws {
        let target = options.target
        let sshOptions = await cipherOptions(run: run)
        // A second stop during the probe: the last attempt is not made (`farewell` says why).
        guard !run.cut.isCut else { return }
        let argv = target.argv(sshCommand: options.sshCommand, remoteCommand: ["sh"], unattended: unattended, sshOptions: sshOptions)
        logger.info("connecting to \(target.displayName)", metadata: ["build": "\(identity.summary)"])
        let transport: TransportProcess
        do {
            transport = try await TransportProcess.launch(argv: argv, loop: run.loop, logger: logger)
        } catch {
            throw LocalSessionError.cannotStartTransport("\(error)")
        }
        run.cut.register(transport.link, onCut: transport.stopWaiting)
        defer { run.cut.unregister(transport.link) }
        let outcome: Result<FrameSession.End, any Error>
        do {
            outcome = .success(try await bridge(identity: identity, link: transport.link, stop: stop, run: run, served: &served,
                                                   reconnecting: unattended, farewell: farewell))
        } catch {
            outcome = .failure(error)
        }
        await transport.link.close()
        // A stop before serving (ssh still connecting or prompting, SIGINT ignored), or a goodbye
        // the link never answered (ssh waits on a dead connection): end it now. A second stop
        // ends the grace through the cut (`stopWaiting`).
        let deadEnd = (stop.requested != nil && !served) || Self.isUnansweredStop(outcome)
        let status = await transport.stop(grace: deadEnd ? .zero : .seconds(5))

        let tail = transport.stderrTail.snapshot
        // A hang-up or a SIGTERM to our process group reaches the transport too (it shares the
        // group so that ssh can prompt; only SIGINT is ignored there), so the link may close a
        // moment before our own handler sees the signal.
        if stop.requested == nil, Self.mayBeSignalRace(outcome) { try? await Task.sleep(for: .milliseconds(300)) }
        if let signal = stop.requested, Self.mayBeSignalRace(outcome) {
            logger.info("stopped (\(StopSignals.name(signal))); disconnected from \(target.displayName)")
            return
        }
        switch outcome {
        case .success(.stopped), .success(.peerSaidGoodbye):
            if case .success(.peerSaidGoodbye(let reason)) = outcome { logger.info("the agent ended the session: \(reason)") }
            logger.info("disconnected from \(target.displayName)")
        case .success(.stoppedUnanswered):
            // With resume agreed the session is kept (`bridge`), and the farewell says goodbye
            // again over a new transport.
            logger.info("\(target.displayName) did not confirm the end of the session: the goodbye may have been lost with the link; disconnected")
        case .success(.linkClosed):
            throw LocalSessionError.linkLost(target: target.displayName, status: status, stderr: tail)
        case .success(.linkDead(let silence)):
            throw LocalSessionError.linkDead(target: target.displayName, silentFor: silence)
        case .failure(let error):
            throw LocalSessionError.classify(error, target: target.displayName, status: status, stderr: tail)
        }
    }

    /// True for a stop whose goodbye the agent never answered.
    private static func isUnansweredStop(_ outcome: Result<FrameSession.End, any Error>) -> Bool {
        if case .success(.stoppedUnanswered) = outcome { true } else { false }
    }

    /// True for an end that a stop signal arriving at the same time would explain.
    private static func mayBeSignalRace(_ outcome: Result<FrameSession.End, any Error>) -> Bool {
        switch outcome {
        case .success(.linkClosed), .failure: return true
        default: return false
        }
    }

    /// Delivery, handshake and serving, over the transport's stdio.
    /// `reconnecting`: a session of this run was up before (the agent then leaves another run's alone).
    private func bridge(identity: ExecutableIdentity, link: FrameLink, stop: StopSignals, run: Run, served: inout Bool,
                        reconnecting: Bool, farewell: (@Sendable () -> Void)?) async throws -> FrameSession.End {
        // Until serving starts, a stop signal closes the link: delivery or handshake then fail,
        // and `run` reports the stop (a transport that hangs must not make gh-net unstoppable).
        // Once serving has started, the session's own goodbye handles a stop instead.
        let phase = StartPhaseBox()
        let stopWatcher = Task {
            guard await stop.wait() != nil else { return }
            if phase.move(from: .settingUp, to: .closing) { await link.close() }
        }
        defer { stopWatcher.cancel() }
        // A farewell's agent only ever resumes: it must not start a fresh session, which would
        // take the codespace over.
        let delivery = AgentDelivery(identity: identity, agentArguments: [
            "--trace", options.traceLevel.rawValue, "--resume-grace", "\(options.resumeGrace.components.seconds)", "--run", run.id,
        ] + (farewell != nil ? ["--resume-only"] : reconnecting ? ["--reconnecting"] : []), logger: logger)
        let report = try await delivery.run(link: link)
        let milliseconds = report.elapsed.components.seconds * 1000 + report.elapsed.components.attoseconds / 1_000_000_000_000_000
        logger.info("agent started in \(milliseconds) ms (\(report.cached ? "cached build reused" : "build sent and stored"), running as \(report.how))")

        // The session that lost its transport goes on over this one if the agent still holds it;
        // otherwise this one is fresh, with an id no agent holds.
        let held = run.held
        if held == nil { run.session = .random() }
        let session: FrameSession
        if let held {
            held.session.attach(link)
            session = held.session
        } else {
            session = FrameSession(link: link, logger: logger)
        }
        let hello = Hello(
            role: .local,
            build: BuildIdentity(contentHash: identity.sha256, version: ExecutableIdentity.version),
            capabilities: options.resumes ? .implemented : Capabilities.implemented.subtracting(.resume),
            logLevel: options.traceLevel.wireLevel,
            session: run.session
        )
        let established = try await session.handshake(ours: hello, leftover: report.leftover)
        _ = phase.move(from: .settingUp, to: .serving)
        stopWatcher.cancel()
        served = true
        farewell?()
        let flows: Flows
        if let held, established.isResumed {
            logger.info(farewell == nil ? "connected to \(options.target.displayName) again: the session resumed, its connections go on"
                                        : "reached \(options.target.displayName) again: ending the session")
            flows = held.flows
        } else {
            if let held {
                logger.info("the agent no longer held the session: its connections were reset")
                held.close()
            }
            logger.info("connected to \(options.target.displayName): protocol \(established.version), agent \(established.peer.build), capabilities \(established.capabilities)")
            flows = startFlows(session: session)
        }
        run.held = nil
        if farewell == nil { monitor.linkChanged(to: .connected(since: .now)) }
        let end: FrameSession.End
        do {
            end = try await session.serve(stop: stop) { frame in flows.handle(frame) }
        } catch {
            keepOrClose(session: session, flows: flows, established: established, lost: FrameSession.mayResume(after: error), run: run)
            throw error
        }
        switch end {
        case .linkClosed, .linkDead, .stoppedUnanswered:
            keepOrClose(session: session, flows: flows, established: established, lost: true, run: run)
        case .stopped, .peerSaidGoodbye: flows.close()
        }
        return end
    }

    /// After a lost transport, a session that can resume is kept (its sockets stay open, their
    /// bytes wait) for the next one; otherwise its flows end.
    private func keepOrClose(session: FrameSession, flows: Flows, established: Handshake.Agreement, lost: Bool, run: Run) {
        if lost && options.resumes && established.capabilities.contains(.resume) {
            run.held = HeldSession(session: session, flows: flows)
            run.heldSince = .now
        } else {
            flows.close()
        }
    }

    /// Where ``bridge(identity:link:stop:served:)`` is, for a stop signal.
    private enum StartPhase {
        /// Delivery or handshake: a stop closes the link.
        case settingUp
        /// A stop closed the link.
        case closing
        /// Serving: the session handles a stop with a goodbye.
        case serving
    }

    /// The start phase, shared by the bridge and its stop watcher.
    private final class StartPhaseBox: Sendable {
        private let phase = Mutex(StartPhase.settingUp)

        /// Moves to `next` if the phase is `current`; true when it did.
        func move(from current: StartPhase, to next: StartPhase) -> Bool {
            phase.withLock { phase in
                guard phase == current else { return false }
                phase = next
                return true
            }
        }
    }

    /// Starts the bridge proper: advertises routes, relays TCP, UDP, ping and DNS, and keeps
    /// the NAT tables and the advertisement fresh. Every socket of the data path lives on the
    /// link's event loop, where the frames are handled.
    private func startFlows(session: FrameSession) -> Flows {
        let loop = session.link.eventLoop
        let routes = LocalRoutes(extra: options.routes, excluded: options.excluded, logger: logger)
        let udp = UDPRelay(loop: loop, sink: session, policy: routes, monitor: monitor, logger: Logger(label: "udp"),
                           capacity: options.udpFlowLimit, idleTimeout: options.udpIdleTimeout)
        let echo = EchoRelay(loop: loop, sink: session, policy: routes, monitor: monitor, logger: Logger(label: "ping"),
                             capacity: max(1, options.udpFlowLimit / 4), idleTimeout: options.udpIdleTimeout)
        let tcp = TCPRelay(loop: loop, sink: session, policy: routes, monitor: monitor, logger: Logger(label: "tcp"))
        let resolver = LocalResolver(loop: loop, exchange: DNSExchange(udpTimeout: .seconds(1)),
                                     monitor: monitor, logger: Logger(label: "local"))
        session.send(.dnsConfig(enabled: options.dns, domains: options.dnsDomains))
        if let advertised = routes.refresh() { session.send(.routes(advertised)) }
        // Housekeeping: idle NAT records expire; a changed routing table is re-advertised. The
        // table is read on a pool thread (a VPN's table can be long, and the data path waits for
        // nothing), one read at a time, so advertisements leave in the order they were read.
        let monitor = self.monitor
        let tick = NIOLoopBoundBox.makeBoxSendingValue(0, eventLoop: loop)
        let refreshing = NIOLoopBoundBox.makeBoxSendingValue(false, eventLoop: loop)
        let housekeeping = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            udp.expireIdle()
            echo.expireIdle()
            monitor.sweep()
            tick.value += 1
            guard tick.value % 2 == 0, !refreshing.value else { return }
            refreshing.value = true
            NIOThreadPool.singleton.runIfActive(eventLoop: loop) { routes.refresh() }.whenComplete { result in
                refreshing.value = false
                if case .success(let advertised?) = result { session.send(.routes(advertised)) }
            }
        }
        return Flows(session: session, udp: udp, echo: echo, tcp: tcp, resolver: resolver, housekeeping: housekeeping)
    }
}
