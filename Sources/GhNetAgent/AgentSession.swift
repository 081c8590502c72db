import Foundation
import GhNetAddress
import GhNetCore
import GhNetWire
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The agent: runs in the codespace as root, speaks frames on its own stdin/stdout (the
/// transport), logs on stderr (which the local side drains into its log), and undoes everything
/// it set up when the link ends, a goodbye arrives or a stop signal comes.
public final class AgentSession: Sendable {
    private let logger: Logger
    private let traceLevel: TraceLevel
    private let transportPeer: IPAddress?

    /// How long a session whose transport dropped is kept, waiting for the local side to come
    /// back (``AgentHandoverListener``), before it is cleaned up as at any other end.
    private let resumeGrace: Duration

    /// Only hand the transport over to the agent that holds its session (`--resume-only`, the
    /// local side's last attempt to end a session): when none does, refuse rather than start a
    /// fresh session, which would take the codespace over from whoever runs it now.
    private let resumeOnly: Bool

    /// The gh-net run (one `gh-net start`) this agent serves, recorded with the instance lock.
    private let run: String?

    /// This transport reconnects ``run``: an agent of another run holding the codespace took it
    /// over meanwhile, and is left alone (the local side is refused instead).
    private let reconnecting: Bool

    /// `transportPeer` is the address the SSH connection comes from: never routed into the tunnel.
    public init(logger: Logger, traceLevel: TraceLevel, transportPeer: IPAddress?, resumeGrace: Duration = .seconds(180),
                resumeOnly: Bool = false, run: String?, reconnecting: Bool) {
        self.logger = logger
        self.traceLevel = traceLevel
        self.transportPeer = transportPeer
        self.resumeGrace = resumeGrace
        self.resumeOnly = resumeOnly
        self.run = run
        self.reconnecting = reconnecting
    }

    /// Runs until the session ends; throws ``AgentSessionError`` on a failure.
    public func run() async throws {
        // A write to the stderr of an SSH session that is gone must fail, not kill us.
        signal(SIGPIPE, SIG_IGN)
        // Signals first, so that a newer agent asking this one to stop never finds the default
        // action (death without clean-up) in place.
        let stop = StopSignals([SIGINT, SIGTERM, SIGHUP, AgentInstanceLock.takeoverSignal])
        let buildHash = ExecutableIdentity.cachedHash() ?? (try? ExecutableIdentity.current())?.sha256 ?? "unknown"
        // The local side's hello says which session it runs: the agent that still holds it (the
        // transport dropped, the session lives on) takes this transport over, and this process
        // only waits until that agent lets it go.
        let localHello: [UInt8]
        do {
            localHello = try StdinFrame.readOne()
        } catch {
            throw AgentSessionError.stdio("\(error)")
        }
        if let hello = StdinFrame.hello(in: localHello), hello.capabilities.contains(.resume), hello.session != .none,
           await handOver(session: hello.session, build: buildHash, alreadyRead: localHello, stop: stop) {
            return
        }
        if resumeOnly {
            logger.info("no agent here holds that session: nothing to end")
            Self.refuseOnStdout("no agent holds the session any more")
            return
        }
        // One agent at a time: an older one (a lost session's, or another laptop's) stops and
        // cleans up before this one touches anything. Held until the process exits.
        let instance: AgentInstanceLock
        do {
            let outcome: AgentInstanceLock.Outcome
            (instance, outcome) = try await AgentInstanceLock.acquire(run: run, sparingOtherRuns: reconnecting)
            if case .tookOver(let pid, let forced) = outcome {
                logger.info("took over from the agent of an earlier session (pid \(pid)\(forced ? ", killed: it did not stop in time" : ""))")
            }
        } catch AgentInstanceLock.LockError.heldByOtherRun(let pid) {
            logger.info("the agent with pid \(pid) serves another gh-net run, which took the codespace over: left alone")
            Self.refuseOnStdout("\(RefusalReason.takenOverWhileAway) (its agent has pid \(pid)); it is left alone")
            return
        } catch {
            throw AgentSessionError.anotherAgent("\(error)")
        }
        defer { withExtendedLifetime(instance) {} }
        // Then: undo a DNS hook that an agent killed without cleaning up left behind.
        let resolvConf = ResolvConfHook()
        resolvConf.recoverAfterCrash(logger: logger)
        HeapTuning.applyForBulkTransfers()
        // The DNS listeners' connections and upstream sockets (TCP needs no descriptor per connection here).
        DescriptorLimit.raise()
        // One loop for the whole packet path: the stream, the TUN device and the TCP endpoints.
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let link = try await Self.link(input: STDIN_FILENO, output: STDOUT_FILENO, on: loop, duplicating: true)
        // The frames own stdin/stdout now; nothing else may write to stdout.
        Self.detachStdio()

        let session = FrameSession(link: link, logger: logger)
        let end: FrameSession.End
        do {
            let established = try await session.handshake(ours: hello(build: buildHash, holding: .none),
                                                          leftover: ByteBuffer(bytes: localHello))
            logger.info("connected: protocol \(established.version), local side \(established.peer.build), pid \(getpid())")
            end = try await bridge(session: session, established: established, build: buildHash, stop: stop, resolvConf: resolvConf)
            // What is queued goes out first: the answer to the local side's goodbye among it.
            await session.link.finishOutput(waitingAtMost: .seconds(2))
            await session.link.close()
        } catch let refused as FrameSession.Refused {
            await session.link.close()
            throw AgentSessionError.refused(refused.reason)
        } catch let failure as AgentSessionError {
            await session.link.close()
            throw failure
        } catch {
            await session.link.close()
            throw AgentSessionError.link("\(error)")
        }
        switch end {
        case .stopped(let signal), .stoppedUnanswered(let signal):
            logger.info("stopped by \(StopSignals.name(signal)); cleaned up")
        case .peerSaidGoodbye(let reason):
            logger.info("the local side ended the session (\(reason)); cleaned up")
        case .linkClosed:
            logger.info("the link closed; cleaned up")
        case .linkDead(let silence):
            throw AgentSessionError.link("nothing heard from the local side for \(silence.components.seconds) s; cleaned up")
        }
    }

    /// Our hello: the session we hold (``SessionID/none`` when fresh).
    private func hello(build: String, holding session: SessionID) -> Hello {
        Hello(role: .agent, build: BuildIdentity(contentHash: build, version: ExecutableIdentity.version),
              capabilities: .implemented, logLevel: traceLevel.wireLevel, session: session)
    }

    /// Writes a `refuse` frame on stdout, where the local side waits for our hello (nothing else
    /// has used stdout yet). A failed write needs no handling: the local side then sees the
    /// transport end, which it treats the same.
    private static func refuseOnStdout(_ reason: String) {
        var frame = ByteBuffer()
        Frame.refuse(reason: reason).encode(into: &frame)
        let bytes = Array(frame.readableBytesView)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            sent += n
        }
    }

    /// Points stdin and stdout at /dev/null: the transport's pipes belong to a link (ours or
    /// the running agent's) from now on.
    private static func detachStdio() {
        let devNull = open("/dev/null", O_RDWR)
        dup2(devNull, STDIN_FILENO)
        dup2(devNull, STDOUT_FILENO)
        close(devNull)
    }

    /// A link on a pair of descriptors (copies of them with `duplicating`), on `loop`.
    private static func link(input: Int32, output: Int32, on loop: any EventLoop, duplicating: Bool) async throws -> FrameLink {
        // The pipes from and to sshd: larger, so bulk data moves in fewer, larger reads and writes.
        PipeCapacity.enlarge(input)
        PipeCapacity.enlarge(output)
        do {
            return try await FrameLink.configure(NIOPipeBootstrap(group: loop))
                .takingOwnershipOfDescriptors(input: duplicating ? dup(input) : input, output: duplicating ? dup(output) : output) { channel in
                    channel.eventLoop.makeCompletedFuture { try FrameLink.install(on: channel) }
                }
        } catch {
            throw AgentSessionError.stdio("\(error)")
        }
    }

    /// Offers this process's transport to the agent that holds `session`; true when it took it
    /// (this process then waited until that agent let it go).
    private func handOver(session: SessionID, build: String, alreadyRead: [UInt8], stop: StopSignals) async -> Bool {
        let (outcome, waiter) = AgentHandoverClient.offer(request: AgentHandoverRequest(session: session, build: build),
                                                          descriptors: [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO],
                                                          alreadyRead: alreadyRead)
        guard outcome == .handedOver, let waiter else { return false }
        // The running agent owns the transport now; ours must not keep its pipes open.
        Self.detachStdio()
        logger.debug("handed the transport to the running agent of session \(session)")
        // sshd ends the session's input when its child exits: stay until the agent lets go (the
        // session ended or moved to a newer transport), or a signal ends us.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumed = Mutex(false)
            let resume: @Sendable () -> Void = {
                if resumed.withLock({ done in defer { done = true }; return !done }) { continuation.resume() }
            }
            Thread { waiter.waitForRelease(); resume() }.start()
            Task { _ = await stop.wait(); resume() }
        }
        return true
    }
}

extension AgentSession {
    /// Sets up the TUN device and routes, then serves frames and packets until the session
    /// ends; the device and routes are removed however it ends. With resume agreed, a dropped
    /// transport does not end the session: it waits (``resumeGrace``) for the local side's next
    /// transport, which the next `gh-net agent` hands over (``AgentHandoverListener``).
    private func bridge(session: FrameSession, established: Handshake.Agreement, build: String, stop: StopSignals,
                        resolvConf: ResolvConfHook) async throws -> FrameSession.End {
        let bridge: AgentBridge
        do {
            bridge = try await AgentBridge.start(session: session, capabilities: established.capabilities, transportPeer: transportPeer,
                                                 resolvConf: resolvConf, logger: logger)
        } catch {
            // A refusal, not a goodbye: the local side ends with a failure and does not try again.
            session.send(.refuse(reason: "it cannot set up its TUN device: \(error)"))
            await session.link.finishOutput(waitingAtMost: .seconds(2))
            throw AgentSessionError.tun("\(error)")
        }
        let inbox = HandoverInbox()
        var listener: AgentHandoverListener?
        if established.capabilities.contains(.resume) && resumeGrace > .zero {
            do {
                listener = try AgentHandoverListener.start(
                    decide: { request in request.session == established.session && request.build == build },
                    adopt: { transport in
                        // A transport that has not noticed its end yet is done with (the one in
                        // use now, not the one this becomes).
                        let old = session.link
                        inbox.deliver(transport)
                        Task { await old.close() }
                    })
            } catch {
                logger.warning("sessions cannot resume after a drop: \(error)")
            }
        }
        let end: Result<FrameSession.End, any Error>
        do {
            end = .success(try await serve(session: session, established: established, build: build, stop: stop,
                                           inbox: listener == nil ? nil : inbox, bridge: bridge))
        } catch {
            end = .failure(error)
        }
        listener?.stop()
        inbox.releaseAll()
        await bridge.shutdown()
        return try end.get()
    }

    /// Serves transport after transport until the session ends.
    private func serve(session: FrameSession, established: Handshake.Agreement, build: String, stop: StopSignals,
                       inbox: HandoverInbox?, bridge: AgentBridge) async throws -> FrameSession.End {
        while true {
            let end: FrameSession.End
            do {
                end = try await session.serve(stop: stop) { frame in bridge.frameFromLocal(frame) }
            } catch {
                // The transport broke (a read error, a cut frame): as lost as a closed one.
                guard inbox != nil, FrameSession.mayResume(after: error) else { throw error }
                logger.info("the link failed: \(error)")
                end = .linkClosed
            }
            guard let inbox, stop.requested == nil else { return end }
            switch end {
            case .linkClosed, .linkDead: break
            case .stopped, .stoppedUnanswered, .peerSaidGoodbye: return end
            }
            await session.link.close()
            guard try await adoptNextTransport(session: session, inbox: inbox, build: build, holding: established.session,
                                               stop: stop, bridge: bridge) else {
                if let signal = stop.requested { return .stopped(signal: signal) }
                logger.info("the local side did not come back within \(resumeGrace.components.seconds) s")
                return end
            }
        }
    }
}

extension AgentSession {
    /// Waits at most ``resumeGrace`` for a transport handed over and goes on with the session
    /// over it; a transport that fails is dropped and the wait goes on to the same deadline.
    /// False at the deadline or at a stop signal.
    private func adoptNextTransport(session: FrameSession, inbox: HandoverInbox, build: String, holding held: SessionID,
                                    stop: StopSignals, bridge: AgentBridge) async throws -> Bool {
        let deadline = ContinuousClock.now + resumeGrace
        while let transport = await inbox.next(before: deadline, stop: stop) {
            // Our log lines go to the new session's stderr, which the local side reads.
            dup2(transport.errorOutput, STDERR_FILENO)
            close(transport.errorOutput)
            do {
                let link = try await Self.link(input: transport.input, output: transport.output, on: session.link.eventLoop,
                                               duplicating: false)
                session.attach(link)
                let again = try await session.handshake(ours: hello(build: build, holding: held),
                                                        leftover: ByteBuffer(bytes: transport.alreadyRead))
                logger.info("the local side is back (\(again.isResumed ? "session resumed" : "a fresh session"))")
                if !again.isResumed { bridge.resetStreams() }
                return true
            } catch let refused as FrameSession.Refused {
                throw refused
            } catch {
                logger.info("the handed-over transport failed: \(error)")
                await session.link.close()
            }
        }
        return false
    }
}

/// Why the agent ended with a failure.
public enum AgentSessionError: Error, CustomStringConvertible {
    /// stdin/stdout could not be used as the link.
    case stdio(String)
    /// The handshake refused the local side (or was refused).
    case refused(String)
    /// The link broke.
    case link(String)
    /// The TUN device or its routes could not be set up.
    case tun(String)
    /// An older agent holds the instance lock and would not stop.
    case anotherAgent(String)

    /// The process exit code.
    public var exitCode: Int32 { 1 }

    public var description: String {
        switch self {
        case .stdio(let detail): return "cannot use stdin/stdout as the link: \(detail)"
        case .refused(let reason): return reason
        case .link(let detail): return detail
        case .tun(let detail): return "cannot set up the TUN device: \(detail)"
        case .anotherAgent(let detail): return detail
        }
    }
}
