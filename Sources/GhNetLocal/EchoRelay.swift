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
        /// The flow's own ping socket, or the family's shared raw socket.
        let channel: any Channel
        /// The identifier on the wire: ours in raw mode; in ping mode the kernel picks it.
        let wireIdentifier: UInt16
        let ownsChannel: Bool
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
    }

    private let state: Mutex<State>
    private let group: any EventLoopGroup
    private let sink: any FlowSink
    private let policy: any FlowPolicyCheck
    private let monitor: ActivityMonitor
    private let logger: Logger

    public init(group: any EventLoopGroup, sink: any FlowSink, policy: any FlowPolicyCheck, monitor: ActivityMonitor, logger: Logger,
                capacity: Int = 1024, idleTimeout: Duration = .seconds(60)) {
        // Raw mode gives every flow its own 16-bit identifier, so fewer flows than identifiers may exist.
        self.state = Mutex(State(flows: FlowTable(capacity: min(capacity, Self.maximumFlows), idleTimeout: idleTimeout)))
        self.group = group
        self.sink = sink
        self.policy = policy
        self.monitor = monitor
        self.logger = logger
    }

    /// An echo request from the codespace.
    public func forward(_ echo: ICMPEcho) async {
        let key = FlowKey(source: echo.source, destination: echo.destination, identifier: echo.identifier)
        let original = OriginalFlow.icmpEcho(source: echo.source, destination: echo.destination,
                                             identifier: echo.identifier, sequence: echo.sequence)
        if let reason = policy.refusal(for: echo.destination) {
            monitor.failed(.icmp, source: echo.source.description, destination: echo.destination.description, reason: "blocked: \(reason)")
            sink.send(.icmpError(ICMPErrorReport(kind: .adminProhibited, reporter: nil, original: original)))
            return
        }
        let flow: Flow
        do {
            flow = try await self.flow(for: key)
        } catch {
            sink.send(.icmpError(ICMPErrorReport(kind: .adminProhibited, reporter: nil, original: original)))
            return
        }
        monitor.carried(flow.activity, up: echo.payload.readableBytes)
        let message = EchoMessage.request(family: echo.destination.family, identifier: flow.wireIdentifier,
                                          sequence: echo.sequence, data: Array(echo.payload.readableBytesView))
        do {
            let remote = try SocketAddress(ipAddress: echo.destination.description, port: 0)
            let envelope = AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(bytes: message))
            try await flow.channel.writeAndFlush(envelope)
        } catch {
            logger.debug("ping \(echo.source) → \(echo.destination): \(error)")
            sink.send(.icmpError(ICMPErrorReport(kind: UDPRelay.errorKind(for: error), reporter: nil, original: original)))
        }
    }

    /// Closes flows idle for the timeout; call about once a second.
    public func expireIdle() {
        let expired = state.withLock { state -> [(key: FlowKey, value: Flow)] in
            let gone = state.flows.expire(now: .now)
            for (_, flow) in gone where !flow.ownsChannel { state.rawIdentifiers[flow.wireIdentifier] = nil }
            return gone
        }
        retire(expired.map(\.value))
    }

    /// Closes every socket.
    public func closeAll() {
        let (flows, shared) = state.withLock { state -> ([Flow], [any Channel]) in
            let flows = state.flows.entriesNewestFirst.map(\.value)
            var shared: [any Channel] = []
            for case .raw(let channel) in state.modes.values { shared.append(channel) }
            state = State(flows: FlowTable(capacity: state.flows.capacity, idleTimeout: state.flows.idleTimeout))
            return (flows, shared)
        }
        retire(flows)
        for channel in shared { channel.close(promise: nil) }
    }

    /// Ends flows' NAT records and closes the sockets they own.
    private func retire(_ flows: [Flow]) {
        for flow in flows {
            monitor.ended(flow.activity, as: .expired)
            if flow.ownsChannel { flow.channel.close(promise: nil) }
        }
    }

    private func flow(for key: FlowKey) async throws -> Flow {
        let now = ContinuousClock.now
        if let flow = state.withLock({ $0.flows.touch(key, now: now) }) { return flow }
        let family = key.destination.family
        let mode = try await mode(for: family)
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
                let flow = Flow(channel: shared, wireIdentifier: identifier, ownsChannel: false, activity: activity)
                let displaced = state.flows.insert(key, flow, now: now).map(\.value)
                for old in displaced where !old.ownsChannel { state.rawIdentifiers[old.wireIdentifier] = nil }
                state.rawIdentifiers[identifier] = key
                return (flow, displaced)
            }
            retire(displaced)
            return flow
        case .ping:
            let fd = socket(family == .v4 ? AF_INET : AF_INET6, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                            family == .v4 ? Int32(IPPROTO_ICMP) : Int32(IPPROTO_ICMPV6))
            guard fd >= 0 else {
                monitor.ended(activity, as: .failed("no ICMP socket"))
                throw IOError(errnoCode: errno, reason: "socket")
            }
            let channel: any Channel
            do {
                channel = try await self.channel(for: fd, family: family, handler: .ping(key))
            } catch {
                monitor.ended(activity, as: .failed("no ICMP socket"))
                throw error
            }
            let flow = Flow(channel: channel, wireIdentifier: key.identifier, ownsChannel: true, activity: activity)
            retire(state.withLock { $0.flows.insert(key, flow, now: now) }.map(\.value))
            return flow
        }
    }

    /// Finds out once per family which kind of ICMP socket this process may open.
    private func mode(for family: IPFamily) async throws -> Mode {
        if let known = state.withLock({ $0.modes[family] }) { return known }
        let domain = family == .v4 ? AF_INET : AF_INET6
        let proto = family == .v4 ? Int32(IPPROTO_ICMP) : Int32(IPPROTO_ICMPV6)
        var mode: Mode
        let probe = socket(domain, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto)
        if probe >= 0 {
            close(probe)
            mode = .ping
            logger.debug("ping (\(family)): using unprivileged ICMP sockets")
        } else {
            let raw = socket(domain, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto)
            if raw >= 0 {
                mode = .raw(try await channel(for: raw, family: family, handler: .raw))
                logger.debug("ping (\(family)): using a raw ICMP socket (running as root)")
            } else {
                mode = .unavailable
                logger.warning("""
                    ping from the codespace cannot work: this user may not open ICMP sockets. \
                    Allow it with: sudo sysctl -w net.ipv4.ping_group_range="0 2147483647"
                    """)
            }
        }
        let chosen = mode
        return state.withLock { state in
            if let raced = state.modes[family] {
                if case .raw(let extra) = chosen { extra.close(promise: nil) }
                return raced
            }
            state.modes[family] = chosen
            return chosen
        }
    }

    private func channel(for fd: Int32, family: IPFamily, handler: EchoReplyHandler.Role) async throws -> any Channel {
        let relay = self
        return try await DatagramBootstrap.wholeDatagrams(group: group) { EchoReplyHandler(role: handler, family: family, relay: relay) }
            .withBoundSocket(fd)
            .get()
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

/// Reads one ICMP socket and hands what it receives to the relay.
final class EchoReplyHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    /// Whose socket this is.
    enum Role: Sendable {
        /// One flow's ping socket.
        case ping(EchoRelay.FlowKey)
        /// A family's shared raw socket.
        case raw
    }

    private let role: Role
    private let family: IPFamily
    private let relay: EchoRelay

    init(role: Role, family: IPFamily, relay: EchoRelay) {
        self.role = role
        self.family = family
        self.relay = relay
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let sender = envelope.remoteAddress.ipAddress.flatMap({ IPAddress($0) }) else { return }
        var buffer = envelope.data
        // A raw IPv4 socket delivers the IP header too.
        if case .raw = role, family == .v4, let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) {
            let headerLength = Int(first & 0x0F) * 4
            guard first >> 4 == 4, buffer.readableBytes >= headerLength else { return }
            buffer.moveReaderIndex(forwardBy: headerLength)
        }
        let message = buffer.withUnsafeReadableBytes { EchoMessage.classify($0, family: family) }
        var payload = ByteBuffer()
        if case .reply(_, _, let offset) = message, buffer.readableBytes >= offset {
            payload = buffer.getSlice(at: buffer.readerIndex + offset, length: buffer.readableBytes - offset) ?? ByteBuffer()
        }
        let key: EchoRelay.FlowKey?
        if case .ping(let flowKey) = role { key = flowKey } else { key = nil }
        relay.received(message, from: sender, key: key, data: payload)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Asynchronous socket errors carry no flow; the codespace's ping times out instead.
    }
}
