import Foundation
import GhNetAddress
import GhNetFlows
import GhNetWire
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The local side of UDP: one connected local socket per flow (codespace source endpoint →
/// destination), kept in a bounded ``FlowTable`` (a NAT record). Datagrams from the codespace go
/// out of that socket; replies come back as `udpDatagram` frames addressed to the codespace
/// app; ECONNREFUSED and unreachable errors become `icmpError` frames.
///
/// Bounds: at most `capacity` flows (default 4096); a flow idle for `idleTimeout` (default 60 s)
/// is closed. When full, idle flows go first, then the least recently used one.
public final class UDPRelay: Sendable {
    /// A flow: the codespace app's endpoint and the destination it sends to.
    struct FlowKey: Hashable, Sendable {
        let source: Endpoint
        let destination: Endpoint
    }

    private let table: Mutex<FlowTable<FlowKey, any Channel>>
    private let dropped = Atomic<Int>(0)
    private let group: any EventLoopGroup
    private let sink: any FlowSink
    private let policy: any FlowPolicyCheck
    private let logger: Logger

    public init(group: any EventLoopGroup, sink: any FlowSink, policy: any FlowPolicyCheck, logger: Logger,
                capacity: Int = 4096, idleTimeout: Duration = .seconds(60)) {
        self.table = Mutex(FlowTable(capacity: capacity, idleTimeout: idleTimeout))
        self.group = group
        self.sink = sink
        self.policy = policy
        self.logger = logger
    }

    /// Number of open flows.
    public var flowCount: Int { table.withLock { $0.count } }

    /// A datagram from the codespace app at `source` to `destination`.
    public func forward(source: Endpoint, destination: Endpoint, payload: ByteBuffer) async {
        let key = FlowKey(source: source, destination: destination)
        let now = ContinuousClock.now
        if let channel = table.withLock({ $0.touch(key, now: now) }) {
            send(payload, on: channel)
            return
        }
        if let reason = policy.refusal(for: destination.address) {
            logger.info("udp \(source) → \(destination) refused: \(reason)")
            sink.send(.icmpError(ICMPErrorReport(kind: .adminProhibited, reporter: nil, original: .udp(source: source, destination: destination))))
            return
        }
        let channel: any Channel
        do {
            channel = try await openSocket(for: key)
        } catch {
            logger.debug("udp \(source) → \(destination): \(error)")
            sink.send(.icmpError(ICMPErrorReport(kind: Self.errorKind(for: error), reporter: nil, original: .udp(source: source, destination: destination))))
            return
        }
        let displaced = table.withLock { $0.insert(key, channel, now: now) }
        for (_, old) in displaced { old.close(promise: nil) }
        logger.debug("udp flow \(source) → \(destination) opened")
        send(payload, on: channel)
    }

    /// Datagrams dropped because a socket could not keep up.
    public var droppedCount: Int { dropped.load(ordering: .relaxed) }

    /// Writes unless the socket's send queue is over NIO's high-water mark: then the datagram
    /// is dropped (UDP may be lost; memory stays bounded) and counted.
    private func send(_ payload: ByteBuffer, on channel: any Channel) {
        guard channel.isWritable else {
            dropped.add(1, ordering: .relaxed)
            return
        }
        channel.writeAndFlush(payload, promise: nil)
    }

    /// Closes flows idle for the timeout; call about once a second.
    public func expireIdle() {
        let expired = table.withLock { $0.expire(now: .now) }
        for (key, channel) in expired {
            logger.debug("udp flow \(key.source) → \(key.destination) expired")
            channel.close(promise: nil)
        }
    }

    /// Closes every flow.
    public func closeAll() {
        let all = table.withLock { table in table.entriesNewestFirst.map { ($0.key, $0.value) } }
        for (key, channel) in all {
            _ = table.withLock { $0.remove(key) }
            channel.close(promise: nil)
        }
    }

    private func openSocket(for key: FlowKey) async throws -> any Channel {
        let remote = try SocketAddress(ipAddress: key.destination.address.description, port: Int(key.destination.port))
        let sink = self.sink
        let logger = self.logger
        return try await DatagramBootstrap.wholeDatagrams(group: group) { UDPReplyHandler(key: key, sink: sink, logger: logger) }
            .connect(to: remote)
            .get()
    }

    /// The ICMP error the codespace app should see for a socket error.
    static func errorKind(for error: any Error) -> ICMPErrorKind {
        guard let io = error as? IOError else { return .hostUnreachable }
        switch io.errnoCode {
        case ECONNREFUSED: return .portUnreachable
        case ENETUNREACH: return .netUnreachable
        case EACCES, EPERM: return .adminProhibited
        case EMSGSIZE: return .fragmentationNeeded(mtu: 1500)
        default: return .hostUnreachable
        }
    }
}

/// Turns what one flow's socket receives into frames for the agent.
final class UDPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let key: UDPRelay.FlowKey
    private let sink: any FlowSink
    private let logger: Logger

    init(key: UDPRelay.FlowKey, sink: any FlowSink, logger: Logger) {
        self.key = key
        self.sink = sink
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        sink.send(.udpDatagram(source: key.destination, destination: key.source, payload: envelope.data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let kind = UDPRelay.errorKind(for: error)
        logger.debug("udp \(key.source) → \(key.destination): \(error) → \(kind)")
        sink.send(.icmpError(ICMPErrorReport(kind: kind, reporter: nil, original: .udp(source: key.source, destination: key.destination))))
    }
}
