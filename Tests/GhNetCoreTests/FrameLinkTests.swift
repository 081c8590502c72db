import GhNetWire
import NIOCore
import NIOEmbedded
import Synchronization
import Testing
@testable import GhNetCore

/// The link's channel handler on an embedded channel: frames in as bytes arrive, in order,
/// paused and resumed; ends told apart; frames out in one write per loop round; datagrams
/// dropped when the link is congested.
@Suite struct FrameLinkTests {
    /// What the handler handed out.
    final class Received {
        var frames: [Frame] = []
        var ends: [String] = []
    }

    func makeLink() throws -> (FrameLink, EmbeddedChannel) {
        let channel = EmbeddedChannel()
        let link = try FrameLink.install(on: channel)
        return (link, channel)
    }

    func encode(_ frames: [Frame]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for frame in frames { frame.encode(into: &buffer) }
        return buffer
    }

    func receive(on link: FrameLink, leftover: ByteBuffer = ByteBuffer()) -> Received {
        let received = Received()
        link.receiveFrames(leftover: leftover, ended: { end in
            switch end {
            case .closed: received.ends.append("closed")
            case .failed(let error): received.ends.append("failed: \(error)")
            }
        }) { received.frames.append($0) }
        return received
    }

    let credit = Frame.windowCredit(stream: 1, consumed: 10, window: 1000)
    let ping = Frame.keepalive(nonce: 7)

    @Test func framesComeOutAsTheirBytesArriveLeftoverFirst() throws {
        let (link, channel) = try makeLink()
        let bytes = encode([ping, credit])
        let received = receive(on: link, leftover: bytes.getSlice(at: 0, length: 3)!)
        #expect(received.frames.isEmpty)
        try channel.writeInbound(bytes.getSlice(at: 3, length: 10)!)
        #expect(received.frames == [ping])
        try channel.writeInbound(bytes.getSlice(at: 13, length: bytes.readableBytes - 13)!)
        #expect(received.frames == [ping, credit])
    }

    @Test func aPausedLinkKeepsFramesUntilItIsResumed() throws {
        let (link, channel) = try makeLink()
        let first = Received()
        link.receiveFrames(leftover: ByteBuffer(), ended: { _ in }) { frame in
            first.frames.append(frame)
            link.pauseFrames()
        }
        try channel.writeInbound(encode([ping, credit, .keepalive(nonce: 8)]))
        #expect(first.frames == [ping], "paused after the first frame")
        let rest = receive(on: link)
        #expect(rest.frames == [credit, .keepalive(nonce: 8)])
    }

    @Test func theEndBetweenFramesIsAClose() throws {
        let (link, channel) = try makeLink()
        let received = receive(on: link)
        try channel.writeInbound(encode([ping]))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(received.frames == [ping] && received.ends == ["closed"])
    }

    @Test func theEndInsideAFrameIsAFailureSaidOnce() throws {
        let (link, channel) = try makeLink()
        let received = receive(on: link)
        try channel.writeInbound(encode([credit]).getSlice(at: 0, length: 9)!)
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        _ = try? channel.finish()
        #expect(received.ends == ["failed: the link ended in the middle of a frame (9 bytes pending)"])
    }

    @Test func anEndWhilePausedIsToldOnResuming() throws {
        let (link, channel) = try makeLink()
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        let received = receive(on: link)
        #expect(received.ends == ["closed"])
    }

    @Test func malformedBytesEndTheLinkWithTheWireError() throws {
        let (link, channel) = try makeLink()
        let received = receive(on: link)
        try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 1, 0xEE]))
        #expect(received.ends == ["failed: \(WireError.unknownKind(0xEE))"])
        #expect(!channel.isActive, "the link is closed")
    }

    @Test func framesSentInOneRoundLeaveTogetherWhenTheRoundEnds() throws {
        let (link, channel) = try makeLink()
        link.send(ping)
        link.send(credit)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "nothing before the round ends")
        channel.embeddedEventLoop.run()
        var written = ByteBuffer()
        while var part = try channel.readOutbound(as: ByteBuffer.self) { written.writeBuffer(&part) }
        #expect(written == encode([ping, credit]))
    }

    @Test func aPayloadUsingLittleOfALargeReadGetsStorageOfItsOwn() throws {
        let (link, channel) = try makeLink()
        let received = receive(on: link)
        var chunk = ByteBufferAllocator().buffer(capacity: 256 * 1024)
        var frames = encode([.data(stream: 3, offset: 0, payload: ByteBuffer(repeating: 1, count: 40_000)),
                             .data(stream: 3, offset: 40_000, payload: ByteBuffer(repeating: 2, count: 200_000))])
        chunk.writeBuffer(&frames)
        try channel.writeInbound(chunk)
        guard case .data(_, _, let quarter)? = received.frames.first, case .data(_, _, let most)? = received.frames.last else {
            Issue.record("no data frames: \(received.frames)")
            return
        }
        #expect(quarter.storageCapacity <= 64 * 1024, "40 000 bytes of a 256 KiB read: copied")
        #expect(most.storageCapacity == chunk.storageCapacity, "200 000 bytes of it: a slice")
    }

    @Test func smallPayloadsGetStorageOfTheirOwn() throws {
        let (link, channel) = try makeLink()
        let received = receive(on: link)
        let chunk = encode([.data(stream: 3, offset: 0, payload: ByteBuffer(string: "small")),
                            .data(stream: 3, offset: 5, payload: ByteBuffer(repeating: 1, count: 20_000))])
        try channel.writeInbound(chunk)
        guard case .data(_, _, let small)? = received.frames.first, case .data(_, _, let large)? = received.frames.last else {
            Issue.record("no data frames: \(received.frames)")
            return
        }
        let chunkStart = chunk.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress!) }
        let chunkRange = chunkStart..<(chunkStart + UInt(chunk.readableBytes))
        #expect(!chunkRange.contains(small.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress!) }), "copied out")
        #expect(chunkRange.contains(large.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress!) }), "a slice")
    }

    @Test func aCongestedLinkDropsDatagramsButNeverStreamFrames() throws {
        let (link, channel) = try makeLink()
        channel.isWritable = false
        let datagram = Frame.udpDatagram(source: Endpoint(.v4(0xC612_0002), port: 1), destination: Endpoint(.v4(0xC612_020A), port: 7),
                                         payload: ByteBuffer(string: "x"))
        #expect(!link.send(datagram))
        #expect(!link.send(.keepaliveAck(nonce: 1)), "an answer to a peer that does not read is dropped too")
        #expect(link.send(credit))
        channel.embeddedEventLoop.run()
        #expect(link.droppedFrames == 2)
        var written = ByteBuffer()
        while var part = try channel.readOutbound(as: ByteBuffer.self) { written.writeBuffer(&part) }
        #expect(written == encode([credit]))
    }

    @Test func observersHearWhenACongestedLinkDrains() throws {
        let (link, channel) = try makeLink()
        var heard = 0
        link.whenWritableAgain { heard += 1 }
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(!link.isWritable && heard == 0)
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(link.isWritable && heard == 1)
    }

    @Test func rawBytesComeFirstThenFrames() throws {
        let (link, channel) = try makeLink()
        let chunk = channel.embeddedEventLoop.flatSubmit {
            link.channel.pipeline.handler(type: FrameLinkHandler.self).flatMap { handler in
                handler.nextRawChunk(on: channel.embeddedEventLoop)
            }
        }
        try channel.writeInbound(ByteBuffer(string: "GHNET-BOOT exec root\n"))
        channel.embeddedEventLoop.run()
        #expect(try chunk.wait() == ByteBuffer(string: "GHNET-BOOT exec root\n"))
        try channel.writeInbound(encode([ping]))
        let received = receive(on: link)
        #expect(received.frames == [ping], "bytes read in the raw phase and not yet taken are decoded as frames")
    }
}

/// A link that holds its input (the local side's) reads no frames while too much waits for a
/// transport that does not take it, and reads again once it drains.
@Suite struct FrameLinkInputHoldTests {
    /// A transport that takes no bytes: writes stay here, their promises pending, until released.
    /// A close is only noted, with how many writes were pending then.
    final class StalledTransport: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var held: [EventLoopPromise<Void>?] = []
        var pendingAtClose: Int?
        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            held.append(promise)
        }
        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            pendingAtClose = held.count
            promise?.succeed(())
        }
        func release() {
            let promises = held
            held = []
            for promise in promises { promise?.succeed(()) }
        }
    }

    /// A peer's request, answered with a large reply that the stalled transport keeps.
    let request = Frame.keepalive(nonce: 1)
    let reply = Frame.data(stream: 9, offset: 0, payload: ByteBuffer(repeating: 0x5A, count: 1_000_000))

    func setUp(holding: Bool) throws -> (FrameLink, EmbeddedChannel, StalledTransport, FrameLinkTests.Received) {
        let channel = EmbeddedChannel()
        let transport = StalledTransport()
        try channel.pipeline.syncOperations.addHandler(transport)
        let link = try FrameLink.install(on: channel, holdsInputWhenBacklogged: holding)
        channel.isWritable = false
        let received = FrameLinkTests.Received()
        link.receiveFrames(leftover: ByteBuffer(), ended: { end in
            switch end {
            case .closed: received.ends.append("closed")
            case .failed(let error): received.ends.append("failed: \(error)")
            }
        }) { frame in
            received.frames.append(frame)
            link.send(reply)
        }
        return (link, channel, transport, received)
    }

    func requests(_ count: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        for _ in 0..<count { request.encode(into: &buffer) }
        return buffer
    }

    /// How many frames are read before input is held: the one whose reply crosses the threshold
    /// is the last (a reply is the payload plus 17 bytes of frame header).
    var repliesToHold: Int { FrameLink.inputHoldThreshold / 1_000_017 + 1 }

    @Test func aPeerThatDoesNotReadItsAnswersStopsBeingRead() throws {
        let (_, channel, transport, received) = try setUp(holding: true)
        try channel.writeInbound(requests(repliesToHold + 20))
        channel.embeddedEventLoop.run()
        #expect(received.frames.count == repliesToHold, "frames are held once more than the threshold waits")
        try channel.writeInbound(requests(5))
        channel.embeddedEventLoop.run()
        #expect(received.frames.count == repliesToHold, "still held: nothing was written")

        transport.release()
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        channel.embeddedEventLoop.run()
        #expect(received.frames.count == repliesToHold + 25, "every held frame comes out once the link drains")
        #expect(received.ends.isEmpty)
    }

    @Test func aHoldAfterARelease() throws {
        let (link, channel, transport, received) = try setUp(holding: true)
        try channel.writeInbound(requests(repliesToHold + 1))
        channel.embeddedEventLoop.run()
        #expect(received.frames.count == repliesToHold)
        transport.release()
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        channel.embeddedEventLoop.run()
        #expect(received.frames.count == repliesToHold + 1)
        #expect(!link.drainedWhileHeld(), "not held")
        // The released bytes are no longer counted: a second hold takes a full threshold again
        // (the reply to the frame let through on release waits too, and counts).
        channel.isWritable = false
        try channel.writeInbound(requests(repliesToHold + 5))
        channel.embeddedEventLoop.run()
        #expect(received.frames.count == 2 * repliesToHold)
    }

    @Test func aHeldLinkIsAliveWhileTheTransportTakesItsBytes() throws {
        let (link, channel, transport, _) = try setUp(holding: true)
        try channel.writeInbound(requests(repliesToHold + 1))
        channel.embeddedEventLoop.run()
        _ = link.drainedWhileHeld()
        #expect(!link.drainedWhileHeld(), "held, and nothing taken since")
        transport.release()  // the transport takes what waited; still not writable: still held
        channel.embeddedEventLoop.run()
        #expect(link.drainedWhileHeld(), "held, and the transport took bytes: the link lives")
        #expect(!link.drainedWhileHeld(), "nothing more taken")
    }

    @Test func theEndWhileHeldHandsOutTheRestThenTellsIt() throws {
        let (_, channel, _, received) = try setUp(holding: true)
        try channel.writeInbound(requests(repliesToHold + 3))
        channel.embeddedEventLoop.run()
        #expect(received.frames.count == repliesToHold)
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(received.frames.count == repliesToHold + 3 && received.ends == ["closed"])
    }

    @Test func aLinkThatDoesNotHoldReadsOn() throws {
        let (_, channel, _, received) = try setUp(holding: false)
        try channel.writeInbound(requests(repliesToHold + 20))
        channel.embeddedEventLoop.run()
        #expect(received.frames.count == repliesToHold + 20, "the agent's link always reads, so the sides never wait for each other")
    }
}

/// Reads that filled little of their buffer get storage of their own size.
@Suite struct SparseReadTests {
    @Test func aSmallReadIsCopiedAFullOneKept() {
        var sparse = ByteBufferAllocator().buffer(capacity: 256 * 1024)
        sparse.writeString("a few bytes")
        let compacted = sparse.compactedIfSparse()
        #expect(compacted == sparse && compacted.storageCapacity < 1024)
        let slice = sparse.getSlice(at: 0, length: 5)!
        #expect(slice.compactedIfSparse().storageCapacity < 1024, "a slice is measured against its whole storage")
        var full = ByteBufferAllocator().buffer(capacity: 4096)
        full.writeBytes([UInt8](repeating: 7, count: 4096))
        let kept = full.compactedIfSparse()
        #expect(kept.withUnsafeReadableBytes { $0.baseAddress } == full.withUnsafeReadableBytes { $0.baseAddress })
    }

    @Test func aFullDataFrameSlicedFromABigReadIsKept() {
        var read = ByteBufferAllocator().buffer(capacity: 256 * 1024)
        read.writeBytes([UInt8](repeating: 1, count: 256 * 1024))
        let frame = read.getSlice(at: 100, length: 65_483)!
        #expect(frame.compactedIfSparse().withUnsafeReadableBytes { $0.baseAddress } == frame.withUnsafeReadableBytes { $0.baseAddress },
                "the agent's largest data frames are the bulk case: not copied")
        let piece = read.getSlice(at: 100, length: 40_000)!
        let copied = piece.compactedIfSparse()
        #expect(copied == piece && copied.storageCapacity < 128 * 1024, "a piece under a fifth of its read is copied")
    }
}

/// Finishing the output waits for what is queued: a channel whose input already ended would
/// turn the output close into a full one and drop it (a goodbye's answer behind a download).
@Suite struct FrameLinkFinishOutputTests {
    @Test func theOutputClosesOnlyOnceEverythingQueuedIsWritten() throws {
        let channel = EmbeddedChannel()
        let transport = FrameLinkInputHoldTests.StalledTransport()
        try channel.pipeline.syncOperations.addHandler(transport)
        let link = try FrameLink.install(on: channel)
        link.send(.data(stream: 9, offset: 0, payload: ByteBuffer(repeating: 0x5A, count: 100_000)))
        link.send(.goodbye(reason: "goodbye received"))
        channel.embeddedEventLoop.run()
        #expect(!transport.held.isEmpty, "the transport has not taken the frames yet")
        link.finishOutput()
        channel.embeddedEventLoop.run()
        #expect(transport.pendingAtClose == nil, "no close while frames wait")
        transport.release()
        channel.embeddedEventLoop.run()
        transport.release()  // the empty write that marks the end of the queue
        channel.embeddedEventLoop.run()
        #expect(transport.pendingAtClose == 0, "closed once all was written")
    }

    @Test func aSecondFinishWaitsForTheFirstOnesClose() throws {
        let channel = EmbeddedChannel()
        let transport = FrameLinkInputHoldTests.StalledTransport()
        try channel.pipeline.syncOperations.addHandler(transport)
        let link = try FrameLink.install(on: channel)
        link.send(.goodbye(reason: "stopped by SIGTERM"))
        channel.embeddedEventLoop.run()
        link.finishOutput()
        // The agent's exit: what is queued must be out before it closes the channel.
        let second = channel.eventLoop.makePromise(of: Void.self)
        let done = Mutex(false)
        second.futureResult.whenComplete { _ in done.withLock { $0 = true } }
        link.handler.finishOutput(promise: second)
        channel.embeddedEventLoop.run()
        #expect(!done.withLock { $0 }, "the first finish has not closed the output yet")
        transport.release()
        channel.embeddedEventLoop.run()
        transport.release()
        channel.embeddedEventLoop.run()
        #expect(done.withLock { $0 } && transport.pendingAtClose == 0)
    }
}
