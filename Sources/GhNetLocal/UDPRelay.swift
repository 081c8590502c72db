import GhNetCore
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
/// app; ECONNREFUSED and unreachable errors become `icmpError` frames. Everything runs on the
/// link's event loop.
///
/// Bounds: at most `capacity` flows (default 4096); a flow with no datagram either way for
/// `idleTimeout` (default 60 s) is closed. When full, idle flows go first, then the least
/// recently used one. A new flow holds at most ``UDPFlowSocket/maximumWaiting`` datagrams while
/// its socket opens; more are dropped. A socket that SwiftNIO closes after an error (an ICMP
/// error it does not tolerate, a refused send) ends its flow, so the app's next datagram opens a
/// fresh socket instead of vanishing into a closed one.
public final class UDPRelay: Sendable {
    /// A flow: the codespace app's endpoint and the destination it sends to.
    struct FlowKey: Hashable, Sendable {
        let source: Endpoint
        let destination: Endpoint
    }

    private let table: NIOLoopBoundBox<FlowTable<FlowKey, UDPFlowSocket>>
    private let dropped = Atomic<Int>(0)
    private let loop: any EventLoop
    private let sink: any FrameSink
    private let policy: any FlowPolicyCheck
    private let monitor: ActivityMonitor
    private let logger: Logger

    /// Sockets are made on `loop`, where the frames arrive; every method but ``closeAll()`` is
    /// called there.
    public init(loop: any EventLoop, sink: any FrameSink, policy: any FlowPolicyCheck, monitor: ActivityMonitor, logger: Logger,
                capacity: Int = 4096, idleTimeout: Duration = .seconds(60)) {
        self.table = .makeBoxSendingValue(FlowTable(capacity: capacity, idleTimeout: idleTimeout), eventLoop: loop)
        self.loop = loop
        self.sink = sink
        self.policy = policy
        self.monitor = monitor
        self.logger = logger
    }

    /// A datagram from the codespace app at `source` to `destination`.
    public func forward(source: Endpoint, destination: Endpoint, payload: ByteBuffer) {
        let key = FlowKey(source: source, destination: destination)
        let now = ContinuousClock.now
        if let flow = table.value.touch(key, now: now) {
            send(payload, on: flow)
            return
        }
        if let reason = policy.refusal(for: destination.address) {
            monitor.failed(.udp, source: source.description, destination: destination.description, reason: "blocked: \(reason)")
            sink.send(.icmpError(ICMPErrorReport(kind: .adminProhibited, reporter: nil, original: .udp(source: source, destination: destination))))
            return
        }
        let activity = monitor.opened(.udp, source: source.description, destination: destination.description, state: .active)
        let flow = UDPFlowSocket(activity: activity)
        retire(table.value.insert(key, flow, now: now).map(\.value))
        send(payload, on: flow)
        openSocket(for: key, activity: activity).whenComplete { result in
            switch result {
            case .success(let channel):
                flow.opened(channel)
            case .failure(let error):
                self.logger.debug("udp \(source) → \(destination): \(error)")
                let kind = Self.errorKind(for: error)
                if self.table.value.peek(key) === flow { _ = self.table.value.remove(key) }
                flow.close()
                self.monitor.ended(activity, as: .failed(kind.shortText))
                self.sink.send(.icmpError(ICMPErrorReport(kind: kind, reporter: nil, original: .udp(source: source, destination: destination))))
            }
        }
    }

    /// Datagrams dropped because a socket could not keep up.
    public var droppedCount: Int { dropped.load(ordering: .relaxed) }

    /// Writes unless the socket's send queue is over NIO's high-water mark (or too many wait
    /// for a socket still opening): then the datagram is dropped (UDP may be lost; memory stays
    /// bounded) and counted.
    private func send(_ payload: ByteBuffer, on flow: UDPFlowSocket) {
        switch flow.send(payload) {
        case .sent, .waiting:
            monitor.carried(flow.activity, up: payload.readableBytes)
        case .dropped:
            dropped.add(1, ordering: .relaxed)
        }
    }

    /// Closes flows' sockets and ends their NAT records.
    private func retire(_ flows: [UDPFlowSocket]) {
        for flow in flows {
            monitor.ended(flow.activity, as: .expired)
            flow.close()
        }
    }

    /// Closes flows idle for the timeout; call about once a second.
    public func expireIdle() {
        retire(table.value.expire(now: .now).map(\.value))
    }

    /// Closes every flow (from any thread: the work is done on the loop).
    public func closeAll() {
        loop.execute {
            let all = self.table.value.entriesNewestFirst.map(\.key)
            self.retire(all.compactMap { self.table.value.remove($0) })
        }
    }

    private func openSocket(for key: FlowKey, activity: ActivityMonitor.FlowID) -> EventLoopFuture<any Channel> {
        let remote: SocketAddress
        do {
            remote = try SocketAddress(ipAddress: key.destination.address.description, port: Int(key.destination.port))
        } catch {
            return loop.makeFailedFuture(error)
        }
        let sink = self.sink
        let monitor = self.monitor
        let logger = self.logger
        return DatagramBootstrap.wholeDatagrams(group: loop) {
            UDPReplyHandler(key: key, activity: activity, sink: sink, monitor: monitor, logger: logger,
                            replied: { [weak self] in self?.replied(key) },
                            closed: { [weak self] error in self?.socketClosed(key, activity: activity, error: error) })
        }
            .connect(to: remote)
    }

    /// A reply keeps its flow from going idle (a one-way stream towards the app is traffic too).
    private func replied(_ key: FlowKey) {
        _ = table.value.touch(key, now: .now)
    }

    /// A flow's socket closed. Not by us (we close only flows already out of the table): an error
    /// made SwiftNIO close it, so the flow ends and the next datagram makes a new one.
    private func socketClosed(_ key: FlowKey, activity: ActivityMonitor.FlowID, error: ICMPErrorKind?) {
        guard let flow = table.value.peek(key), flow.activity == activity else { return }
        _ = table.value.remove(key)
        flow.close()
        logger.debug("udp \(key.source) → \(key.destination): socket closed\(error.map { " after \($0.shortText)" } ?? "")")
        monitor.ended(activity, as: .failed(error?.shortText ?? "socket error"))
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

/// One UDP flow's socket on the local side, as it opens, sends and closes. Used on the relay's
/// loop only (`@unchecked Sendable` so futures' callbacks there may hold it).
final class UDPFlowSocket: @unchecked Sendable {
    /// Datagrams that may wait for the socket to open.
    static let maximumWaiting = 64

    /// What ``send(_:)`` did with a datagram.
    enum SendResult {
        /// Written to the socket.
        case sent
        /// Kept until the socket is open.
        case waiting
        /// Dropped: the socket's queue is full, too many wait, or the flow is closed.
        case dropped
    }

    private enum State {
        /// The socket is being made; these datagrams go out once it is.
        case opening([ByteBuffer])
        /// The connected socket.
        case open(any Channel)
        /// Closed (retired, or its socket could not be made).
        case closed
    }

    /// The flow's NAT record.
    let activity: ActivityMonitor.FlowID
    private var state = State.opening([])

    init(activity: ActivityMonitor.FlowID) {
        self.activity = activity
    }

    func send(_ payload: ByteBuffer) -> SendResult {
        switch state {
        case .opening(var waiting):
            guard waiting.count < Self.maximumWaiting else { return .dropped }
            waiting.append(payload)
            state = .opening(waiting)
            return .waiting
        case .open(let channel):
            guard channel.isWritable else { return .dropped }
            channel.writeAndFlush(payload, promise: nil)
            return .sent
        case .closed:
            return .dropped
        }
    }

    /// The socket is ready: the datagrams that waited go out (a flow closed meanwhile closes
    /// the socket instead).
    func opened(_ channel: any Channel) {
        guard case .opening(let waiting) = state else {
            channel.close(promise: nil)
            return
        }
        state = .open(channel)
        for payload in waiting { channel.write(payload, promise: nil) }
        channel.flush()
    }

    func close() {
        if case .open(let channel) = state { channel.close(promise: nil) }
        state = .closed
    }
}

/// Turns what one flow's socket receives into frames for the agent.
final class UDPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let key: UDPRelay.FlowKey
    private let activity: ActivityMonitor.FlowID
    private let sink: any FrameSink
    private let monitor: ActivityMonitor
    private let logger: Logger
    private let replied: () -> Void
    private let closed: (ICMPErrorKind?) -> Void
    /// The last error the socket reported, for the NAT record when it closes.
    private var lastError: ICMPErrorKind?

    /// `replied` is called for every datagram received, `closed` once when the socket closes.
    init(key: UDPRelay.FlowKey, activity: ActivityMonitor.FlowID, sink: any FrameSink, monitor: ActivityMonitor, logger: Logger,
         replied: @escaping () -> Void, closed: @escaping (ICMPErrorKind?) -> Void) {
        self.key = key
        self.activity = activity
        self.sink = sink
        self.monitor = monitor
        self.logger = logger
        self.replied = replied
        self.closed = closed
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        monitor.carried(activity, down: envelope.data.readableBytes)
        sink.send(.udpDatagram(source: key.destination, destination: key.source, payload: envelope.data))
        replied()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let kind = UDPRelay.errorKind(for: error)
        lastError = kind
        logger.debug("udp \(key.source) → \(key.destination): \(error) → \(kind)")
        monitor.changed(activity, to: .failed(kind.shortText))
        sink.send(.icmpError(ICMPErrorReport(kind: kind, reporter: nil, original: .udp(source: key.source, destination: key.destination))))
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed(lastError)
        context.fireChannelInactive()
    }
}
