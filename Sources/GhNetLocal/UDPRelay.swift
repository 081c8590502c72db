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

    /// A flow's socket and its NAT record in the monitor.
    struct Flow: Sendable {
        let channel: any Channel
        let activity: ActivityMonitor.FlowID
    }

    private let table: Mutex<FlowTable<FlowKey, Flow>>
    private let dropped = Atomic<Int>(0)
    private let group: any EventLoopGroup
    private let sink: any FlowSink
    private let policy: any FlowPolicyCheck
    private let monitor: ActivityMonitor
    private let logger: Logger

    public init(group: any EventLoopGroup, sink: any FlowSink, policy: any FlowPolicyCheck, monitor: ActivityMonitor, logger: Logger,
                capacity: Int = 4096, idleTimeout: Duration = .seconds(60)) {
        self.table = Mutex(FlowTable(capacity: capacity, idleTimeout: idleTimeout))
        self.group = group
        self.sink = sink
        self.policy = policy
        self.monitor = monitor
        self.logger = logger
    }

    /// Number of open flows.
    public var flowCount: Int { table.withLock { $0.count } }

    /// A datagram from the codespace app at `source` to `destination`.
    public func forward(source: Endpoint, destination: Endpoint, payload: ByteBuffer) async {
        let key = FlowKey(source: source, destination: destination)
        let now = ContinuousClock.now
        if let flow = table.withLock({ $0.touch(key, now: now) }) {
            send(payload, on: flow)
            return
        }
        if let reason = policy.refusal(for: destination.address) {
            monitor.failed(.udp, source: source.description, destination: destination.description, reason: "blocked: \(reason)")
            sink.send(.icmpError(ICMPErrorReport(kind: .adminProhibited, reporter: nil, original: .udp(source: source, destination: destination))))
            return
        }
        let activity = monitor.opened(.udp, source: source.description, destination: destination.description, state: .active)
        let flow: Flow
        do {
            flow = Flow(channel: try await openSocket(for: key, activity: activity), activity: activity)
        } catch {
            logger.debug("udp \(source) → \(destination): \(error)")
            let kind = Self.errorKind(for: error)
            monitor.ended(activity, as: .failed(kind.shortText))
            sink.send(.icmpError(ICMPErrorReport(kind: kind, reporter: nil, original: .udp(source: source, destination: destination))))
            return
        }
        let displaced = table.withLock { $0.insert(key, flow, now: now) }
        retire(displaced.map(\.value))
        send(payload, on: flow)
    }

    /// Datagrams dropped because a socket could not keep up.
    public var droppedCount: Int { dropped.load(ordering: .relaxed) }

    /// Writes unless the socket's send queue is over NIO's high-water mark: then the datagram
    /// is dropped (UDP may be lost; memory stays bounded) and counted.
    private func send(_ payload: ByteBuffer, on flow: Flow) {
        guard flow.channel.isWritable else {
            dropped.add(1, ordering: .relaxed)
            return
        }
        monitor.carried(flow.activity, up: payload.readableBytes)
        flow.channel.writeAndFlush(payload, promise: nil)
    }

    /// Closes flows' sockets and ends their NAT records.
    private func retire(_ flows: [Flow]) {
        for flow in flows {
            monitor.ended(flow.activity, as: .expired)
            flow.channel.close(promise: nil)
        }
    }

    /// Closes flows idle for the timeout; call about once a second.
    public func expireIdle() {
        retire(table.withLock { $0.expire(now: .now) }.map(\.value))
    }

    /// Closes every flow.
    public func closeAll() {
        let all = table.withLock { table in table.entriesNewestFirst.map { ($0.key, $0.value) } }
        for (key, flow) in all {
            _ = table.withLock { $0.remove(key) }
            retire([flow])
        }
    }

    private func openSocket(for key: FlowKey, activity: ActivityMonitor.FlowID) async throws -> any Channel {
        let remote = try SocketAddress(ipAddress: key.destination.address.description, port: Int(key.destination.port))
        let sink = self.sink
        let monitor = self.monitor
        let logger = self.logger
        return try await DatagramBootstrap.wholeDatagrams(group: group) {
            UDPReplyHandler(key: key, activity: activity, sink: sink, monitor: monitor, logger: logger)
        }
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
    private let activity: ActivityMonitor.FlowID
    private let sink: any FlowSink
    private let monitor: ActivityMonitor
    private let logger: Logger

    init(key: UDPRelay.FlowKey, activity: ActivityMonitor.FlowID, sink: any FlowSink, monitor: ActivityMonitor, logger: Logger) {
        self.key = key
        self.activity = activity
        self.sink = sink
        self.monitor = monitor
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        monitor.carried(activity, down: envelope.data.readableBytes)
        sink.send(.udpDatagram(source: key.destination, destination: key.source, payload: envelope.data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let kind = UDPRelay.errorKind(for: error)
        logger.debug("udp \(key.source) → \(key.destination): \(error) → \(kind)")
        monitor.changed(activity, to: .failed(kind.shortText))
        sink.send(.icmpError(ICMPErrorReport(kind: kind, reporter: nil, original: .udp(source: key.source, destination: key.destination))))
    }
}
