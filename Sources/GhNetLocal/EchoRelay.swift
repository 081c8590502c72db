import GhNetCore
import Foundation
import GhNetAddress
import GhNetFlows
import GhNetWire
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The local side of ping: sends the codespace's ICMP echo requests from this machine and
/// returns the replies (and ICMP errors about them) as frames.
///
/// It needs no privileges where the system allows unprivileged ICMP sockets
/// (`net.ipv4.ping_group_range`): then each flow gets its own ping socket and the kernel
/// matches replies to it. As root without that, it uses one raw socket per address family and
/// gives each flow its own identifier. If neither works it says once how to enable it, and
/// each request gets "administratively prohibited" back.
///
/// Bounds: at most `capacity` echo flows (codespace source, destination, identifier; never more
/// than ``maximumFlows``), idle ones closed after `idleTimeout`; when full, idle flows go first,
/// then the least recently used.
public final class EchoRelay: Sendable {
    /// The most echo flows at once, below the 65 536 identifiers raw mode hands out.
    public static let maximumFlows = 60_000

    struct FlowKey: Hashable, Sendable {
        let source: IPAddress
        let destination: IPAddress
        let identifier: UInt16
    }

    struct Flow: Sendable {
        /// How the flow's requests leave this machine.
        enum Socket: Sendable {
            /// The family's shared raw socket (running as root).
            case raw(any Channel)
            /// The flow's own ping socket, in ``PingSocketSet``.
            case ping(Int32)
        }

        let socket: Socket
        /// The identifier on the wire: ours in raw mode; in ping mode the kernel picks it.
        let wireIdentifier: UInt16
        /// The flow's NAT record in the monitor.
        let activity: ActivityMonitor.FlowID
    }

    enum Mode: Sendable {
        case ping
        case raw(any Channel)
        case unavailable
    }

    struct State {
        var flows: FlowTable<FlowKey, Flow>
        var rawIdentifiers: [UInt16: FlowKey] = [:]
        var nextIdentifier: UInt16 = 1
        var modes: [IPFamily: Mode] = [:]
        var pingSockets: PingSocketSet?
    }

    private let state: Mutex<State>
    private let loop: any EventLoop
    private let sink: any FrameSink
    private let policy: any FlowPolicyCheck
    private let monitor: ActivityMonitor
    private let logger: Logger

    /// Raw sockets are read on `loop`, where the frames arrive.
    public init(loop: any EventLoop, sink: any FrameSink, policy: any FlowPolicyCheck, monitor: ActivityMonitor, logger: Logger,
                capacity: Int = 1024, idleTimeout: Duration = .seconds(60)) {
        // Raw mode gives every flow its own 16-bit identifier, so fewer flows than identifiers may exist.
        self.state = Mutex(State(flows: FlowTable(capacity: min(capacity, Self.maximumFlows), idleTimeout: idleTimeout)))
        self.loop = loop
        self.sink = sink
        self.policy = policy
        self.monitor = monitor
        self.logger = logger
    }

    /// An echo request from the codespace.
    public func forward(_ echo: ICMPEcho) {
        let key = FlowKey(source: echo.source, destination: echo.destination, identifier: echo.identifier)
        let original = OriginalFlow.icmpEcho(source: echo.source, destination: echo.destination,
                                             identifier: echo.identifier, sequence: echo.sequence)
        if let reason = policy.refusal(for: echo.destination) {
            monitor.failed(.icmp, source: echo.source.description, destination: echo.destination.description, reason: "blocked: \(reason)")
            sink.send(.icmpError(ICMPErrorReport(kind: .adminProhibited, reporter: nil, original: original)))
            return
        }
        let family = echo.destination.family
        guard let mode = state.withLock({ $0.modes[family] }) else {
            // The first request of a family finds out which socket this process may use.
            discoverMode(for: family).whenComplete { _ in self.forward(echo) }
            return
        }
        let flow: Flow
        do {
            flow = try self.flow(for: key, mode: mode)
        } catch {
            sink.send(.icmpError(ICMPErrorReport(kind: .adminProhibited, reporter: nil, original: original)))
            return
        }
        monitor.carried(flow.activity, up: echo.payload.readableBytes)
        let message = EchoMessage.request(family: family, identifier: flow.wireIdentifier,
                                          sequence: echo.sequence, data: Array(echo.payload.readableBytesView))
        let failed: @Sendable (any Error) -> Void = { error in
            self.logger.debug("ping \(echo.source) → \(echo.destination): \(error)")
            self.sink.send(.icmpError(ICMPErrorReport(kind: UDPRelay.errorKind(for: error), reporter: nil, original: original)))
        }
        switch flow.socket {
        case .raw(let channel):
            // A raw socket that cannot keep up drops the request, as a congested network would
            // (the queue behind it stays bounded by NIO's high-water mark).
            guard channel.isWritable else {
                logger.debug("ping \(echo.source) → \(echo.destination): the raw socket's queue is full; dropped")
                return
            }
            do {
                let remote = try SocketAddress(ipAddress: echo.destination.description, port: 0)
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(bytes: message))).whenFailure(failed)
            } catch {
                failed(error)
            }
        case .ping(let fd):
            guard let sockets = state.withLock({ $0.pingSockets }) else { return failed(ChannelError.ioOnClosedChannel) }
            if let code = sockets.send(message, on: fd, to: echo.destination) { failed(IOError(errnoCode: code, reason: "sendto")) }
        }
    }

    /// Closes flows idle for the timeout; call about once a second.
    public func expireIdle() {
        let expired = state.withLock { state -> [(key: FlowKey, value: Flow)] in
            let gone = state.flows.expire(now: .now)
            for (_, flow) in gone { Self.forgetIdentifier(of: flow, in: &state) }
            return gone
        }
        retire(expired.map(\.value))
    }

    /// Closes every socket.
    public func closeAll() {
        let (flows, modes, sockets) = state.withLock { state -> ([Flow], [Mode], PingSocketSet?) in
            let flows = state.flows.entriesNewestFirst.map(\.value)
            let modes = Array(state.modes.values)
            let sockets = state.pingSockets
            state = State(flows: FlowTable(capacity: state.flows.capacity, idleTimeout: state.flows.idleTimeout))
            return (flows, modes, sockets)
        }
        for flow in flows { monitor.ended(flow.activity, as: .expired) }
        for case .raw(let channel) in modes { channel.close(promise: nil) }
        sockets?.stop()
    }

    /// Ends flows' NAT records and closes the sockets they own.
    private func retire(_ flows: [Flow]) {
        for flow in flows {
            monitor.ended(flow.activity, as: .expired)
            if case .ping(let fd) = flow.socket { state.withLock { $0.pingSockets }?.close(fd) }
        }
    }

    /// A raw-mode flow's identifier is free again.
    private static func forgetIdentifier(of flow: Flow, in state: inout State) {
        if case .raw = flow.socket { state.rawIdentifiers[flow.wireIdentifier] = nil }
    }

    private func flow(for key: FlowKey, mode: Mode) throws -> Flow {
        let now = ContinuousClock.now
        if let flow = state.withLock({ $0.flows.touch(key, now: now) }) { return flow }
        let family = key.destination.family
        let source = key.source.description, destination = "\(key.destination) id \(key.identifier)"
        if case .unavailable = mode {
            monitor.failed(.icmp, source: source, destination: destination, reason: "no ICMP socket")
            throw ChannelError.operationUnsupported
        }
        let activity = monitor.opened(.icmp, source: source, destination: destination, state: .active)
        switch mode {
        case .unavailable:
            throw ChannelError.operationUnsupported
        case .raw(let shared):
            let (flow, displaced) = state.withLock { state -> (Flow, [Flow]) in
                var identifier = state.nextIdentifier
                while state.rawIdentifiers[identifier] != nil { identifier &+= 1 }
                state.nextIdentifier = identifier &+ 1
                let flow = Flow(socket: .raw(shared), wireIdentifier: identifier, activity: activity)
                let displaced = state.flows.insert(key, flow, now: now).map(\.value)
                for old in displaced { Self.forgetIdentifier(of: old, in: &state) }
                state.rawIdentifiers[identifier] = key
                return (flow, displaced)
            }
            retire(displaced)
            return flow
        case .ping:
            let fd: Int32
            do {
                fd = try pingSockets().open(family: family, for: key)
            } catch {
                monitor.ended(activity, as: .failed("no ICMP socket"))
                throw error
            }
            let flow = Flow(socket: .ping(fd), wireIdentifier: key.identifier, activity: activity)
            retire(state.withLock { $0.flows.insert(key, flow, now: now) }.map(\.value))
            return flow
        }
    }

    /// The ping sockets' reader, started with the first ping socket.
    private func pingSockets() throws -> PingSocketSet {
        try state.withLock { state in
            if let sockets = state.pingSockets { return sockets }
            let sockets = try PingSocketSet(delegate: self)
            state.pingSockets = sockets
            return sockets
        }
    }

    /// Finds out once per family which kind of ICMP socket this process may open; the mode is
    /// known when the future completes.
    private func discoverMode(for family: IPFamily) -> EventLoopFuture<Void> {
        let domain = family == .v4 ? AF_INET : AF_INET6
        let proto = family == .v4 ? Int32(IPPROTO_ICMP) : Int32(IPPROTO_ICMPV6)
        let probe = socket(domain, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto)
        if probe >= 0 {
            close(probe)
            logger.debug("ping (\(family)): using unprivileged ICMP sockets")
            record(.ping, for: family)
            return loop.makeSucceededVoidFuture()
        }
        let raw = socket(domain, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto)
        guard raw >= 0 else {
            logger.warning("""
                ping from the codespace cannot work: this user may not open ICMP sockets. \
                Allow it with: sudo sysctl -w net.ipv4.ping_group_range="0 2147483647"
                """)
            record(.unavailable, for: family)
            return loop.makeSucceededVoidFuture()
        }
        let relay = self
        return DatagramBootstrap.wholeDatagrams(group: loop) { EchoReplyHandler(family: family, relay: relay) }
            .withBoundSocket(raw)
            .map { channel in
                self.logger.debug("ping (\(family)): using a raw ICMP socket (running as root)")
                self.record(.raw(channel), for: family)
            }
            .recover { error in
                self.logger.warning("ping (\(family)): cannot use a raw ICMP socket: \(error)")
                self.record(.unavailable, for: family)
            }
    }

    /// The family's raw socket closed by itself (SwiftNIO closes a datagram socket after a send
    /// error it does not tolerate, e.g. EACCES for a broadcast address): its flows go, and the
    /// next request of the family opens a new one. One bad destination must not end ping for
    /// every other.
    func rawSocketClosed(_ channel: any Channel, family: IPFamily) {
        // nil: not the family's socket any more (closeAll closed it, or a newer one replaced it).
        let gone = state.withLock { state -> [Flow]? in
            guard case .raw(let current)? = state.modes[family], current === channel else { return nil }
            state.modes[family] = nil
            var gone: [Flow] = []
            for (key, flow, _) in state.flows.entriesNewestFirst {
                guard case .raw(let used) = flow.socket, used === channel, let removed = state.flows.remove(key) else { continue }
                Self.forgetIdentifier(of: removed, in: &state)
                gone.append(removed)
            }
            return gone
        }
        guard let gone else { return }
        logger.debug("ping (\(family)): the raw ICMP socket closed after an error; the next request opens a new one")
        retire(gone)
    }

    /// Keeps the first mode found for a family (a raw socket found second is closed).
    private func record(_ mode: Mode, for family: IPFamily) {
        let kept = state.withLock { state -> Bool in
            guard state.modes[family] == nil else { return false }
            state.modes[family] = mode
            return true
        }
        if !kept, case .raw(let extra) = mode { extra.close(promise: nil) }
    }

    /// An ICMP message (without IP header) from `sender`; `key` is known for ping sockets, looked
    /// up by identifier for raw.
    func received(_ buffer: ByteBuffer, from sender: IPAddress, key: FlowKey?) {
        let family = sender.family
        let message = buffer.withUnsafeReadableBytes { EchoMessage.classify($0, family: family) }
        var payload = ByteBuffer()
        if case .reply(_, _, let offset) = message, buffer.readableBytes >= offset {
            payload = buffer.getSlice(at: buffer.readerIndex + offset, length: buffer.readableBytes - offset) ?? ByteBuffer()
        }
        received(message, from: sender, key: key, data: payload)
    }

    /// A reply or error arrived; `key` is known for ping sockets, looked up by identifier for raw.
    func received(_ message: EchoMessage.Received, from sender: IPAddress, key: FlowKey?, data: ByteBuffer) {
        switch message {
        case .reply(let identifier, let sequence, _):
            guard let key = key ?? state.withLock({ $0.rawIdentifiers[identifier] }), key.destination == sender else { return }
            if let activity = state.withLock({ $0.flows.peek(key)?.activity }) { monitor.carried(activity, down: data.readableBytes) }
            sink.send(.icmpEchoReply(ICMPEcho(source: key.destination, destination: key.source, identifier: key.identifier,
                                              sequence: sequence, hopLimit: 64, payload: data)))
        case .error(let kind, let destination, let identifier, let sequence):
            guard let key = key ?? state.withLock({ $0.rawIdentifiers[identifier] }), key.destination == destination else { return }
            let reported: ICMPErrorKind
            switch kind {
            case .timeExceeded: reported = .timeExceeded
            case .unreachable(.v4, 0), .unreachable(.v6, 0): reported = .netUnreachable
            case .unreachable(.v4, 9), .unreachable(.v4, 10), .unreachable(.v4, 13), .unreachable(.v6, 1): reported = .adminProhibited
            default: reported = .hostUnreachable
            }
            sink.send(.icmpError(ICMPErrorReport(kind: reported, reporter: sender, original: .icmpEcho(
                source: key.source, destination: key.destination, identifier: key.identifier, sequence: sequence))))
        case .other:
            break
        }
    }
}

/// Reads a family's shared raw ICMP socket (running as root) and hands what it receives to the
/// relay; ping sockets are read by ``PingSocketSet``.
final class EchoReplyHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let family: IPFamily
    private let relay: EchoRelay

    init(family: IPFamily, relay: EchoRelay) {
        self.family = family
        self.relay = relay
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let sender = envelope.remoteAddress.ipAddress.flatMap({ IPAddress($0) }) else { return }
        var buffer = envelope.data
        // A raw IPv4 socket delivers the IP header too.
        if family == .v4, let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) {
            let headerLength = Int(first & 0x0F) * 4
            guard first >> 4 == 4, buffer.readableBytes >= headerLength else { return }
            buffer.moveReaderIndex(forwardBy: headerLength)
        }
        relay.received(buffer, from: sender, key: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The raw socket gets ICMP errors as packets (channelRead); a socket error names no flow.
    }

    func channelInactive(context: ChannelHandlerContext) {
        relay.rawSocketClosed(context.channel, family: family)
        context.fireChannelInactive()
    }
}

extension EchoRelay: PingSocketSet.Delegate {
    func pingSocket(_ key: FlowKey, received message: [UInt8], from sender: IPAddress) {
        received(ByteBuffer(bytes: message), from: sender, key: key)
    }

    func pingSocket(_ key: FlowKey, error: SocketExtendedError, about request: [UInt8]) {
        guard let kind = error.kind, request.count >= 8 else { return }
        let sequence = UInt16(request[6]) << 8 | UInt16(request[7])
        logger.debug("ping \(key.source) → \(key.destination): \(String(cString: strerror(error.errno))) (ICMP \(error.type)/\(error.code))")
        received(.error(kind: kind, destination: key.destination, identifier: key.identifier, sequence: sequence),
                 from: error.reporter ?? key.destination, key: key, data: ByteBuffer())
    }
}
