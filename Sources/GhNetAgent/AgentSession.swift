import Foundation
import GhNetAddress
import GhNetCore
import GhNetWire
import Logging
import NIOCore
import NIOPosix

/// The agent: runs in the codespace as root, speaks frames on its own stdin/stdout (the
/// transport), logs on stderr (which the local side drains into its log), and undoes everything
/// it set up when the link ends, a goodbye arrives or a stop signal comes.
public final class AgentSession: Sendable {
    private let logger: Logger
    private let traceLevel: TraceLevel
    private let transportPeer: IPAddress?

    /// `transportPeer` is the address the SSH connection comes from: never routed into the tunnel.
    public init(logger: Logger, traceLevel: TraceLevel, transportPeer: IPAddress?) {
        self.logger = logger
        self.traceLevel = traceLevel
        self.transportPeer = transportPeer
    }

    /// Runs until the link ends; throws ``AgentSessionError`` on a failure.
    public func run() async throws {
        // Signals first, so that a newer agent asking this one to stop never finds the default
        // action (death without clean-up) in place.
        let stop = StopSignals([SIGINT, SIGTERM, SIGHUP, AgentInstanceLock.takeoverSignal])
        // One agent at a time: an older one (a lost session's, or another laptop's) stops and
        // cleans up before this one touches anything. Held until the process exits.
        let instance: AgentInstanceLock
        do {
            let outcome: AgentInstanceLock.Outcome
            (instance, outcome) = try await AgentInstanceLock.acquire()
            if case .tookOver(let pid, let forced) = outcome {
                logger.info("took over from the agent of an earlier session (pid \(pid)\(forced ? ", killed: it did not stop in time" : ""))")
            }
        } catch {
            throw AgentSessionError.anotherAgent("\(error)")
        }
        defer { withExtendedLifetime(instance) {} }
        // Then: undo a DNS hook that an agent killed without cleaning up left behind.
        let resolvConf = ResolvConfHook()
        resolvConf.recoverAfterCrash(logger: logger)
        let buildHash = ExecutableIdentity.cachedHash() ?? (try? ExecutableIdentity.current())?.sha256 ?? "unknown"
        HeapTuning.applyForBulkTransfers()
        // The DNS listeners' connections and upstream sockets (TCP needs no descriptor per connection here).
        DescriptorLimit.raise()
        // The pipes from and to sshd: larger, so bulk data moves in fewer, larger reads and writes.
        PipeCapacity.enlarge(STDIN_FILENO)
        PipeCapacity.enlarge(STDOUT_FILENO)
        // One loop for the whole packet path: the stream, the TUN device and the TCP endpoints.
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let link: FrameLink
        do {
            link = try await FrameLink.configure(NIOPipeBootstrap(group: loop))
                .takingOwnershipOfDescriptors(input: dup(STDIN_FILENO), output: dup(STDOUT_FILENO)) { channel in
                    channel.eventLoop.makeCompletedFuture { try FrameLink.install(on: channel) }
                }
        } catch {
            throw AgentSessionError.stdio("\(error)")
        }
        // The frames own stdin/stdout now; nothing else may write to stdout.
        let devNull = open("/dev/null", O_RDWR)
        dup2(devNull, STDIN_FILENO)
        dup2(devNull, STDOUT_FILENO)
        close(devNull)

        let end: FrameSession.End
        do {
            let session = FrameSession(link: link, logger: logger)
            let hello = Hello(
                role: .agent,
                build: BuildIdentity(contentHash: buildHash, version: ExecutableIdentity.version),
                capabilities: .implemented,
                logLevel: traceLevel.wireLevel,
                session: .none
            )
            let established = try await session.handshake(ours: hello)
            logger.info("connected: protocol \(established.version), local side \(established.peer.build), pid \(getpid())")
            end = try await bridge(session: session, capabilities: established.capabilities, stop: stop, resolvConf: resolvConf)
            await link.close()
        } catch let refused as FrameSession.Refused {
            await link.close()
            throw AgentSessionError.refused(refused.reason)
        } catch let failure as AgentSessionError {
            await link.close()
            throw failure
        } catch {
            await link.close()
            throw AgentSessionError.link("\(error)")
        }
        switch end {
        case .stopped(let signal):
            logger.info("stopped by \(StopSignals.name(signal)); cleaned up")
        case .peerSaidGoodbye(let reason):
            logger.info("the local side ended the session (\(reason)); cleaned up")
        case .linkClosed:
            logger.info("the link closed; cleaned up")
        case .linkDead(let silence):
            throw AgentSessionError.link("nothing heard from the local side for \(silence.components.seconds) s; cleaned up")
        }
    }
}

extension AgentSession {
    /// Sets up the TUN device and routes, then serves frames and packets until the link ends;
    /// the device and routes are removed however it ends.
    private func bridge(session: FrameSession, capabilities: Capabilities, stop: StopSignals,
                        resolvConf: ResolvConfHook) async throws -> FrameSession.End {
        let bridge: AgentBridge
        do {
            bridge = try await AgentBridge.start(session: session, capabilities: capabilities, transportPeer: transportPeer,
                                                 resolvConf: resolvConf, logger: logger)
        } catch {
            // A refusal, not a goodbye: the local side ends with a failure and does not try again.
            session.send(.refuse(reason: "it cannot set up its TUN device: \(error)"))
            await session.link.finishOutput(waitingAtMost: .seconds(2))
            throw AgentSessionError.tun("\(error)")
        }
        let end: Result<FrameSession.End, any Error>
        do {
            end = .success(try await session.serve(stop: stop) { frame in bridge.frameFromLocal(frame) })
        } catch {
            end = .failure(error)
        }
        await bridge.shutdown()
        return try end.get()
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
