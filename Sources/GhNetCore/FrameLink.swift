import GhNetWire
import NIOCore
import NIOPosix

/// Where frames for the peer go: the ``FrameLink`` itself, or a test's recorder.
public protocol FrameSink: Sendable {
    /// Queues one frame for the peer; false when it was dropped (a datagram frame on a
    /// congested link, or a link already closed).
    @discardableResult
    func send(_ frame: Frame) -> Bool

    /// False while the link is congested: more than ``FrameLink/datagramDropThreshold`` bytes
    /// wait for the transport. Whoever reads sockets for the peer stops reading until it is
    /// writable again (back-pressure, so the queue stays bounded even when the peer stops
    /// reading).
    var isWritable: Bool { get }

    /// Calls `body` on the link's loop each time a congested link becomes writable again.
    func whenWritableAgain(_ body: @escaping () -> Void)
}

extension FrameSink {
    public var isWritable: Bool { true }
    public func whenWritableAgain(_ body: @escaping () -> Void) {}
}

extension Frame {
    /// Frames that may be lost on a congested link: datagrams (the app above retries), and the
    /// answers to a peer that sends without reading ours (a keepalive's echo, the reset of a
    /// stream we do not know), which would otherwise pile up without bound.
    var isDroppable: Bool {
        switch self {
        case .udpDatagram, .icmpEchoRequest, .icmpEchoReply, .icmpError, .dnsQuery, .dnsAnswer, .dnsFailure: true
        case .keepaliveAck, .reset(_, .unknownStream): true
        default: false
        }
    }
}

extension Frame {
    /// The frame, with a payload that uses under a fifth of the read buffer it is a slice of
    /// copied into storage of its own (``ByteBuffer/compactedIfSparse()``): a frame waiting in a
    /// queue must not keep a whole read buffer (up to ``StreamReadSize``'s maximum) alive for a
    /// few bytes.
    func compacted() -> Frame {
        switch self {
        case .data(let stream, let offset, let payload):
            return .data(stream: stream, offset: offset, payload: payload.compactedIfSparse())
        case .udpDatagram(let source, let destination, let payload):
            return .udpDatagram(source: source, destination: destination, payload: payload.compactedIfSparse())
        case .dnsQuery(let id, let payload):
            return .dnsQuery(id: id, payload: payload.compactedIfSparse())
        case .dnsAnswer(let id, let payload):
            return .dnsAnswer(id: id, payload: payload.compactedIfSparse())
        case .icmpEchoRequest(var echo):
            echo.payload = echo.payload.compactedIfSparse()
            return .icmpEchoRequest(echo)
        case .icmpEchoReply(var echo):
            echo.payload = echo.payload.compactedIfSparse()
            return .icmpEchoReply(echo)
        default:
            return self
        }
    }
}

/// The transport's byte stream (ssh's stdin/stdout on the local side, the agent's own on the
/// remote side) as frames, on the stream channel's event loop — the loop every other channel of
/// the data path (TUN, TCP and UDP sockets) is on too, so a frame goes from the pipe to a
/// socket and back without changing threads.
///
/// Inbound: the raw phase first (the local side's agent delivery reads plain bytes with
/// ``readChunk()``), then frames (``FrameSession`` asks for them): each read chunk is decoded
/// by a ``FrameStreamDecoder`` and every frame handed to the session at once, on the loop.
///
/// Outbound: ``send(_:)`` encodes into a ``FrameBatch``; the batch goes out as one gathering
/// write when the loop finishes its current round, so everything one round of reads produced
/// leaves in one `writev`.
///
/// Bound: frames the pipe has not taken yet stay in the channel's outbound buffer. Stream and
/// control frames are always queued (their number is bounded by the credit windows and the
/// stream tables); once more than ``datagramDropThreshold`` bytes wait, datagram frames (UDP,
/// ICMP, DNS) and answers to a peer that does not read (keepalive echoes, resets of unknown
/// streams) are dropped and counted, as a congested link drops datagrams. A link installed with
/// `holdsInputWhenBacklogged` (the local side's) also stops reading the peer's frames while more
/// than ``inputHoldThreshold`` bytes wait, so a peer that sends requests without reading the
/// answers (opens to blocked addresses, say) cannot grow the queue without bound; the agent's
/// link never holds its input, so the two sides cannot wait for each other.
public final class FrameLink: FrameSink, @unchecked Sendable {
    /// Bytes waiting in the pipe's outbound buffer beyond which datagram frames are dropped.
    public static let datagramDropThreshold = 8 << 20

    /// Bytes waiting for the transport beyond which a link that holds its input reads no more
    /// frames, until the link is writable again (``datagramDropThreshold`` / 2 left). Far above
    /// what a working peer causes: the local side reads no socket while more than
    /// ``datagramDropThreshold`` bytes wait.
    public static let inputHoldThreshold = 4 * datagramDropThreshold

    /// The stream channel.
    public let channel: any Channel
    let handler: FrameLinkHandler

    /// The loop everything about the link runs on.
    public var eventLoop: any EventLoop { channel.eventLoop }

    /// Puts a link on a new stream channel; call on the channel's loop (its initializer) before
    /// the channel reads anything. The channel must not read by itself (`autoRead` off). With
    /// `holdsInputWhenBacklogged`, no frames are read while more than ``inputHoldThreshold``
    /// bytes wait to be written; only one side of a link may do so.
    public static func install(on channel: any Channel, holdsInputWhenBacklogged: Bool = false) throws -> FrameLink {
        let handler = FrameLinkHandler(inputHoldThreshold: holdsInputWhenBacklogged ? inputHoldThreshold : nil)
        try channel.pipeline.syncOperations.addHandler(handler)
        return FrameLink(channel: channel, handler: handler)
    }

    /// The options a stream channel for a link needs.
    public static func configure(_ bootstrap: NIOPipeBootstrap) -> NIOPipeBootstrap {
        bootstrap
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.autoRead, value: false)
            .channelOption(.recvAllocator, value: StreamReadSize.allocator)
            .channelOption(.writeBufferWaterMark, value: .init(low: datagramDropThreshold / 2, high: datagramDropThreshold))
    }

    private init(channel: any Channel, handler: FrameLinkHandler) {
        self.channel = channel
        self.handler = handler
    }

    // MARK: Raw phase

    /// The next chunk of plain bytes (before frames start); `nil` at the end of the stream.
    public func readChunk() async throws -> ByteBuffer? {
        try await eventLoop.flatSubmit { self.handler.nextRawChunk(on: self.eventLoop) }.get()
    }

    /// Writes plain bytes; returns once the pipe has taken them.
    public func writeRaw(_ bytes: ByteBuffer) async throws {
        try await channel.writeAndFlush(bytes).get()
    }

    // MARK: Frames

    /// False while more than ``datagramDropThreshold`` bytes wait for the transport (until
    /// half of that is left).
    public var isWritable: Bool { channel.isWritable }

    /// Calls `body` on the loop each time the link becomes writable again; call on the loop.
    public func whenWritableAgain(_ body: @escaping () -> Void) {
        eventLoop.preconditionInEventLoop()
        handler.writableAgainObservers.append(body)
    }

    /// Sends a frame (from any thread; on the loop it is queued at once). From another thread,
    /// a datagram frame the congested link would drop is refused here already (false), so the
    /// caller can answer at once (DNS: SERVFAIL); any other frame is handed to the loop (true).
    @discardableResult
    public func send(_ frame: Frame) -> Bool {
        guard eventLoop.inEventLoop else {
            if frame.isDroppable && !channel.isWritable {
                eventLoop.execute { self.handler.countDropped() }
                return false
            }
            eventLoop.execute { _ = self.handler.send(frame) }
            return true
        }
        return handler.send(frame)
    }

    /// True when the link holds its input (``inputHoldThreshold``) and the transport took bytes
    /// since the previous call: a live link, though no frame of the peer's is read. On the loop.
    func drainedWhileHeld() -> Bool {
        eventLoop.preconditionInEventLoop()
        return handler.drainedWhileHeld()
    }

    /// While a frame is being handed out: false when it is a piece of a `data` frame whose rest
    /// is still to come (``FrameStreamDecoder/isInsideDataFrame``). On the loop.
    var handingOutWholeFrame: Bool {
        eventLoop.preconditionInEventLoop()
        return handler.handingOutWholeFrame
    }

    /// Frames dropped so far (datagrams on a congested link, anything after the end). On the loop.
    var droppedFrames: UInt64 {
        eventLoop.preconditionInEventLoop()
        return handler.dropped
    }

    /// Starts handing frames to `receive` (on the loop): `leftover` first (bytes read in the raw
    /// phase after its last line), then everything read. `ended` is called once, when the
    /// stream ends or fails. On the loop.
    func receiveFrames(leftover: ByteBuffer, ended: @escaping (FrameLinkHandler.InputEnd) -> Void, _ receive: @escaping (Frame) -> Void) {
        eventLoop.preconditionInEventLoop()
        handler.startFrames(leftover: leftover, ended: ended, receive: receive)
    }

    /// Stops handing out frames (and reading) until ``receiveFrames(leftover:ended:_:)`` again. On the loop.
    func pauseFrames() {
        eventLoop.preconditionInEventLoop()
        handler.pause()
    }

    /// Sends what is queued, then closes the writing half: the peer reads end-of-stream.
    public func finishOutput() {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.handler.finishOutput() }
            return
        }
        handler.finishOutput()
    }

    /// Sends what is queued and closes the writing half, waiting at most `limit` for the pipe to
    /// take the bytes (before the process exits, say).
    public func finishOutput(waitingAtMost limit: TimeAmount) async {
        let loop = eventLoop
        let done = loop.makePromise(of: Void.self)
        loop.execute {
            // Whichever comes first: the half-close, or the limit.
            let completed = NIOLoopBoundBox(false, eventLoop: loop)
            let complete: @Sendable () -> Void = {
                guard !completed.value else { return }
                completed.value = true
                done.succeed(())
            }
            let closed = loop.makePromise(of: Void.self)
            closed.futureResult.whenComplete { _ in complete() }
            loop.scheduleTask(in: limit) { complete() }
            self.handler.finishOutput(promise: closed)
        }
        try? await done.futureResult.get()
    }

    /// Closes the channel (both halves) and waits until it is closed.
    public func close() async {
        channel.close(promise: nil)
        try? await channel.closeFuture.get()
    }
}

/// The channel handler behind ``FrameLink``; every member is used on the channel's loop only.
final class FrameLinkHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How the inbound stream ended.
    enum InputEnd {
        /// The peer closed it between frames.
        case closed
        /// It broke: a read error, a malformed frame, or the end in the middle of a frame.
        case failed(any Error)
    }

    /// What happens to bytes read.
    private enum Mode {
        /// Plain bytes, kept for ``nextRawChunk()``.
        case raw
        /// Frames are wanted but not now: bytes wait in the decoder and nothing more is read.
        case paused
        /// Each frame goes to the closure at once.
        case frames((Frame) -> Void)
    }

    private var context: ChannelHandlerContext?
    /// Called when the channel becomes writable again (``FrameLink/whenWritableAgain(_:)``).
    var writableAgainObservers: [() -> Void] = []
    private var mode = Mode.raw
    private var rawChunks = CircularBuffer<ByteBuffer>(initialCapacity: 4)
    private var rawWaiter: EventLoopPromise<ByteBuffer?>?
    private var decoder = FrameStreamDecoder()
    /// The frame being handed out ends its wire frame (``FrameLink/handingOutWholeFrame``).
    private(set) var handingOutWholeFrame = true
    private var reading = false
    /// The stream ended (or failed), not yet reported to `ended`.
    private var inputEnd: InputEnd?
    private var ended: ((InputEnd) -> Void)?
    private var reportedEnd = false

    private var batch = FrameBatch()
    private var flushScheduled = false
    /// Completes when the output finished by ``finishOutput(promise:)`` is closed; nil until then.
    private var outputClosed: EventLoopFuture<Void>?
    private(set) var dropped: UInt64 = 0

    /// Above this many unwritten bytes no frame is read or handed out; `nil`: input is never held.
    private let inputHoldThreshold: Int?
    /// Bytes of frames sent and not yet taken by the transport (counted only when input may be
    /// held: the count costs a promise per write round).
    private(set) var unwrittenBytes = 0
    /// Input is held until the link is writable again.
    private var heldForBacklog = false
    /// Bytes the transport has taken so far (counted, like ``unwrittenBytes``, only when input may be held).
    private var writtenBytes: UInt64 = 0
    /// ``writtenBytes`` at the previous ``drainedWhileHeld()``.
    private var writtenAtLastCheck: UInt64 = 0

    init(inputHoldThreshold: Int? = nil) {
        self.inputHoldThreshold = inputHoldThreshold
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            if heldForBacklog {
                heldForBacklog = false
                deliverFrames()
                if case .frames = mode { readMore() }
            }
            for observer in writableAgainObservers { observer() }
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Not compacted here: each frame's payload is (``Frame/compacted()``), and the decoder
        // keeps at most one unfinished frame's bytes, so copying the read too would copy small
        // frames twice.
        let chunk = unwrapInboundIn(data)
        switch mode {
        case .raw:
            if let waiter = rawWaiter {
                rawWaiter = nil
                waiter.succeed(chunk)
            } else {
                rawChunks.append(chunk)
            }
        case .paused:
            decoder.append(chunk)
        case .frames:
            decoder.append(chunk)
            deliverFrames()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        reading = false
        if case .frames = mode { readMore() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            inputEnded(.closed)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        inputEnded(.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        inputEnded(.failed(error))
        context.close(promise: nil)
    }

    private func inputEnded(_ end: InputEnd) {
        guard inputEnd == nil else { return }
        inputEnd = end
        if heldForBacklog {
            // Nothing more will be read: what the decoder holds is the whole rest, so hand it
            // out and let the end be told.
            heldForBacklog = false
            deliverFrames()
        }
        if let waiter = rawWaiter {
            rawWaiter = nil
            if case .failed(let error) = end { waiter.fail(error) } else { waiter.succeed(nil) }
        }
        if case .frames = mode { reportEndIfDone() }
    }

    /// The next raw chunk, the end (`nil`), or the failure.
    func nextRawChunk(on loop: any EventLoop) -> EventLoopFuture<ByteBuffer?> {
        if let chunk = rawChunks.popFirst() { return loop.makeSucceededFuture(chunk) }
        switch inputEnd {
        case .closed: return loop.makeSucceededFuture(nil)
        case .failed(let error): return loop.makeFailedFuture(error)
        case nil: break
        }
        guard context != nil else { return loop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        precondition(rawWaiter == nil, "one raw reader at a time")
        let waiter = loop.makePromise(of: ByteBuffer?.self)
        rawWaiter = waiter
        readMore()
        return waiter.futureResult
    }

    func startFrames(leftover: ByteBuffer, ended: @escaping (InputEnd) -> Void, receive: @escaping (Frame) -> Void) {
        if case .raw = mode {
            decoder.append(leftover)
            while let chunk = rawChunks.popFirst() { decoder.append(chunk) }
        }
        self.ended = ended
        mode = .frames(receive)
        deliverFrames()
        readMore()
    }

    func pause() {
        if case .frames = mode { mode = .paused }
    }

    /// True when input is held and the transport took bytes since the previous call. The peer's
    /// frames, keepalives included, wait unread during a hold, so this is what shows the link is
    /// alive meanwhile.
    func drainedWhileHeld() -> Bool {
        let progressed = writtenBytes != writtenAtLastCheck
        writtenAtLastCheck = writtenBytes
        return heldForBacklog && progressed
    }

    /// True (and input held from now on) when more than the threshold waits to be written.
    private func backlogged() -> Bool {
        // Once the input has ended nothing more is read: what the decoder holds goes out.
        guard let threshold = inputHoldThreshold, let context, inputEnd == nil else { return false }
        if !heldForBacklog, !context.channel.isWritable, unwrittenBytes + batch.byteCount > threshold {
            heldForBacklog = true
        }
        return heldForBacklog
    }

    private func readMore() {
        guard let context, !reading, inputEnd == nil, !backlogged() else { return }
        reading = true
        context.read()
    }

    /// Hands out every whole frame (and data piece) buffered, while frames are wanted.
    private func deliverFrames() {
        do {
            while case .frames(let receive) = mode, !backlogged(), let frame = try decoder.next() {
                handingOutWholeFrame = !decoder.isInsideDataFrame
                receive(frame.compacted())
            }
        } catch {
            inputEnded(.failed(error))
            context?.close(promise: nil)
            return
        }
        if inputEnd != nil { reportEndIfDone() }
    }

    /// Reports the end once every frame before it was handed out.
    private func reportEndIfDone() {
        guard case .frames = mode, !reportedEnd, let end = inputEnd else { return }
        var report = end
        if case .closed = end, !decoder.isAtFrameBoundary {
            report = .failed(LinkEnded.midFrame(bytes: decoder.bufferedBytes))
        }
        reportedEnd = true
        mode = .paused
        ended?(report)
        ended = nil
    }

    // MARK: Outbound

    func send(_ frame: Frame) -> Bool {
        guard let context, outputClosed == nil else {
            dropped += 1
            return false
        }
        if frame.isDroppable && !context.channel.isWritable {
            dropped += 1
            return false
        }
        do {
            try batch.append(frame)
        } catch {
            dropped += 1
            return false
        }
        if !flushScheduled {
            flushScheduled = true
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.execute { handler.value.flush() }
        }
        return true
    }

    /// Writes the batch in one gathering write.
    private func flush() {
        flushScheduled = false
        guard let context, !batch.isEmpty else { return }
        let buffers = batch.buffers
        var written: EventLoopPromise<Void>?
        if inputHoldThreshold != nil {
            // Writes complete in order: the last one's promise tells when the round is out.
            let bytes = batch.byteCount
            unwrittenBytes += bytes
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            written = context.eventLoop.makePromise()
            written?.futureResult.whenComplete { result in
                handler.value.unwrittenBytes -= bytes
                if case .success = result { handler.value.writtenBytes += UInt64(bytes) }
            }
        }
        for (index, buffer) in buffers.enumerated() {
            context.write(wrapOutboundOut(buffer), promise: index == buffers.count - 1 ? written : nil)
        }
        batch = FrameBatch()
        context.flush()
    }

    func countDropped() {
        dropped += 1
    }

    func finishOutput(promise: EventLoopPromise<Void>? = nil) {
        // A second call (the agent's own stop finished the output, then its exit waits for it)
        // completes when the first one's close does.
        if let finishing = outputClosed {
            if let promise { finishing.cascade(to: promise) }
            return
        }
        guard let context else {
            promise?.succeed(())
            return
        }
        flush()
        let closed = context.eventLoop.makePromise(of: Void.self)
        outputClosed = closed.futureResult
        if let promise { closed.futureResult.cascade(to: promise) }
        // Closed once everything queued is written: a channel whose input has already ended
        // turns an output close into a full one, which would drop what is still queued (a
        // goodbye's answer behind a download, say). Writes complete in order, so an empty one
        // completes after them all.
        let drained = context.eventLoop.makePromise(of: Void.self)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        drained.futureResult.whenComplete { _ in
            guard let context = handler.value.context else { closed.succeed(()); return }
            context.close(mode: .output, promise: closed)
        }
        context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: drained)
    }
}

/// The byte stream ended inside a frame.
public enum LinkEnded: Error, CustomStringConvertible {
    /// This many bytes of an unfinished frame were pending.
    case midFrame(bytes: Int)

    public var description: String {
        switch self {
        case .midFrame(let bytes): return "the link ended in the middle of a frame (\(bytes) bytes pending)"
        }
    }
}
