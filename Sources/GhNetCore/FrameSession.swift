import GhNetWire
import Logging
import NIOCore

/// The part of a session both sides share, run on the link's event loop: the hello exchange,
/// keepalives, dead-link detection, goodbye on a stop signal, and handing every other frame to
/// the side's own handler — synchronously, on the loop, so a frame reaches its socket or
/// connection without a thread change.
public final class FrameSession: FrameSink, @unchecked Sendable {
    /// How a served session ended.
    public enum End: Equatable, Sendable {
        /// A stop signal arrived; we said goodbye and the peer closed (or the grace ran out).
        case stopped(signal: Int32)
        /// The peer said goodbye with this reason.
        case peerSaidGoodbye(String)
        /// The stream ended without a goodbye (the transport died or the peer exited).
        case linkClosed
        /// Nothing arrived for this long: the link is dead.
        case linkDead(silentFor: Duration)
    }

    /// The peer refused us or we refused the peer: the reason names both builds.
    public struct Refused: Error, CustomStringConvertible {
        /// The sentence both sides print.
        public let reason: String
        /// True when the peer sent the refusal, false when we did.
        public let byPeer: Bool
        public var description: String { reason }
    }

    /// Something other than a frame error went wrong in the protocol.
    public struct ProtocolViolation: Error, CustomStringConvertible {
        public let description: String
    }

    /// How long the peer has to close its side after our goodbye.
    static let goodbyeGrace = TimeAmount.seconds(10)
    /// The same when a newer session takes over (SIGUSR1, the agent): it waits for us, and a
    /// live peer closes within milliseconds; a dead one never does.
    static let takeoverGoodbyeGrace = TimeAmount.seconds(2)

    /// How long the peer has after the goodbye that a stop by `signal` sends.
    static func goodbyeGrace(after signal: Int32) -> TimeAmount {
        signal == StopSignals.takeover ? takeoverGoodbyeGrace : goodbyeGrace
    }

    /// The link the session speaks over.
    public let link: FrameLink
    /// The session's logger (also used by helpers that write on its behalf).
    public let logger: Logger
    private var loop: any EventLoop { link.eventLoop }

    // Serving state, on the loop only.
    private var liveness = LinkLiveness(now: .now)
    private var heardSinceTick = false
    private var ticker: RepeatedTask?
    private var goodbyeTimer: Scheduled<Void>?
    private var stopSignal: Int32?
    private var endPromise: EventLoopPromise<End>?

    public init(link: FrameLink, logger: Logger) {
        self.link = link
        self.logger = logger
    }

    /// Sends one frame (from any thread).
    @discardableResult
    public func send(_ frame: Frame) -> Bool {
        link.send(frame)
    }

    /// The link is not congested (``FrameLink/isWritable``).
    public var isWritable: Bool { link.isWritable }

    /// ``FrameLink/whenWritableAgain(_:)``.
    public func whenWritableAgain(_ body: @escaping () -> Void) {
        link.whenWritableAgain(body)
    }

    /// How long the peer has to send its hello: a peer that is there but silent (a transport that
    /// never reaches the agent, an agent that hangs) ends the handshake as dead as a silent link
    /// ends a session (``LinkLiveness``).
    public static let handshakeTimeLimit: TimeAmount = .seconds(45)

    /// Sends our hello, reads the peer's, and either agrees on a version or refuses (telling the
    /// peer why). `leftover` holds bytes already read past the raw phase. Frames after the
    /// peer's hello wait, unread, for ``serve(stop:handle:)``. Fails when no hello came within
    /// ``handshakeTimeLimit``.
    public func handshake(ours: Hello, leftover: ByteBuffer = ByteBuffer()) async throws -> Handshake.Agreement {
        let promise = loop.makePromise(of: Handshake.Agreement.self)
        let link = self.link
        let loop = self.loop
        loop.execute {
            var machine = Handshake(hello: ours)
            var done = false
            var deadline: Scheduled<Void>?
            let finish = { (result: Result<Handshake.Agreement, any Error>) in
                guard !done else { return }
                done = true
                deadline?.cancel()
                link.pauseFrames()
                promise.completeWith(result)
            }
            deadline = loop.assumeIsolated().scheduleTask(in: Self.handshakeTimeLimit) {
                finish(.failure(ProtocolViolation(
                    description: "the \(ours.role.peer) sent no hello within \(Self.handshakeTimeLimit.nanoseconds / 1_000_000_000) s")))
            }
            link.send(machine.start())
            link.receiveFrames(leftover: leftover, ended: { end in
                switch end {
                case .closed: finish(.failure(ProtocolViolation(description: "the \(ours.role.peer) closed the link before its hello")))
                case .failed(let error): finish(.failure(error))
                }
            }) { frame in
                switch machine.receive(frame) {
                case .established(let agreement):
                    finish(.success(agreement))
                case .refuse(let reason):
                    link.send(.refuse(reason: reason))
                    link.finishOutput()
                    finish(.failure(Refused(reason: reason, byPeer: false)))
                case .peerRefused(let reason):
                    finish(.failure(Refused(reason: reason, byPeer: true)))
                case .protocolViolation(let reason):
                    finish(.failure(ProtocolViolation(description: reason)))
                }
            }
        }
        return try await promise.futureResult.get()
    }

    /// Serves the established link until it ends: answers keepalives, sends its own when quiet,
    /// watches for a dead link and for stop signals, and passes every other frame to `handle`,
    /// on the loop.
    public func serve(stop: StopSignals, handle: @escaping @Sendable (Frame) -> Void) async throws -> End {
        let promise = loop.makePromise(of: End.self)
        let loop = self.loop
        loop.execute { self.startServing(promise: promise, stop: stop, handle: handle) }
        // Queued on the loop after the start, so a signal that came earlier (during delivery or
        // set-up, when `wait()` returns at once) finds the session serving.
        let watcher = Task {
            guard let signal = await stop.wait() else { return }
            loop.execute { self.stopRequested(signal) }
        }
        defer { watcher.cancel() }
        return try await promise.futureResult.get()
    }

    private func startServing(promise: EventLoopPromise<End>, stop: StopSignals, handle: @escaping @Sendable (Frame) -> Void) {
        endPromise = promise
        liveness = LinkLiveness(now: .now)
        ticker = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in self.tick() }
        link.receiveFrames(leftover: ByteBuffer(), ended: { end in
            switch end {
            case .closed:
                if let signal = self.stopSignal ?? stop.requested { self.finish(.success(.stopped(signal: signal))) }
                else { self.finish(.success(.linkClosed)) }
            case .failed(let error):
                self.finish(.failure(error))
            }
        }) { frame in
            self.heardSinceTick = true
            switch frame {
            case .keepalive(let nonce):
                self.send(.keepaliveAck(nonce: nonce))
                self.liveness.sent(at: .now)
            case .keepaliveAck:
                break
            case .goodbye(let reason):
                self.finish(.success(.peerSaidGoodbye(reason)))
            case .refuse(let reason):
                // A peer may refuse after accepting (e.g. a capability it requires is missing).
                self.finish(.failure(Refused(reason: reason, byPeer: true)))
            case .hello:
                self.finish(.failure(ProtocolViolation(description: "unexpected \(frame.kind) after the handshake")))
            default:
                handle(frame)
            }
        }
    }

    private func tick() {
        let now = ContinuousClock.now
        // A link holding its input reads no keepalive; the transport taking our bytes shows it lives.
        if heardSinceTick || link.drainedWhileHeld() {
            heardSinceTick = false
            liveness.heard(at: now)
        }
        switch liveness.tick(now: now) {
        case .none: break
        case .sendKeepalive(let nonce): send(.keepalive(nonce: nonce))
        case .dead(let silence): finish(.success(.linkDead(silentFor: silence)))
        }
    }

    private func stopRequested(_ signal: Int32) {
        guard endPromise != nil, stopSignal == nil else { return }
        stopSignal = signal
        logger.info("stopping (\(StopSignals.name(signal)))")
        send(.goodbye(reason: "stopped by \(StopSignals.name(signal))"))
        link.finishOutput()
        // The peer closes its side once it has cleaned up; don't wait for ever.
        goodbyeTimer = loop.scheduleTask(in: Self.goodbyeGrace(after: signal)) { self.finish(.success(.stopped(signal: signal))) }
    }

    private func finish(_ result: Result<End, any Error>) {
        guard let promise = endPromise else { return }
        endPromise = nil
        ticker?.cancel()
        goodbyeTimer?.cancel()
        link.pauseFrames()
        let dropped = link.droppedFrames
        if dropped > 0 { logger.info("\(dropped) frames were dropped (datagrams while the link was congested, or frames after its end)") }
        promise.completeWith(result)
    }
}
