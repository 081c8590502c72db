import GhNetWire
import Logging
import NIOCore
import Synchronization

/// The part of a session both sides share, run on the link's event loop: the hello exchange,
/// keepalives, dead-link detection, goodbye on a stop signal, and handing every other frame to
/// the side's own handler — synchronously, on the loop, so a frame reaches its socket or
/// connection without a thread change.
///
/// With ``Capabilities/resume`` agreed, the session outlives its transport: it numbers the
/// sequenced frames it sends (``Frame/isSequenced``) and keeps them in a ``FrameJournal`` until
/// the peer reports them received; the peer's are counted by ``FrameReceipts``. When the link
/// ends, whoever holds the session ``attach(_:)``es the next transport's link and runs the
/// handshake again; a resumed handshake makes both sides report their count and send again
/// what the other lacks, so every stream goes on where it stopped.
public final class FrameSession: FrameSink, @unchecked Sendable {
    /// How a served session ended.
    public enum End: Equatable, Sendable {
        /// A stop signal arrived; we said goodbye and the peer closed (or the grace ran out).
        /// With ``Capabilities/goodbyeAck``: the peer answered the goodbye first.
        case stopped(signal: Int32)
        /// A stop signal arrived, but the peer never answered our goodbye (with
        /// ``Capabilities/goodbyeAck``: the link closed first, or it stayed silent for
        /// ``goodbyeAckLimit``), or the link ended before the goodbye could go out. The goodbye
        /// may have been lost with the transport, so the peer may still hold the session.
        case stoppedUnanswered(signal: Int32)
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

    /// True when a session that failed with `error` may go on over a new transport: the
    /// transport broke (a read error, the end in the middle of a frame). A refusal, a protocol
    /// violation or a malformed frame is the peer's doing, and would happen again.
    public static func mayResume(after error: any Error) -> Bool {
        !(error is Refused || error is ProtocolViolation || error is WireError)
    }

    /// Where the sequenced frames stand in a resumable session.
    private enum Sequencing {
        /// Sent as they come (and kept in the journal until the peer has them).
        case live
        /// A resumed handshake completed; until the peer's count arrives, new frames are only
        /// kept, so that they leave after the ones sent again.
        case awaitingPeerCount
        /// No link: frames are only kept; datagrams and other losable frames are dropped.
        case detached
    }

    /// How long the peer has to close its side after our goodbye.
    static let goodbyeGrace = TimeAmount.seconds(10)
    /// The same when a newer session takes over (SIGUSR1, the agent): it waits for us, and a
    /// live peer closes within milliseconds; a dead one never does.
    static let takeoverGoodbyeGrace = TimeAmount.seconds(2)

    /// With ``Capabilities/goodbyeAck``: how long the peer may stay silent before answering our
    /// goodbye (pushed back while its frames arrive, up to ``goodbyeGrace``). A live link carries
    /// the answer in one round trip, after what was queued before it; a link that died unnoticed
    /// never does.
    static let goodbyeAckLimit = TimeAmount.seconds(5)

    /// How long the peer has after the goodbye that a stop by `signal` sends.
    static func goodbyeGrace(after signal: Int32) -> TimeAmount {
        signal == StopSignals.takeover ? takeoverGoodbyeGrace : goodbyeGrace
    }

    /// The link the session speaks over now (it changes with ``attach(_:)``).
    public var link: FrameLink { currentLink.withLock { $0 } }
    /// The session's logger (also used by helpers that write on its behalf).
    public let logger: Logger
    /// The loop of every link the session has.
    private let loop: any EventLoop
    private let currentLink: Mutex<FrameLink>
    /// The same link, for the loop's own use (no lock on the data path).
    private var attachedLink: FrameLink

    // Serving state, on the loop only.
    private var liveness = LinkLiveness(now: .now)
    private var heardSinceTick = false
    private var ticker: RepeatedTask?
    private var goodbyeTimer: Scheduled<Void>?
    private var stopSignal: Int32?
    /// True when both sides agreed on ``Capabilities/goodbyeAck`` (set at each handshake).
    private var goodbyesAnswered = false
    /// The peer said goodbye after ours: it has ours, or is stopping anyway.
    private var peerAnsweredGoodbye = false
    /// A frame arrived since our goodbye, or since the answer's limit was last pushed back.
    private var heardSinceGoodbye = false
    private var goodbyeAckTimer: Scheduled<Void>?
    private var endPromise: EventLoopPromise<End>?

    // Resume state, on the loop only (`journal` is nil unless both sides agreed on resume).
    private var journal: FrameJournal?
    private var receipts = FrameReceipts()
    private var pieces = DataFrameResumption()
    private var sequencing = Sequencing.live
    private var writableObservers: [() -> Void] = []
    /// True while sequenced frames are only kept (no link, or waiting for the peer's count) or
    /// the journal is full: sockets are not read for the peer meanwhile (``isWritable``).
    private let held = Atomic<Bool>(false)

    public init(link: FrameLink, logger: Logger) {
        self.loop = link.eventLoop
        self.currentLink = Mutex(link)
        self.attachedLink = link
        self.logger = logger
        loop.execute { self.observeWritability(of: link) }
    }

    /// The next transport's link (on the same event loop) replaces the one that ended; run
    /// ``handshake(ours:leftover:)`` on it next.
    public func attach(_ link: FrameLink) {
        precondition(link.eventLoop === loop, "a session's links share one event loop")
        currentLink.withLock { $0 = link }
        loop.execute {
            self.attachedLink = link
            self.observeWritability(of: link)
        }
    }

    /// Sends one frame (from any thread). In a resumable session a sequenced frame is kept until
    /// the peer has it, and sent again after a resume if need be.
    @discardableResult
    public func send(_ frame: Frame) -> Bool {
        guard loop.inEventLoop else {
            if frame.isDroppable {
                // The link decides at once whether a congested link drops it.
                return held.load(ordering: .relaxed) ? false : link.send(frame)
            }
            loop.execute { _ = self.sendOnLoop(frame) }
            return true
        }
        return sendOnLoop(frame)
    }

    private func sendOnLoop(_ frame: Frame) -> Bool {
        guard journal != nil, !Self.belongsToLink(frame) else { return attachedLink.send(frame) }
        if frame.isSequenced {
            // Only a configuration frame can outgrow a frame; the peer never counts one the
            // link cannot send, so it must not be kept either.
            guard Self.fitsInAFrame(frame) else {
                logger.error("\(frame.kind) frame too large to send; dropped")
                return false
            }
            journal?.record(frame.compacted())
            updateHeld()
            if sequencing == .live { attachedLink.send(frame) }
            return true
        }
        return sequencing == .live ? attachedLink.send(frame) : false
    }

    /// False for a `routes` or `dnsConfig` frame longer than a frame may be (58 000 prefixes,
    /// say); other frames are built within the limit.
    private static func fitsInAFrame(_ frame: Frame) -> Bool {
        switch frame {
        case .routes, .dnsConfig:
            var buffer = ByteBuffer()
            frame.encode(into: &buffer)
            return buffer.readableBytes - 4 <= FrameDecoder.defaultMaximumFrameLength
        default:
            return true
        }
    }

    /// The frames that go to whatever link there is, outside the sequence.
    private static func belongsToLink(_ frame: Frame) -> Bool {
        switch frame {
        case .hello, .refuse, .goodbye, .keepalive, .keepaliveAck, .received: true
        default: false
        }
    }

    /// The link is not congested (``FrameLink/isWritable``), and in a resumable session there
    /// is a link and the journal has room.
    public var isWritable: Bool {
        !held.load(ordering: .relaxed) && (loop.inEventLoop ? attachedLink : link).isWritable
    }

    /// Calls `body` on the loop each time the session becomes writable again. On the loop.
    public func whenWritableAgain(_ body: @escaping () -> Void) {
        loop.preconditionInEventLoop()
        writableObservers.append(body)
    }

    private func observeWritability(of link: FrameLink) {
        link.whenWritableAgain { [weak self, weak link] in
            guard let self, let link, link === self.attachedLink else { return }
            self.notifyWritable()
        }
    }

    private func notifyWritable() {
        guard isWritable else { return }
        for observer in writableObservers { observer() }
    }

    /// Recomputes ``held``; tells the observers when it ends.
    private func updateHeld() {
        let hold = journal != nil && (sequencing != .live || journal?.isFull == true)
        // Only the loop writes it: a plain load spares the per-frame path a locked exchange.
        guard hold != held.load(ordering: .relaxed) else { return }
        held.store(hold, ordering: .relaxed)
        if !hold { notifyWritable() }
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
                    if let violation = self.established(agreement) {
                        finish(.failure(violation))
                    } else {
                        finish(.success(agreement))
                    }
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

    /// Sets the resume state for the session the handshake settled: a resumed one reports its
    /// count and waits for the peer's; any other starts numbering from zero (or not at all
    /// without ``Capabilities/resume``). On the loop.
    /// Returns the violation that ends the handshake instead: the peer resumes a session this
    /// side does not hold.
    private func established(_ agreement: Handshake.Agreement) -> ProtocolViolation? {
        if agreement.isResumed && journal == nil {
            return ProtocolViolation(description: "the \(agreement.peer.role) resumes session \(agreement.session), which this side does not hold")
        }
        goodbyesAnswered = agreement.capabilities.contains(.goodbyeAck)
        if agreement.capabilities.contains(.resume) {
            if agreement.isResumed {
                sequencing = .awaitingPeerCount
                pieces.resumed()
                attachedLink.send(.received(count: receipts.report()))
            } else {
                startFresh()
                journal = FrameJournal()
            }
        } else {
            startFresh()
        }
        updateHeld()
        return nil
    }

    /// A fresh session on this object: nothing of an earlier one is kept, counted or woken.
    private func startFresh() {
        journal = nil
        receipts = FrameReceipts()
        pieces.reset()
        sequencing = .live
        writableObservers.removeAll()
    }

    /// The peer has `count` of our sequenced frames: forget them, and after a resume send the
    /// rest again, before anything new. On the loop.
    private func peerReceived(_ count: UInt64) {
        guard journal != nil else { return }
        do {
            if sequencing == .awaitingPeerCount {
                let again = try journal?.frames(from: count) ?? []
                try journal?.acknowledge(count: count)
                sequencing = .live
                for frame in again { attachedLink.send(frame) }
                logger.info("resumed: the peer had \(count) frames; \(again.count) sent again")
            } else {
                try journal?.acknowledge(count: count)
            }
            updateHeld()
        } catch {
            finish(.failure(ProtocolViolation(description: "cannot resume the session: \(error)")))
        }
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
        // A session kept after an unanswered goodbye is served again to say it once more.
        stopSignal = nil
        peerAnsweredGoodbye = false
        heardSinceGoodbye = false
        liveness = LinkLiveness(now: .now)
        ticker = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in self.tick() }
        attachedLink.receiveFrames(leftover: ByteBuffer(), ended: { end in
            switch end {
            case .closed:
                if let signal = self.stopSignal { self.finish(.success(self.stoppedEnd(signal: signal))) }
                // Stopped, but the link ended before the goodbye went out (ssh got the same signal).
                else if let signal = stop.requested { self.finish(.success(.stoppedUnanswered(signal: signal))) }
                else { self.finish(.success(.linkClosed)) }
            case .failed(let error):
                self.finish(.failure(error))
            }
        }) { frame in
            self.heardSinceTick = true
            self.heardSinceGoodbye = true
            var frame = frame
            if self.journal != nil {
                let whole = self.attachedLink.handingOutWholeFrame
                if let count = self.receipts.count(frame, endingItsFrame: whole) {
                    self.attachedLink.send(.received(count: count))
                }
                guard let new = self.pieces.received(frame, endingItsFrame: whole) else { return }
                frame = new
            }
            switch frame {
            case .keepalive(let nonce):
                self.send(.keepaliveAck(nonce: nonce))
                self.liveness.sent(at: .now)
            case .keepaliveAck:
                break
            case .received(let count):
                self.peerReceived(count)
            case .goodbye(let reason):
                self.peerSaidGoodbye(reason)
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
        if heardSinceTick || attachedLink.drainedWhileHeld() {
            heardSinceTick = false
            liveness.heard(at: now)
        }
        switch liveness.tick(now: now) {
        case .none: break
        case .sendKeepalive(let nonce): send(.keepalive(nonce: nonce))
        case .dead(let silence): finish(.success(.linkDead(silentFor: silence)))
        }
        if journal != nil, sequencing == .live, let count = receipts.reportAtTick() {
            attachedLink.send(.received(count: count))
        }
    }

    private func stopRequested(_ signal: Int32) {
        guard endPromise != nil, stopSignal == nil else { return }
        stopSignal = signal
        logger.info("stopping (\(StopSignals.name(signal)))")
        send(.goodbye(reason: "stopped by \(StopSignals.name(signal))"))
        attachedLink.finishOutput()
        // The peer closes its side once it has cleaned up; don't wait for ever.
        goodbyeTimer = loop.scheduleTask(in: Self.goodbyeGrace(after: signal)) { self.finish(.success(self.stoppedEnd(signal: signal))) }
        if goodbyesAnswered {
            heardSinceGoodbye = false
            awaitGoodbyeAnswer(signal: signal)
        }
    }

    /// Ends the session as unanswered after ``goodbyeAckLimit`` of silence without an answer;
    /// frames still arriving (queued before the peer read the goodbye) push the limit back.
    private func awaitGoodbyeAnswer(signal: Int32) {
        goodbyeAckTimer = loop.scheduleTask(in: Self.goodbyeAckLimit) {
            guard !self.peerAnsweredGoodbye else { return }
            if self.heardSinceGoodbye {
                self.heardSinceGoodbye = false
                self.awaitGoodbyeAnswer(signal: signal)
            } else {
                self.finish(.success(.stoppedUnanswered(signal: signal)))
            }
        }
    }

    /// How a session we said goodbye to ends: stopped, unless the peer should have answered and
    /// did not.
    private func stoppedEnd(signal: Int32) -> End {
        goodbyesAnswered && !peerAnsweredGoodbye ? .stoppedUnanswered(signal: signal) : .stopped(signal: signal)
    }

    /// The peer's goodbye: the answer to ours (the session then ends when the peer closes), or
    /// its own, which ends the session now (answered first, when both sides agreed to).
    private func peerSaidGoodbye(_ reason: String) {
        if stopSignal != nil {
            peerAnsweredGoodbye = true
            goodbyeAckTimer?.cancel()
            // Without answers, a goodbye after ours ends the session at once, as it always did.
            if !goodbyesAnswered { finish(.success(.peerSaidGoodbye(reason))) }
            return
        }
        // Only answered: this side closes once it has cleaned up, as without the answer.
        if goodbyesAnswered { send(.goodbye(reason: "goodbye received")) }
        finish(.success(.peerSaidGoodbye(reason)))
    }

    private func finish(_ result: Result<End, any Error>) {
        guard let promise = endPromise else { return }
        endPromise = nil
        ticker?.cancel()
        goodbyeTimer?.cancel()
        goodbyeAckTimer?.cancel()
        attachedLink.pauseFrames()
        if journal != nil {
            sequencing = .detached
            updateHeld()
        }
        let dropped = attachedLink.droppedFrames
        if dropped > 0 { logger.info("\(dropped) frames were dropped (datagrams while the link was congested, or frames after its end)") }
        promise.completeWith(result)
    }
}
