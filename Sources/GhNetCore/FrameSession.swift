import GhNetWire
import Logging
import NIOCore
import Synchronization

/// The part of a session both sides share: the hello exchange, keepalives, dead-link
/// detection, goodbye on a stop signal, and handing every other frame to the side's own handler.
public struct FrameSession: Sendable {
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

    let writer: FrameWriter
    /// The session's logger (also used by helpers that write on its behalf).
    public let logger: Logger
    let encoder = FrameEncoder()

    public init(writer: FrameWriter, logger: Logger) {
        self.writer = writer
        self.logger = logger
    }

    /// Sends one frame.
    public func send(_ frame: Frame) async throws {
        var buffer = ByteBuffer()
        try encoder.encode(frame, into: &buffer)
        try await writer.sendEncoded(buffer)
    }

    /// Sends buffers holding whole encoded frames, in order (a batch from ``FrameOutbox``).
    public func sendEncoded(_ buffers: [ByteBuffer]) async throws {
        try await writer.sendEncoded(buffers)
    }

    /// Sends our hello, reads the peer's, and either agrees on a version or refuses (telling the
    /// peer why). Gives the negotiated result.
    public func handshake(ours: Hello, reader: inout FrameReader) async throws -> Handshake.Agreement {
        var machine = Handshake(hello: ours)
        try await send(machine.start())
        guard let frame = try await reader.next() else {
            throw ProtocolViolation(description: "the \(ours.role.peer) closed the link before its hello")
        }
        switch machine.receive(frame) {
        case .established(let agreement):
            return agreement
        case .refuse(let reason):
            try? await send(.refuse(reason: reason))
            writer.finish()
            throw Refused(reason: reason, byPeer: false)
        case .peerRefused(let reason):
            throw Refused(reason: reason, byPeer: true)
        case .protocolViolation(let reason):
            throw ProtocolViolation(description: reason)
        }
    }

    /// Serves the established link until it ends: answers keepalives, sends its own when quiet,
    /// watches for a dead link and for stop signals, and passes every other frame to `handle`.
    public func serve(
        reader: consuming FrameReader,
        stop: StopSignals,
        handle: @escaping @Sendable (Frame) async throws -> Void
    ) async throws -> End {
        let liveness = LivenessBox(LinkLiveness(now: .now))
        let session = self
        let frames = reader
        return try await withThrowingTaskGroup(of: End.self) { group in
            group.addTask { [frames] in
                var frames = frames
                while let frame = try await frames.next() {
                    liveness.heard()
                    switch frame {
                    case .keepalive(let nonce):
                        try await session.send(.keepaliveAck(nonce: nonce))
                        liveness.sent()
                    case .keepaliveAck:
                        break
                    case .goodbye(let reason):
                        return .peerSaidGoodbye(reason)
                    case .refuse(let reason):
                        // A peer may refuse after accepting (e.g. a capability it requires is missing).
                        throw Refused(reason: reason, byPeer: true)
                    case .hello:
                        throw ProtocolViolation(description: "unexpected \(frame.kind) after the handshake")
                    default:
                        try await handle(frame)
                    }
                }
                if let signal = stop.requested { return .stopped(signal: signal) }
                return .linkClosed
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: .seconds(1))
                    switch liveness.tick() {
                    case .none:
                        continue
                    case .sendKeepalive(let nonce):
                        try await session.send(.keepalive(nonce: nonce))
                    case .dead(let silence):
                        return .linkDead(silentFor: silence)
                    }
                }
            }
            group.addTask {
                guard let signal = await stop.wait() else { throw CancellationError() }
                session.logger.info("stopping (\(StopSignals.name(signal)))")
                try? await session.send(.goodbye(reason: "stopped by \(StopSignals.name(signal))"))
                session.writer.finish()
                // The peer closes its side once it has cleaned up; don't wait for ever.
                try await Task.sleep(for: .seconds(10))
                return .stopped(signal: signal)
            }
            let end = try await group.next() ?? .linkClosed
            group.cancelAll()
            return end
        }
    }
}

/// ``LinkLiveness`` shared between the reader and the ticker.
final class LivenessBox: Sendable {
    private let state: Mutex<LinkLiveness>

    init(_ initial: LinkLiveness) { state = Mutex(initial) }

    func heard() { state.withLock { $0.heard(at: .now) } }
    func sent() { state.withLock { $0.sent(at: .now) } }
    func tick() -> LinkLiveness.Action { state.withLock { $0.tick(now: .now) } }
}
