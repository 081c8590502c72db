import GhNetAddress
import GhNetCore
import GhNetPackets
import GhNetTCP
import GhNetWire
import Logging
import NIOCore

/// The agent's TCP side: one ``TCPConnection`` per codespace connection, fed by the segments the
/// TUN delivers, the frames the local side sends and one timer each; what they decide goes out
/// as packets into the TUN and frames to the local side.
///
/// Everything runs on one event loop (the link's, which the TUN channel shares); other threads hand frames over with
/// ``frame(_:)``. Bound: at most `maximumConnections` connections; a SYN beyond that gets an RST
/// and a log line. Each connection's memory is bounded by its ``TCPConfiguration``: its send
/// buffer holds at most the credit granted to the local side, which starts at
/// ``initialWindow`` and doubles while the local side keeps running into it, up to
/// ``maximumWindow``, the growth lent by one ``CreditBudget`` of ``creditBudget`` bytes for all
/// connections.
final class TCPEndpoints: @unchecked Sendable {
    /// One connection and its stream on the wire; used on the loop only (`@unchecked Sendable`
    /// so its timer's closure, which runs there, may hold it).
    private final class Entry: @unchecked Sendable {
        var connection: TCPConnection
        let stream: StreamID
        /// Bytes sent to the local side (the offset of the next data frame).
        var sentToLocal: UInt64 = 0
        /// The credit granted to the local side for server → app bytes (set when the open is
        /// requested): order and credit of its data frames, and when to grant more.
        var credit = ReceiveCredit(window: 0)
        /// Server bytes the app has acknowledged so far (reported by the connection).
        var acknowledged: UInt64 = 0
        /// The local side knows the stream (its connect succeeded).
        var connected = false
        /// The app's SYN was answered before the local side's connect ended (early data).
        var answeredEarly = false
        /// The local side holds the stream: connected, or still connecting with early data it
        /// would write once connected. An end other than a clean close must reset it.
        var localHoldsStream: Bool { connected || answeredEarly }
        var timer: Scheduled<Void>?
        var timerDeadline: TCPInstant?

        init(connection: TCPConnection, stream: StreamID) {
            self.connection = connection
            self.stream = stream
        }
    }

    /// The credit a new connection grants the local side for server → app bytes.
    static let initialWindow: UInt32 = 64 << 10
    /// The largest send buffer and receive window: a stream's credit grows up to this.
    static let maximumWindow = 8 << 20
    /// Credit growth lent across all connections.
    static let creditBudget = 32 << 20

    let loop: any EventLoop
    private let sink: any FrameSink
    private let budget = CreditBudget(limit: creditBudget)
    /// The local side takes early data (``Capabilities/earlyData``): SYNs to servers in
    /// ``recentConnects`` are answered at once.
    private let earlyData: Bool
    private var recentConnects = RecentConnects()
    /// Writes one packet into the TUN: its first bytes, then the rest (empty, or a payload that
    /// stays in the send buffer: one gathering write, no copy), with the device header that says
    /// whether the kernel completes the TCP checksum.
    private let writePacket: @Sendable (UnsafeRawBufferPointer, UnsafeRawBufferPointer, VirtioNetHeader) -> Bool
    /// Segments leave their checksum to the TUN device (``TunDevice/checksumOffload``).
    private let offloadChecksums: Bool
    private let logger: Logger
    private let configuration: TCPConfiguration
    private let maximumConnections: Int
    private var connections: [TCPFlowKey: Entry] = [:]
    private var flows: [StreamID: TCPFlowKey] = [:]
    private var nextStream: UInt32 = 1
    private var random = SystemRandomNumberGenerator()
    /// Room for the largest IPv6 + TCP headers (40 + 60 bytes).
    private var packet = [UInt8](repeating: 0, count: 128)

    init(loop: any EventLoop, sink: any FrameSink, mtu: Int, offloadChecksums: Bool, earlyData: Bool, logger: Logger,
         maximumConnections: Int = 16_384,
         writePacket: @escaping @Sendable (UnsafeRawBufferPointer, UnsafeRawBufferPointer, VirtioNetHeader) -> Bool) {
        var configuration = TCPConfiguration()
        configuration.mtu = mtu
        // Large enough for the SSH link's bandwidth × delay; the credit decides what is used.
        configuration.sendBufferCapacity = Self.maximumWindow
        configuration.maximumReceiveWindow = Self.maximumWindow
        self.loop = loop
        self.sink = sink
        self.configuration = configuration
        self.logger = logger
        self.maximumConnections = maximumConnections
        self.writePacket = writePacket
        self.offloadChecksums = offloadChecksums
        self.earlyData = earlyData
    }

    /// Number of connections held.
    var count: Int { connections.count }

    /// The loop's clock (the real one, or an embedded loop's virtual one in tests).
    private var now: TCPInstant { TCPInstant(nanoseconds: UInt64(loop.now.uptimeNanoseconds)) }

    // MARK: From the TUN

    /// A segment the codespace's kernel sent (on the loop).
    func segment(_ header: TCPSegmentHeader, addresses: IPAddressPair, payload: ByteBuffer) {
        let flow = TCPFlowKey(addresses: addresses, header: header)
        if let entry = connections[flow] {
            payload.withUnsafeReadableBytes { entry.connection.segmentReceived(header, payload: $0, now: now) }
            pump(entry, flow: flow, payload: payload, reopening: (header, addresses))
            return
        }
        guard TCPConnection.isConnectionRequest(header) else {
            answerWithReset(header, addresses: addresses, payloadCount: payload.readableBytes)
            return
        }
        guard connections.count < maximumConnections else {
            logger.warning("tcp \(flow): refused, \(maximumConnections) connections are open already")
            answerWithReset(header, addresses: addresses, payloadCount: payload.readableBytes)
            return
        }
        guard let connection = TCPConnection(syn: header, addresses: addresses, configuration: configuration, now: now, random: &random) else { return }
        let stream = allocateStream()
        let entry = Entry(connection: connection, stream: stream)
        connections[flow] = entry
        flows[stream] = flow
        pump(entry, flow: flow, payload: payload, reopening: nil)
    }

    private func allocateStream() -> StreamID {
        while flows[StreamID(rawValue: nextStream)] != nil || nextStream == 0 { nextStream &+= 1 }
        defer { nextStream &+= 1 }
        return StreamID(rawValue: nextStream)
    }

    private func answerWithReset(_ header: TCPSegmentHeader, addresses: IPAddressPair, payloadCount: Int) {
        guard let reset = tcpReset(answering: header, payloadCount: payloadCount) else { return }
        emit(header: reset, addresses: addresses.reversed, payload: UnsafeRawBufferPointer(start: nil, count: 0))
    }

    // MARK: From the local side

    /// A stream frame from the local side (any thread; on the loop it is handled at once).
    func frame(_ frame: Frame) {
        if loop.inEventLoop { handle(frame) } else { loop.execute { self.handle(frame) } }
    }

    private func handle(_ frame: Frame) {
        switch frame {
        case .tcpOpenResult(let stream, let result):
            guard let (flow, entry) = lookup(stream) else { return }
            let server = Endpoint(flow.serverAddress, port: flow.serverPort)
            switch result {
            case .connected(_, let window):
                entry.connected = true
                recentConnects.succeeded(server, at: .now)
                if entry.answeredEarly {
                    entry.connection.creditReceived(consumed: 0, window: window)
                } else {
                    entry.connection.openSucceeded(initialWindow: window)
                }
            case .refused, .otherError, .networkUnreachable, .hostUnreachable, .adminProhibited, .timedOut:
                recentConnects.failed(server)
                if entry.answeredEarly {
                    // The app saw its connection accepted: all that is left to tell it is a reset.
                    // The local side has already forgotten the stream.
                    logger.debug("tcp \(flow): answered early, but the connect failed (\(result)): reset")
                    entry.answeredEarly = false
                    entry.connection.abort()
                } else {
                    entry.connection.openFailed(Self.openFailure(result))
                }
            }
            pump(entry, flow: flow, payload: nil, reopening: nil)
        case .data(let stream, let offset, let payload):
            guard let (flow, entry) = lookup(stream, answerUnknown: true) else { return }
            let count = payload.readableBytes
            do {
                try entry.credit.receive(offset: offset, count: count)
            } catch {
                flowControlBroken(entry, flow: flow, "\(error)")
                return
            }
            let accepted = entry.connection.send(payload)
            guard accepted == count else {
                flowControlBroken(entry, flow: flow, "\(count - accepted) bytes beyond the send buffer")
                return
            }
            pump(entry, flow: flow, payload: nil, reopening: nil)
        case .windowCredit(let stream, let consumed, let window):
            guard let (flow, entry) = lookup(stream, answerUnknown: true) else { return }
            entry.connection.creditReceived(consumed: consumed, window: window)
            pump(entry, flow: flow, payload: nil, reopening: nil)
        case .halfClose(let stream, _):
            guard let (flow, entry) = lookup(stream) else { return }
            entry.connection.shutdownWrite()
            pump(entry, flow: flow, payload: nil, reopening: nil)
        case .reset(let stream, _):
            guard let (flow, entry) = lookup(stream) else { return }
            entry.connected = false
            entry.answeredEarly = false
            entry.connection.abort()
            pump(entry, flow: flow, payload: nil, reopening: nil)
        default:
            break
        }
    }

    /// What a failed open means for the held SYN.
    private static func openFailure(_ result: TCPOpenResult) -> TCPOpenFailure {
        switch result {
        case .networkUnreachable: .unreachable(.network)
        case .hostUnreachable: .unreachable(.host)
        case .adminProhibited: .unreachable(.administrativelyProhibited)
        case .timedOut: .timedOut
        case .connected, .refused, .otherError: .refused
        }
    }

    private func flowControlBroken(_ entry: Entry, flow: TCPFlowKey, _ detail: String) {
        logger.warning("tcp \(flow): the local side broke flow control (\(detail))")
        sink.send(.reset(stream: entry.stream, reason: .flowControlViolation))
        // That reset is the only one the local side gets (``forget`` would send another).
        entry.connected = false
        entry.answeredEarly = false
        entry.connection.abort()
        pump(entry, flow: flow, payload: nil, reopening: nil)
    }

    private func lookup(_ stream: StreamID, answerUnknown: Bool = false) -> (TCPFlowKey, Entry)? {
        guard let flow = flows[stream], let entry = connections[flow] else {
            if answerUnknown { sink.send(.reset(stream: stream, reason: .unknownStream)) }
            return nil
        }
        return (flow, entry)
    }

    // MARK: Carrying out what a connection decided

    /// Handles the connection's events, writes its segments and re-arms its timer.
    private func pump(_ entry: Entry, flow: TCPFlowKey, payload: ByteBuffer?, reopening: (TCPSegmentHeader, IPAddressPair)?) {
        var closed: TCPCloseReason?
        while let event = entry.connection.nextEvent() {
            switch event {
            case .openRequested(let flow, let window):
                logger.debug("tcp \(flow): opening stream \(entry.stream)")
                // The send buffer's size is the most the credit may grow to.
                entry.credit = ReceiveCredit(window: min(Self.initialWindow, window), maximumWindow: window)
                let server = Endpoint(flow.serverAddress, port: flow.serverPort)
                sink.send(.tcpOpen(stream: entry.stream, source: Endpoint(flow.appAddress, port: flow.appPort),
                                   destination: server, window: entry.credit.window))
                if earlyData && recentConnects.vouchesFor(server, at: .now) {
                    logger.debug("tcp \(flow): answered at once (the server accepted a connection moments ago)")
                    entry.answeredEarly = true
                    entry.connection.openSucceeded(initialWindow: Capabilities.earlyDataWindow)
                }
            case .deliverFromSegment(let range):
                guard let payload, let slice = payload.getSlice(at: payload.readerIndex + range.lowerBound, length: range.count) else { continue }
                sendData(entry, slice)
            case .deliverReassembled(let bytes):
                sendData(entry, ByteBuffer(bytes: bytes))
            case .peerHalfClosed:
                sink.send(.halfClose(stream: entry.stream, offset: entry.sentToLocal))
            case .sendSpaceReleased(let acknowledged):
                let released = Int(acknowledged - entry.acknowledged)
                entry.acknowledged = acknowledged
                let window = entry.credit.window
                if let grant = entry.credit.consume(released, budget: budget) {
                    if grant.window != window { logger.debug("tcp \(flow): credit window \(grant.window >> 10) KiB") }
                    sink.send(.windowCredit(stream: entry.stream, consumed: grant.consumed, window: grant.window))
                }
            case .unreachable(let reason, let quoting):
                if let original = try? PacketBuilder.tcp(addresses: flow.addresses, header: quoting),
                   let error = original.withUnsafeBytes({ try? PacketBuilder.destinationUnreachable(reason, quoting: $0) }) {
                    _ = error.withUnsafeBytes { writePacket($0, UnsafeRawBufferPointer(start: nil, count: 0), .plain) }
                }
            case .closed(let reason):
                closed = reason
            }
        }
        let instant = now
        while let segment = entry.connection.nextSegment(now: instant) {
            entry.connection.withPayload(of: segment) { emit(header: segment.header, addresses: flow.replyAddresses, payload: $0) }
        }
        if let reason = closed {
            forget(entry, flow: flow, reason: reason)
            if reason == .reopened, let (header, addresses) = reopening, let payload {
                segment(header, addresses: addresses, payload: payload)
            }
            return
        }
        armTimer(entry, flow: flow)
    }

    private func sendData(_ entry: Entry, _ bytes: ByteBuffer) {
        sink.send(.data(stream: entry.stream, offset: entry.sentToLocal, payload: bytes))
        entry.sentToLocal += UInt64(bytes.readableBytes)
    }

    /// Writes the segment as one packet: the headers from a scratch buffer, the payload from
    /// where it is (the connection's send buffer or the segment that arrived).
    private func emit(header: TCPSegmentHeader, addresses: IPAddressPair, payload: UnsafeRawBufferPointer) {
        let written = packet.withUnsafeMutableBytes { buffer -> Int? in
            try? PacketBuilder.writeTCPHeaders(addresses: addresses, header: header, payload: payload,
                                               offloadingChecksum: offloadChecksums, into: buffer)
        }
        guard let written else { return }
        let device: VirtioNetHeader = offloadChecksums
            ? .partialChecksum(transportOffset: IPHeader.length(of: addresses.family), fieldOffset: TCPSegmentHeader.checksumFieldOffset)
            : .plain
        _ = packet.withUnsafeBytes { writePacket(UnsafeRawBufferPointer(rebasing: $0[0..<written]), payload, device) }
    }

    /// Keeps a task scheduled no later than the connection's next deadline. A deadline that moved
    /// later (the usual case: every acknowledgment pushes the retransmission deadline back) or
    /// went away keeps the task already scheduled, which then fires early, finds nothing due
    /// (``TCPConnection/timerFired(now:)`` allows that) and arms the next one: cancelling and
    /// scheduling again for every segment cost several percent of the agent's time.
    private func armTimer(_ entry: Entry, flow: TCPFlowKey) {
        guard let deadline = entry.connection.nextDeadline else { return }
        if let armed = entry.timerDeadline, armed <= deadline { return }
        entry.timer?.cancel()
        entry.timerDeadline = deadline
        entry.timer = loop.scheduleTask(deadline: .uptimeNanoseconds(deadline.nanoseconds)) { [weak self, weak entry] in
            guard let self, let entry, self.connections[flow] === entry else { return }
            entry.timer = nil
            entry.timerDeadline = nil
            entry.connection.timerFired(now: self.now)
            self.pump(entry, flow: flow, payload: nil, reopening: nil)
        }
    }

    private func forget(_ entry: Entry, flow: TCPFlowKey, reason: TCPCloseReason) {
        entry.timer?.cancel()
        connections[flow] = nil
        flows[entry.stream] = nil
        budget.giveBack(entry.credit.borrowed)
        logger.debug("tcp \(flow): closed (\(reason))")
        switch reason {
        case .completed, .openFailed, .reopened:
            // Both directions finished (or the stream never existed on the local side).
            break
        case .resetByApp, .aborted, .retransmissionsExhausted:
            // Also while it is still connecting: its early bytes must not reach the server.
            if entry.localHoldsStream {
                sink.send(.reset(stream: entry.stream, reason: reason == .retransmissionsExhausted ? .timedOut : .aborted))
            }
        }
    }

    /// Resets every connection (the session is ending); on the loop.
    func closeAll() {
        for (flow, entry) in connections {
            entry.connected = false
            entry.answeredEarly = false
            entry.connection.abort()
            pump(entry, flow: flow, payload: nil, reopening: nil)
        }
    }
}
