import GhNetAddress
import GhNetCore
import GhNetWire
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing
@testable import GhNetLocal

/// One stream's socket handler on an embedded channel standing for the server's socket: what
/// the server is sent when both directions end while the agent's bytes are still queued for it.
/// (A real socket drops the writes still queued when it is closed; the embedded channel does
/// not, so the tests check that the socket stays open until they are written.)
@Suite struct TCPStreamHandlerTests {
    final class Recorder: FrameSink, @unchecked Sendable {
        let frames = Mutex<[Frame]>([])
        let writable = Mutex(true)
        func send(_ frame: Frame) -> Bool {
            frames.withLock { $0.append(frame) }
            return true
        }
        var isWritable: Bool { writable.withLock { $0 } }
    }

    /// Counts the reads the handler asks of the socket.
    final class ReadCounter: ChannelOutboundHandler, @unchecked Sendable {
        typealias OutboundIn = ByteBuffer
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    struct AllowAll: FlowPolicyCheck {
        func refusal(for destination: IPAddress) -> String? { nil }
    }

    /// A server socket whose kernel buffer is full for good: writes never complete.
    final class StuckServer: ChannelOutboundHandler, @unchecked Sendable {
        typealias OutboundIn = ByteBuffer
        var held: [EventLoopPromise<Void>?] = []
        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            held.append(promise)
        }
        func flush(context: ChannelHandlerContext) {}
    }

    /// A connected stream: its handler on an active embedded channel, the relay that owns it
    /// (kept alive by the caller) and the frames it sends the agent.
    struct Stream {
        let channel: EmbeddedChannel
        let handler: TCPStreamHandler
        let relay: TCPRelay
        let agent: Recorder
        let reads: ReadCounter
    }

    func connectedStream(linkWritable: Bool = true, stuck: StuckServer? = nil) throws -> Stream {
        let channel = EmbeddedChannel()
        let agent = Recorder()
        agent.writable.withLock { $0 = linkWritable }
        let reads = ReadCounter()
        if let stuck { try channel.pipeline.syncOperations.addHandler(stuck) }
        try channel.pipeline.syncOperations.addHandler(reads)
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let monitor = ActivityMonitor(capacity: 10, logger: logger)
        let relay = TCPRelay(loop: channel.embeddedEventLoop, sink: agent, policy: AllowAll(), monitor: monitor, logger: logger)
        let flow = monitor.opened(.tcp, source: "198.18.0.2:40000", destination: "198.18.2.10:80", state: .connecting)
        let handler = TCPStreamHandler(stream: StreamID(7), loop: channel.eventLoop, sink: agent, initialWindow: 65_536,
                                       relay: relay, flow: flow)
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "198.18.2.10", port: 80)).wait()
        handler.start()
        return Stream(channel: channel, handler: handler, relay: relay, agent: agent, reads: reads)
    }

    /// Everything written to the server, in order.
    func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += buffer.readString(length: buffer.readableBytes) ?? ""
        }
        return text
    }

    @Test("the server's end arriving while the agent's last bytes are queued: they are written before the socket closes")
    func serverEndsWhileWritesAreQueued() throws {
        let stream = try connectedStream()
        stream.handler.dataFromAgent(offset: 0, payload: ByteBuffer(string: "the app's "))
        stream.handler.dataFromAgent(offset: 10, payload: ByteBuffer(string: "last bytes"))
        stream.handler.agentHalfClosed(offset: 20)
        // The server finishes sending before the writes above went out (they wait for the flush
        // at the end of the loop's round).
        stream.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(stream.channel.isActive, "not closed while the writes wait")
        stream.channel.embeddedEventLoop.run()
        #expect(try written(stream.channel) == "the app's last bytes")
        #expect(stream.agent.frames.withLock { $0 }.contains(.halfClose(stream: StreamID(7), offset: 0)))
        #expect(!stream.channel.isActive, "closed once written")
    }

    @Test("a reset for a stream the agent forgot after both halfCloses lets the queued bytes out")
    func unknownStreamAfterBothHalfClosesIsACleanEnd() throws {
        let stream = try connectedStream()
        stream.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        stream.handler.dataFromAgent(offset: 0, payload: ByteBuffer(string: "still "))
        stream.handler.dataFromAgent(offset: 6, payload: ByteBuffer(string: "queued"))
        stream.handler.agentHalfClosed(offset: 12)
        stream.handler.agentReset(.unknownStream)
        #expect(stream.channel.isActive, "not aborted")
        stream.channel.embeddedEventLoop.run()
        #expect(try written(stream.channel) == "still queued")
        #expect(!stream.channel.isActive, "closed once written")
        #expect(!stream.agent.frames.withLock { $0 }.contains { if case .reset = $0 { true } else { false } })
    }

    @Test("the socket is not read while the link to the agent is congested, and is once it drains")
    func congestedLinkStopsReading() throws {
        let stream = try connectedStream(linkWritable: false)
        #expect(stream.reads.reads == 0, "credit, but a congested link")
        stream.agent.writable.withLock { $0 = true }
        stream.handler.linkWritableAgain()
        #expect(stream.reads.reads == 1)
        let read = ByteBuffer(string: "from the server")
        try stream.channel.writeInbound(read)  // a read, then its readComplete
        let sent = stream.agent.frames.withLock { $0 }
        #expect(sent.contains(.data(stream: StreamID(7), offset: 0, payload: read)))
        #expect(stream.reads.reads == 2, "and reading goes on while credit is left")
    }

    @Test("a server that takes none of the app's last bytes is reset after the stall limit, not kept for ever",
          arguments: [false, true])
    func stalledServerIsResetInTheEnd(serverEndedFirst: Bool) throws {
        let stuck = StuckServer()
        let stream = try connectedStream(stuck: stuck)
        if serverEndedFirst { stream.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
        stream.handler.dataFromAgent(offset: 0, payload: ByteBuffer(string: "never taken"))
        stream.handler.agentHalfClosed(offset: 11)
        if !serverEndedFirst { stream.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
        stream.channel.embeddedEventLoop.advanceTime(by: TCPStreamHandler.writeStallLimit - .seconds(1))
        #expect(stream.channel.isActive, "less than the limit without progress")
        stream.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!stream.channel.isActive, "reset")
        #expect(stuck.held.count == 1)
    }

    @Test("a slow server that keeps taking bytes is not reset while it does")
    func slowServerIsNotReset() throws {
        let stuck = StuckServer()
        let stream = try connectedStream(stuck: stuck)
        for index in 0..<3 {
            stream.handler.dataFromAgent(offset: UInt64(index), payload: ByteBuffer(string: "x"))
        }
        stream.handler.agentHalfClosed(offset: 3)
        for _ in 0..<2 {
            // The server takes one more write each period.
            stuck.held.removeFirst()?.succeed(())
            stream.channel.embeddedEventLoop.advanceTime(by: TCPStreamHandler.writeStallLimit)
            #expect(stream.channel.isActive)
        }
        stream.channel.embeddedEventLoop.advanceTime(by: TCPStreamHandler.writeStallLimit)
        #expect(!stream.channel.isActive, "then it stops taking any: reset")
    }

    @Test("any other reset still aborts at once")
    func otherResetsAbort() throws {
        let stream = try connectedStream()
        stream.handler.dataFromAgent(offset: 0, payload: ByteBuffer(string: "dropped"))
        stream.handler.agentReset(.aborted)
        stream.channel.embeddedEventLoop.run()
        #expect(!stream.channel.isActive)
    }
}

/// A misbehaving agent's half-close, and a server that fails the app's last writes.
extension TCPStreamHandlerTests {
    func isReset(_ frame: Frame) -> Bool { if case .reset = frame { true } else { false } }
    func isHalfClose(_ frame: Frame) -> Bool { if case .halfClose = frame { true } else { false } }

    @Test func dataAfterTheAgentsHalfCloseIsAViolation() throws {
        let stream = try connectedStream(stuck: StuckServer())
        stream.handler.dataFromAgent(offset: 0, payload: ByteBuffer(string: "request"))
        stream.handler.agentHalfClosed(offset: 7)
        stream.handler.dataFromAgent(offset: 7, payload: ByteBuffer(string: "late"))
        stream.channel.embeddedEventLoop.run()
        #expect(stream.agent.frames.withLock { $0 } == [.reset(stream: StreamID(7), reason: .flowControlViolation)])
    }

    @Test(arguments: [UInt64(3), 12])
    func aHalfCloseAtTheWrongOffsetIsAViolation(offset: UInt64) throws {
        let stream = try connectedStream(stuck: StuckServer())
        stream.handler.dataFromAgent(offset: 0, payload: ByteBuffer(string: "request"))
        stream.handler.agentHalfClosed(offset: offset)
        stream.channel.embeddedEventLoop.run()
        #expect(stream.agent.frames.withLock { $0 } == [.reset(stream: StreamID(7), reason: .flowControlViolation)],
                "a stream cut short (or too long) must not reach the server as a clean end")
    }

    @Test func aWriteFailureBeforeTheShutdownIsNoCleanEnd() throws {
        let stuck = StuckServer()
        let stream = try connectedStream(stuck: stuck)
        stream.handler.dataFromAgent(offset: 0, payload: ByteBuffer(string: "upload"))
        stream.handler.agentHalfClosed(offset: 6)
        stream.channel.embeddedEventLoop.run()
        // A failed writev: SwiftNIO closes the channel without errorCaught.
        try stream.channel.close().wait()
        let frames = stream.agent.frames.withLock { $0 }
        #expect(frames.contains(where: isReset), "the app sees a reset: its bytes never reached the server")
        #expect(!frames.contains(where: isHalfClose), "the server never sent a FIN")
    }
}
