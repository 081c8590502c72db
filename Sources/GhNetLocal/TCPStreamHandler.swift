import GhNetCore
import GhNetWire
import NIOCore
import NIOPosix

/// One stream's socket on the local side, with its flow control. All state lives on the relay's
/// event loop (`@unchecked Sendable`: other threads only reach it through ``onLoop(_:)``).
///
/// To the agent: the socket is read only while the agent's credit allows (autoRead is off) and
/// the link is not congested, so a slow app in the codespace, or an agent that stops reading,
/// stops the server here. From the agent: data is written to the
/// socket and credit is granted back as the socket takes it, so a slow server stops the app.
/// Data and a half-close that arrive before the socket connected (early data, see
/// ``Capabilities/earlyData``) wait, within the first credit window, and go out once it is.
final class TCPStreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private let stream: StreamID
    private let loop: any EventLoop
    private let sink: any FrameSink
    /// This stream's NAT record.
    private let flow: ActivityMonitor.FlowID
    private weak var relay: TCPRelay?
    private var context: ChannelHandlerContext?
    private var sendCredit: SendCredit
    private var receiveCredit = ReceiveCredit(window: TCPRelay.initialWindow, maximumWindow: TCPRelay.maximumWindow)
    /// Reads from the socket that the agent's credit did not yet allow to send (at most one read
    /// cycle: SwiftNIO's 4 reads of up to 256 KiB), kept as they were read.
    private var pendingToAgent = CircularBuffer<ByteBuffer>(initialCapacity: 4)
    private var readInFlight = false
    /// The server closed its sending side; a halfClose goes to the agent once pending data is out.
    private var serverFinished = false
    private var sentHalfClose = false
    private var agentFinished = false
    /// Our sending side was shut down after every byte of the app's was written.
    private var outputShutDown = false
    /// The socket is connected and the open result sent (``start()``).
    private var started = false
    /// Bytes from the agent that came before the socket connected (at most the first window).
    private var early: [ByteBuffer] = []
    private var lastWrite: EventLoopFuture<Void>?
    /// A flush of the socket's writes is due at the end of the loop's round.
    private var flushScheduled = false
    /// The stream is over (reset, or both directions finished); nothing more is sent.
    private var ended = false
    /// The socket reported an error (a reset, not a clean end).
    private var errorSeen = false
    /// The socket is closed; the handler lingers only to pass on what it read.
    private var socketClosed = false
    /// The bytes the socket had taken (``ReceiveCredit/consumed``) at the previous check of
    /// ``stallWatch``.
    private var consumedAtLastCheck: UInt64 = 0
    /// Runs while the app has finished sending and its last bytes wait for the server.
    private var stallWatch: RepeatedTask?

    /// A server that takes none of the app's last bytes during a whole check period of this
    /// length has its connection reset: the app has finished, and the stream must not hold its
    /// slot and its window for ever. (A server that stops mid-period is caught at the end of the
    /// next one.)
    static let writeStallLimit: TimeAmount = .seconds(60)

    init(stream: StreamID, loop: any EventLoop, sink: any FrameSink, initialWindow: UInt32, relay: TCPRelay, flow: ActivityMonitor.FlowID) {
        self.stream = stream
        self.loop = loop
        self.sink = sink
        self.flow = flow
        self.sendCredit = SendCredit(initialWindow: initialWindow, maximumWindow: TCPRelay.maximumWindow)
        self.relay = relay
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    /// Runs `body` on this stream's event loop.
    func onLoop(_ body: @escaping @Sendable () -> Void) {
        if loop.inEventLoop { body() } else { loop.execute(body) }
    }

    /// The connection is up and announced: early data goes out, reading starts.
    func start() {
        onLoop {
            guard let context = self.context else { return }
            // Reset while it was connecting: the connection goes at once.
            guard !self.ended else { return self.abortSocket() }
            self.started = true
            for payload in self.early { self.write(payload, context: context) }
            self.early = []
            if self.agentFinished {
                self.noteHalfClose()
                self.shutdownOutputAfterWrites()
            }
            self.readIfAllowed()
        }
    }

    // MARK: server → agent

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The read buffers themselves: their slices become the data frames' payloads, no copy.
        let buffer = unwrapInboundIn(data).compactedIfSparse()
        if buffer.readableBytes > 0 { pendingToAgent.append(buffer) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readInFlight = false
        flushToAgent()
        readIfAllowed()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            relay?.logger.trace("tcp stream \(stream): the server finished sending")
            serverFinished = true
            noteHalfClose()
            flushToAgent()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Sends what the credit allows, and the halfClose after the last byte.
    private func flushToAgent() {
        while !pendingToAgent.isEmpty && sendCredit.available > 0 {
            let first = pendingToAgent.startIndex
            let count = min(pendingToAgent[first].readableBytes, sendCredit.available, TCPRelay.maximumChunk)
            let offset = sendCredit.didSend(count)
            let slice = pendingToAgent[first].readSlice(length: count)!
            if pendingToAgent[first].readableBytes == 0 { pendingToAgent.removeFirst() }
            sink.send(.data(stream: stream, offset: offset, payload: slice))
            relay?.monitor.carried(flow, down: count)
        }
        if serverFinished && !sentHalfClose && pendingToAgent.isEmpty {
            sentHalfClose = true
            sink.send(.halfClose(stream: stream, offset: sendCredit.sent))
            closeIfDone()
            if socketClosed { relay?.forget(stream) }
        }
    }

    /// Reads the socket once if the agent's credit allows and the link to it is not congested.
    private func readIfAllowed() {
        guard let context, !readInFlight, !serverFinished, !ended,
              pendingToAgent.isEmpty, sendCredit.available > 0, sink.isWritable else { return }
        readInFlight = true
        context.read()
    }

    /// The congested link to the agent drained: reading may go on (on the loop).
    func linkWritableAgain() {
        readIfAllowed()
    }

    /// The agent granted more credit.
    func credit(consumed: UInt64, window: UInt32) {
        guard sendCredit.credit(consumed: consumed, window: window) else { return }
        flushToAgent()
        readIfAllowed()
    }

    // MARK: agent → server

    func dataFromAgent(offset: UInt64, payload: ByteBuffer) {
        guard !ended else { return }
        // Data past the agent's own halfClose (docs/wire-protocol.md, "Flow control").
        guard !agentFinished else { return fail(.flowControlViolation) }
        do {
            try receiveCredit.receive(offset: offset, count: payload.readableBytes)
        } catch {
            fail(.flowControlViolation)
            return
        }
        relay?.monitor.carried(flow, up: payload.readableBytes)
        guard started, let context else {
            early.append(payload)
            return
        }
        write(payload, context: context)
    }

    /// Writes bytes from the agent to the socket; credit goes back once the socket took them.
    private func write(_ payload: ByteBuffer, context: ChannelHandlerContext) {
        let count = payload.readableBytes
        // Written at the end of the loop's round, with whatever else arrived for this socket in
        // it: the pieces of a frame split across pipe reads go out in one write.
        let write = context.write(NIOAny(payload))
        lastWrite = write
        if !flushScheduled {
            flushScheduled = true
            context.eventLoop.execute { [self] in
                flushScheduled = false
                self.context?.flush()
            }
        }
        write.whenSuccess { [self] in
            let window = receiveCredit.window
            if let grant = receiveCredit.consume(count, budget: relay?.budget.value) {
                if grant.window != window { relay?.logger.debug("tcp stream \(stream): credit window \(grant.window >> 10) KiB") }
                sink.send(.windowCredit(stream: stream, consumed: grant.consumed, window: grant.window))
            }
        }
    }

    /// The app closed its sending side after `offset` bytes: shut down ours once everything is
    /// written. An offset other than the bytes received breaks the protocol (the server would
    /// see a clean end of a stream cut short, or too long): the stream is reset.
    func agentHalfClosed(offset: UInt64) {
        guard !agentFinished, !ended else { return }
        guard offset == receiveCredit.received else { return fail(.flowControlViolation) }
        relay?.logger.trace("tcp stream \(stream): the app finished sending")
        agentFinished = true
        guard started else { return }
        noteHalfClose()
        shutdownOutputAfterWrites()
    }

    /// Shuts the socket's sending side once everything written so far is out.
    private func shutdownOutputAfterWrites() {
        watchForWriteStall()
        afterWrites {
            guard let context = self.context else { return }
            let shutDown = context.eventLoop.makePromise(of: Void.self)
            shutDown.futureResult.whenSuccess { self.outputShutDown = true }
            context.close(mode: .output, promise: shutDown)
            self.closeIfDone()
        }
    }

    /// Runs `body` on the loop once every write made so far has completed (or failed).
    private func afterWrites(_ body: @escaping @Sendable () -> Void) {
        if let lastWrite { lastWrite.whenComplete { _ in self.onLoop(body) } } else { onLoop(body) }
    }

    /// Checks once per ``writeStallLimit`` that the server takes the app's last bytes; resets
    /// the connection when a whole period passed without progress.
    private func watchForWriteStall() {
        guard stallWatch == nil, let context else { return }
        consumedAtLastCheck = receiveCredit.consumed
        stallWatch = context.eventLoop.scheduleRepeatedTask(initialDelay: Self.writeStallLimit, delay: Self.writeStallLimit) { [self] task in
            let pending = receiveCredit.received > receiveCredit.consumed
            guard !socketClosed, pending else { return task.cancel() }
            guard receiveCredit.consumed == consumedAtLastCheck else {
                consumedAtLastCheck = receiveCredit.consumed
                return
            }
            task.cancel()
            relay?.logger.debug("tcp stream \(stream): the server took none of the app's last bytes for \(Self.writeStallLimit.nanoseconds / 1_000_000_000) s: reset")
            if ended { abortSocket() } else { fail(.aborted) }
        }
    }

    /// The app reset the connection: reset ours too. A reset for a stream the agent no longer
    /// knows, once both sides have sent their halfClose, is not a reset: the agent finished with
    /// the stream and forgot it (a credit of ours crossed its forgetting; docs/wire-protocol.md,
    /// resuming, item 4). What is still being written to the socket is then written, and the
    /// socket closed after it.
    func agentReset(_ reason: ResetReason) {
        guard !ended else { return }
        if reason == .unknownStream && agentFinished && sentHalfClose { return }
        abort()
    }

    // MARK: endings

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        relay?.logger.debug("tcp stream \(stream): \(error)")
        errorSeen = true
        // Once both directions have finished, a late error (e.g. the server's reset after its
        // FIN) changes nothing for the app.
        if sentHalfClose && agentFinished { return }
        fail(.aborted)
    }

    func channelInactive(context: ChannelHandlerContext) {
        relay?.logger.trace("tcp stream \(stream): socket closed (server finished \(serverFinished), app finished \(agentFinished), ended \(ended))")
        socketClosed = true
        stallWatch?.cancel()
        // Nothing more is written to the socket: the window's growth goes back to the budget.
        relay?.budget.value.giveBack(receiveCredit.borrowed)
        if !ended && !serverFinished && agentFinished && outputShutDown && !errorSeen {
            // NIO closes the whole channel when the server's FIN arrives after our own
            // shutdown, without an inputClosed event: that is a clean end of the server's side.
            // (Not when a write failed before the shutdown: NIO then closes without errorCaught.)
            serverFinished = true
            flushToAgent()
        }
        if !ended && !(serverFinished && agentFinished) {
            relay?.logger.debug("tcp stream \(stream): the socket closed before both directions finished")
            ended = true
            sink.send(.reset(stream: stream, reason: .aborted))
        }
        relay?.monitor.ended(flow, as: serverFinished && agentFinished && !errorSeen ? .closed : .reset)
        // Stay registered while read bytes still wait for the agent's credit.
        if ended || sentHalfClose { relay?.forget(stream) }
        context.fireChannelInactive()
    }

    /// Both directions are finished: close the socket once the agent's last bytes are written
    /// (closing drops the writes still queued, and the server would see a clean end short of
    /// them).
    private func closeIfDone() {
        guard sentHalfClose && agentFinished, !ended, let context else { return }
        ended = true
        relay?.monitor.ended(flow, as: .closed)
        guard !socketClosed else { return }
        let channel = context.channel
        afterWrites { channel.close(promise: nil) }
    }

    /// One direction finished: the NAT record says so until the other one does too.
    private func noteHalfClose() {
        if !(serverFinished && agentFinished) { relay?.monitor.changed(flow, to: .halfClosed) }
    }

    private func fail(_ reason: ResetReason) {
        guard !ended else { return }
        ended = true
        relay?.monitor.ended(flow, as: .reset)
        sink.send(.reset(stream: stream, reason: reason))
        abortSocket()
        forgetIfClosed()
    }

    /// Closes with a TCP reset (SO_LINGER 0), from any thread.
    func abort() {
        onLoop {
            self.ended = true
            self.relay?.monitor.ended(self.flow, as: .reset)
            self.abortSocket()
            self.forgetIfClosed()
        }
    }

    /// A stream whose socket closed earlier lingered for bytes still waiting for credit; once it
    /// ends, nothing will call ``channelInactive(context:)`` again to remove it from the relay.
    private func forgetIfClosed() {
        if socketClosed { relay?.forget(stream) }
    }

    private func abortSocket() {
        guard let context else { return }
        let channel = context.channel
        guard let socket = channel as? any SocketOptionProvider else {
            channel.close(promise: nil)
            return
        }
        socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }
}
