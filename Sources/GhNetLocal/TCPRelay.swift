import GhNetCore
import Foundation
import GhNetAddress
import GhNetWire
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The local side of TCP: for each stream the agent opens, a real `connect()` from this machine,
/// whose outcome goes back as `tcpOpenResult` (so the app in the codespace sees the same success,
/// refusal, unreachability or silence); then the byte stream in both directions with credit
/// windows, half-closes and resets.
///
/// Bounds: at most `maximumStreams` streams, counting those still connecting (a new open beyond
/// it is answered "refused" and logged). Per stream, bytes from the agent waiting for the socket
/// are at most the credit window granted (``initialWindow``, doubling while the agent keeps
/// running into it, up to ``maximumWindow``, the growth lent by one ``CreditBudget`` of
/// ``creditBudget`` bytes for all streams), and the socket is only read while the agent has
/// granted credit (at most one read cycle waits: SwiftNIO's 4 reads of up to 256 KiB) and the
/// link is not congested (more than ``FrameLink/datagramDropThreshold`` bytes waiting: then no
/// socket is read until it drains, whatever credit the agent claims to grant). Memory is thus at
/// most streams × (first window + one read cycle) + the budget, whatever the speed of either end.
public final class TCPRelay: Sendable {
    /// The credit a new stream grants the agent: what it may have waiting for its socket. The
    /// agent may send this much before the open result (early data).
    public static let initialWindow: UInt32 = Capabilities.earlyDataWindow
    /// The most a stream's credit window grows to.
    public static let maximumWindow: UInt32 = 8 << 20
    /// Window growth lent across all streams.
    public static let creditBudget = 32 << 20
    /// The largest data frame payload we send (and socket read we make): a bulk download moves
    /// in 256 KiB reads and frames, a quarter of the syscalls and frames of 64 KiB.
    static let maximumChunk = 256 * 1024
    /// Socket reads: growing with the traffic up to one data frame's payload.
    static let readSize = AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 16 * 1024, maximum: maximumChunk)

    private let streams = Mutex<[StreamID: TCPStreamHandler]>([:])
    /// Lends window growth to the streams; used on the loop only.
    let budget: NIOLoopBoundBox<CreditBudget>
    private let loop: any EventLoop
    private let sink: any FrameSink
    private let policy: any FlowPolicyCheck
    let monitor: ActivityMonitor
    let logger: Logger
    private let maximumStreams: Int
    private let connectTimeout: TimeAmount

    /// Sockets are made on `loop`, where the frames arrive.
    public init(loop: any EventLoop, sink: any FrameSink, policy: any FlowPolicyCheck, monitor: ActivityMonitor, logger: Logger,
                maximumStreams: Int = 16_384, connectTimeout: TimeAmount = .seconds(130)) {
        self.loop = loop
        self.budget = .makeBoxSendingValue(CreditBudget(limit: Self.creditBudget), eventLoop: loop)
        self.sink = sink
        self.policy = policy
        self.monitor = monitor
        self.logger = logger
        self.maximumStreams = maximumStreams
        self.connectTimeout = connectTimeout
        loop.execute { [weak self] in
            sink.whenWritableAgain { [weak self] in self?.linkWritableAgain() }
        }
    }

    /// The link to the agent drained after congestion: the streams read their sockets again.
    private func linkWritableAgain() {
        for handler in streams.withLock({ Array($0.values) }) { handler.linkWritableAgain() }
    }

    /// Number of open streams.
    public var streamCount: Int { streams.withLock { $0.count } }

    /// The agent asks for a connection from `source` (the app) to `destination`; the outcome
    /// of the `connect()` goes back as `tcpOpenResult` when it is known (a connect may take
    /// minutes: nothing waits for it).
    public func open(stream: StreamID, source: Endpoint, destination: Endpoint, window: UInt32) {
        if let reason = policy.refusal(for: destination.address) {
            monitor.failed(.tcp, source: source.description, destination: destination.description, reason: "blocked: \(reason)")
            sink.send(.tcpOpenResult(stream: stream, result: .adminProhibited))
            return
        }
        let flow = monitor.opened(.tcp, source: source.description, destination: destination.description, state: .connecting)
        let handler = TCPStreamHandler(stream: stream, loop: loop, sink: sink, initialWindow: window, relay: self, flow: flow)
        // The stream counts from here, while its connect() runs, so a flood of opens is bounded too.
        let admission = streams.withLock { streams -> Admission in
            if streams[stream] != nil { return .duplicate }
            guard streams.count < maximumStreams else { return .full }
            streams[stream] = handler
            return .admitted
        }
        switch admission {
        case .admitted:
            break
        case .duplicate:
            logger.warning("tcp stream \(stream): the agent opened it twice; the second open is ignored")
            monitor.ended(flow, as: .failed("duplicate stream"))
            return
        case .full:
            logger.warning("tcp \(source) → \(destination) refused: \(maximumStreams) connections are open already")
            monitor.ended(flow, as: .failed("refused: too many connections"))
            sink.send(.tcpOpenResult(stream: stream, result: .refused))
            return
        }
        let remote: SocketAddress
        do {
            remote = try SocketAddress(ipAddress: destination.address.description, port: Int(destination.port))
        } catch {
            openFailed(stream: stream, source: source, destination: destination, flow: flow, error: error)
            return
        }
        ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.recvAllocator, value: Self.readSize)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .connect(to: remote)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    let local = channel.localAddress.flatMap { address in
                        address.ipAddress.flatMap(IPAddress.init).map { Endpoint($0, port: UInt16(address.port ?? 0)) }
                    } ?? Endpoint(destination.address, port: 0)
                    self.logger.debug("tcp \(source) → \(destination) connected from \(local)")
                    self.monitor.changed(flow, to: .open)
                    self.sink.send(.tcpOpenResult(stream: stream, result: .connected(local: local, window: Self.initialWindow)))
                    handler.start()
                case .failure(let error):
                    self.openFailed(stream: stream, source: source, destination: destination, flow: flow, error: error)
                }
            }
    }

    private func openFailed(stream: StreamID, source: Endpoint, destination: Endpoint, flow: ActivityMonitor.FlowID, error: any Error) {
        let result = Self.openResult(for: error)
        logger.debug("tcp \(source) → \(destination): \(error) → \(result)")
        forget(stream)
        monitor.ended(flow, as: .failed(Self.shortText(for: result)))
        sink.send(.tcpOpenResult(stream: stream, result: result))
    }

    /// A frame about an existing stream.
    public func handle(_ frame: Frame) {
        switch frame {
        case .data(let stream, let offset, let payload):
            withStream(stream) { $0.dataFromAgent(offset: offset, payload: payload) }
        case .windowCredit(let stream, let consumed, let window):
            // A late credit for a stream that already ended cleanly is normal: ignore it.
            withStream(stream, answerUnknown: false) { $0.credit(consumed: consumed, window: window) }
        case .halfClose(let stream, let offset):
            withStream(stream) { $0.agentHalfClosed(offset: offset) }
        case .reset(let stream, let reason):
            withStream(stream, answerUnknown: false) { $0.agentReset(reason) }
        default:
            break
        }
    }

    /// Closes every stream (the session is ending).
    public func closeAll() {
        let all = streams.withLock { streams -> [TCPStreamHandler] in
            defer { streams.removeAll() }
            return Array(streams.values)
        }
        for handler in all { handler.abort() }
    }

    func forget(_ stream: StreamID) {
        _ = streams.withLock { $0.removeValue(forKey: stream) }
    }

    private func withStream(_ stream: StreamID, answerUnknown: Bool = true, _ body: @escaping @Sendable (TCPStreamHandler) -> Void) {
        guard let handler = streams.withLock({ $0[stream] }) else {
            if answerUnknown { sink.send(.reset(stream: stream, reason: .unknownStream)) }
            return
        }
        handler.onLoop { body(handler) }
    }

    /// Whether a new stream may start.
    private enum Admission {
        case admitted
        /// A stream with this identifier exists already.
        case duplicate
        /// `maximumStreams` streams exist.
        case full
    }

    /// The NAT panel's word for a failed `connect()`.
    static func shortText(for result: TCPOpenResult) -> String {
        switch result {
        case .connected: "open"
        case .refused: "refused"
        case .networkUnreachable: "net unreachable"
        case .hostUnreachable: "host unreachable"
        case .adminProhibited: "blocked"
        case .timedOut: "timed out"
        case .otherError(let errno): "failed (\(String(cString: strerror(errno))))"
        }
    }

    /// What the app should see for a failed `connect()`.
    static func openResult(for error: any Error) -> TCPOpenResult {
        if error is ChannelError { return .timedOut }
        if let connect = error as? NIOConnectionError, let first = connect.connectionErrors.first?.error {
            return openResult(for: first)
        }
        guard let io = error as? IOError else { return .otherError(errno: EIO) }
        switch io.errnoCode {
        case ECONNREFUSED: return .refused
        case ENETUNREACH: return .networkUnreachable
        case EHOSTUNREACH: return .hostUnreachable
        case ETIMEDOUT: return .timedOut
        case EACCES, EPERM: return .adminProhibited
        default: return .otherError(errno: io.errnoCode)
        }
    }
}
