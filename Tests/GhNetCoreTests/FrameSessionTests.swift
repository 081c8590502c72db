import Foundation
import GhNetWire
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing
@testable import GhNetCore

/// The session on its link: the hello exchange, and stopping.
@Suite struct FrameSessionTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    let build = BuildIdentity(contentHash: String(repeating: "ab", count: 32), version: "test")

    func makeSession() async throws -> (FrameSession, NIOAsyncTestingChannel) {
        let channel = NIOAsyncTestingChannel()
        let link = try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.addHandler(OutputHalfClosure())
            return try FrameLink.install(on: channel)
        }
        return (FrameSession(link: link, logger: logger), channel)
    }

    /// Closes the writing half only, as a socket does: the testing channel would close both
    /// halves, so that nothing more could be read after a goodbye.
    final class OutputHalfClosure: ChannelOutboundHandler, Sendable {
        typealias OutboundIn = ByteBuffer

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            guard mode == .output else { return context.close(mode: mode, promise: promise) }
            promise?.succeed(())
        }
    }

    func hello(_ role: Hello.Role) -> Hello {
        Hello(role: role, build: build, capabilities: .implemented, logLevel: .info, session: role == .local ? .random() : .none)
    }

    /// Every frame written to the channel so far.
    func written(_ channel: NIOAsyncTestingChannel) async throws -> [Frame] {
        var bytes = ByteBuffer()
        while var part = try await channel.readOutbound(as: ByteBuffer.self) { bytes.writeBuffer(&part) }
        var decoder = FrameDecoder()
        var frames: [Frame] = []
        while let frame = try decoder.decode(buffer: &bytes) { frames.append(frame) }
        return frames
    }

    func encoded(_ frame: Frame) -> ByteBuffer {
        var buffer = ByteBuffer()
        frame.encode(into: &buffer)
        return buffer
    }

    @Test func theHandshakeAgreesWithThePeersHello() async throws {
        let (session, channel) = try await makeSession()
        async let agreement = session.handshake(ours: hello(.agent))
        try await channel.writeInbound(encoded(.hello(hello(.local))))
        let agreed = try await agreement
        #expect(agreed.capabilities == .implemented)
        await channel.testingEventLoop.run()
        let sent = try await written(channel)
        guard case .hello(let ours)? = sent.first else {
            Issue.record("no hello sent: \(sent)")
            return
        }
        #expect(ours.role == .agent)
    }

    @Test func aPeerThatNeverSendsItsHelloEndsTheHandshakeAfterTheTimeLimit() async throws {
        let (session, channel) = try await makeSession()
        let ours = hello(.local)
        let agreement = Task { try await session.handshake(ours: ours) }
        // Our hello is out: the handshake, and its time limit, have started.
        var sent: [Frame] = []
        for _ in 0..<100 where sent.isEmpty {
            await channel.testingEventLoop.run()
            sent += try await written(channel)
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(sent.count == 1)
        await channel.testingEventLoop.advanceTime(by: FrameSession.handshakeTimeLimit)
        await #expect(throws: FrameSession.ProtocolViolation.self) { try await agreement.value }
    }

    @Test func aStopRequestedBeforeServingStillSaysGoodbyeAndEndsStopped() async throws {
        let (session, channel) = try await makeSession()
        async let agreement = session.handshake(ours: hello(.local))
        try await channel.writeInbound(encoded(.hello(hello(.agent))))
        _ = try await agreement
        let stop = StopSignals([])
        stop.requestStop()
        async let end = session.serve(stop: stop) { _ in }
        // The goodbye goes out although the request came before serving began.
        var sent: [Frame] = []
        for _ in 0..<100 where !sent.contains(where: { if case .goodbye = $0 { true } else { false } }) {
            await channel.testingEventLoop.run()
            sent += try await written(channel)
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(sent.contains { if case .goodbye = $0 { true } else { false } })
        // The peer answers, cleans up and closes its side.
        try await channel.writeInbound(encoded(.goodbye(reason: "goodbye received")))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try await end == .stopped(signal: StopSignals.userRequest))
    }
}

/// Goodbyes with ``Capabilities/goodbyeAck``: answered, unanswered, and peers without it.
extension FrameSessionTests {
    /// A local session established with an agent announcing `capabilities`, then stopped:
    /// returns the end to come once its goodbye is out.
    func stoppedSession(agentCapabilities capabilities: Capabilities = .implemented) async throws
        -> (Task<FrameSession.End, any Error>, NIOAsyncTestingChannel) {
        let (session, channel) = try await makeSession()
        async let agreement = session.handshake(ours: hello(.local))
        var agent = hello(.agent)
        agent.capabilities = capabilities
        try await channel.writeInbound(encoded(.hello(agent)))
        _ = try await agreement
        let stop = StopSignals([])
        stop.requestStop()
        let end = Task { try await session.serve(stop: stop) { _ in } }
        let sent = try await frames(on: channel) { $0.contains(where: Self.isGoodbye) }
        #expect(sent.contains(where: Self.isGoodbye))
        return (end, channel)
    }

    static func isGoodbye(_ frame: Frame) -> Bool {
        if case .goodbye = frame { true } else { false }
    }

    @Test func aGoodbyeLostWithTheLinkEndsUnanswered() async throws {
        let (end, channel) = try await stoppedSession()
        // ssh exits (the connection dropped): the stream ends with no answer.
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try await end.value == .stoppedUnanswered(signal: StopSignals.userRequest))
    }

    @Test func aGoodbyeNobodyAnswersEndsUnansweredAfterTheLimitOfSilence() async throws {
        let (end, channel) = try await stoppedSession()
        let ended = Mutex<FrameSession.End?>(nil)
        Task { let value = try await end.value; ended.withLock { $0 = value } }
        await channel.testingEventLoop.advanceTime(by: FrameSession.goodbyeAckLimit - .milliseconds(1))
        #expect(await Self.poll { ended.withLock { $0 } } == nil, "still waiting for the answer")
        await channel.testingEventLoop.advanceTime(by: .milliseconds(1))
        #expect(await Self.poll { ended.withLock { $0 } } == .stoppedUnanswered(signal: StopSignals.userRequest))
    }

    @Test func framesStillArrivingPushTheAnswersLimitBackUpToTheGrace() async throws {
        let (end, channel) = try await stoppedSession()
        let ended = Mutex<FrameSession.End?>(nil)
        Task { let value = try await end.value; ended.withLock { $0 = value } }
        // Frames the peer sent before it read the goodbye are no answer, but show a live link.
        await channel.testingEventLoop.advanceTime(by: FrameSession.goodbyeAckLimit - .seconds(1))
        try await channel.writeInbound(encoded(.keepalive(nonce: 7)))
        await channel.testingEventLoop.advanceTime(by: .seconds(1))
        #expect(await Self.poll { ended.withLock { $0 } } == nil, "the limit was pushed back")
        // Silence from then on: unanswered at the goodbye's grace.
        await channel.testingEventLoop.advanceTime(by: FrameSession.goodbyeGrace - FrameSession.goodbyeAckLimit - .milliseconds(1))
        #expect(await Self.poll { ended.withLock { $0 } } == nil)
        await channel.testingEventLoop.advanceTime(by: .milliseconds(1))
        #expect(await Self.poll { ended.withLock { $0 } } == .stoppedUnanswered(signal: StopSignals.userRequest))
    }

    /// What `value` gives within 100 ms (polled every 10 ms), or nil.
    static func poll<T: Sendable>(_ value: () -> T?) async -> T? {
        for _ in 0..<10 {
            if let found = value() { return found }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return value()
    }

    @Test func anAnsweredGoodbyeWaitsForThePeerToCloseBeyondTheAnswerLimit() async throws {
        let (end, channel) = try await stoppedSession()
        try await channel.writeInbound(encoded(.goodbye(reason: "goodbye received")))
        // The peer is still cleaning up after the answer limit: the session is not over.
        await channel.testingEventLoop.advanceTime(by: FrameSession.goodbyeAckLimit + .seconds(1))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try await end.value == .stopped(signal: StopSignals.userRequest))
    }

    @Test func aPeerThatDoesNotAnswerGoodbyesEndsStoppedWhenItCloses() async throws {
        let (end, channel) = try await stoppedSession(agentCapabilities: Capabilities.implemented.subtracting(.goodbyeAck))
        await channel.testingEventLoop.advanceTime(by: FrameSession.goodbyeAckLimit + .seconds(1))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try await end.value == .stopped(signal: StopSignals.userRequest))
    }

    @Test func thePeersGoodbyeIsAnsweredThenTheSessionEnds() async throws {
        let (session, channel) = try await makeSession()
        async let agreement = session.handshake(ours: hello(.agent))
        try await channel.writeInbound(encoded(.hello(hello(.local))))
        _ = try await agreement
        _ = try await written(channel)
        async let end = session.serve(stop: StopSignals([])) { _ in }
        try await channel.writeInbound(encoded(.goodbye(reason: "stopped by SIGINT")))
        #expect(try await end == .peerSaidGoodbye("stopped by SIGINT"))
        let sent = try await frames(on: channel) { $0.contains(where: Self.isGoodbye) }
        #expect(sent.compactMap { if case .goodbye(let reason) = $0 { reason } else { nil } } == ["goodbye received"])
    }

    @Test func aPeerThatDoesNotAnswerGoodbyesGetsNoAnswer() async throws {
        let (session, channel) = try await makeSession()
        async let agreement = session.handshake(ours: hello(.agent))
        var local = hello(.local)
        local.capabilities = Capabilities.implemented.subtracting(.goodbyeAck)
        try await channel.writeInbound(encoded(.hello(local)))
        _ = try await agreement
        _ = try await written(channel)
        async let end = session.serve(stop: StopSignals([])) { _ in }
        try await channel.writeInbound(encoded(.goodbye(reason: "stopped by SIGINT")))
        #expect(try await end == .peerSaidGoodbye("stopped by SIGINT"))
        await channel.testingEventLoop.run()
        #expect(try await written(channel).contains(where: Self.isGoodbye) == false)
    }
}

extension FrameSessionTests {
    @Test func aTakeoverWaitsLessForThePeerThanAStop() {
        #expect(FrameSession.goodbyeGrace(after: SIGTERM) == .seconds(10))
        #expect(FrameSession.goodbyeGrace(after: StopSignals.takeover) == .seconds(2), "the newer agent waits for this one")
    }
}

/// A resumable session across two links: what it keeps, reports and sends again.
extension FrameSessionTests {
    /// Runs the loop until `channel` has written frames `matching`, or 1 s passed.
    func frames(on channel: NIOAsyncTestingChannel, until matching: ([Frame]) -> Bool) async throws -> [Frame] {
        var sent: [Frame] = []
        for _ in 0..<100 where !matching(sent) {
            await channel.testingEventLoop.run()
            sent += try await written(channel)
            try await Task.sleep(for: .milliseconds(10))
        }
        return sent
    }

    func data(_ offset: UInt64, _ text: String) -> Frame {
        .data(stream: 9, offset: offset, payload: ByteBuffer(string: text))
    }

    @Test func aResumedSessionSendsAgainWhatThePeerLackedAndHandsNothingOnTwice() async throws {
        let first = NIOAsyncTestingChannel()
        let firstLink = try await first.testingEventLoop.executeInContext { try FrameLink.install(on: first) }
        let session = FrameSession(link: firstLink, logger: logger)
        let local = hello(.local)
        var agent = hello(.agent)
        async let agreement = session.handshake(ours: local)
        try await first.writeInbound(encoded(.hello(agent)))
        #expect(try await agreement.isResumed == false)
        let received = ReceivedFrames()
        let stop = StopSignals([])
        let served = Task { try await session.serve(stop: stop) { received.append($0) } }
        // Three sequenced frames go out (kept), a DNS query too (not kept).
        for offset in 0..<3 { session.send(data(UInt64(offset), "x")) }
        session.send(.dnsQuery(id: 1, payload: ByteBuffer()))
        _ = try await frames(on: first) { $0.count >= 5 }
        // The peer reports the first one; then half of a data frame arrives and the link drops.
        try await first.writeInbound(encoded(.received(count: 1)))
        var cut = encoded(data(100, "abcdef"))
        try await first.writeInbound(cut.readSlice(length: cut.readableBytes - 3)!)
        first.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        _ = try? await served.value
        #expect(received.frames == [data(100, "abc")])
        // Sent while there is no link: only kept.
        session.send(data(3, "y"))

        let second = NIOAsyncTestingChannel(loop: first.testingEventLoop)
        let secondLink = try await second.testingEventLoop.executeInContext { try FrameLink.install(on: second) }
        session.attach(secondLink)
        agent.session = local.session
        async let again = session.handshake(ours: local)
        try await second.writeInbound(encoded(.hello(agent)))
        #expect(try await again.isResumed)
        let resumed = Task { try await session.serve(stop: stop) { received.append($0) } }
        // Our count first: nothing whole was received (the cut frame does not count).
        let opening = try await frames(on: second) { $0.count >= 2 }
        #expect(Array(opening.dropFirst()) == [.received(count: 0)])
        // The peer had one of ours: the other three go again, in order, then new ones live.
        try await second.writeInbound(encoded(.received(count: 1)))
        try await second.writeInbound(encoded(data(100, "abcdef")))
        let replay = try await frames(on: second) { $0.count >= 3 }
        #expect(replay == [data(1, "x"), data(2, "x"), data(3, "y")])
        #expect(received.frames == [data(100, "abc"), data(103, "def")], "the bytes handed on before the drop are not handed on again")
        stop.requestStop()
        second.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        _ = try? await resumed.value
    }

    @Test func aSessionKeptAfterAnUnansweredGoodbyeSaysItAgainOverTheNextLink() async throws {
        let first = NIOAsyncTestingChannel()
        let firstLink = try await first.testingEventLoop.executeInContext {
            try first.pipeline.syncOperations.addHandler(OutputHalfClosure())
            return try FrameLink.install(on: first)
        }
        let session = FrameSession(link: firstLink, logger: logger)
        let local = hello(.local)
        var agent = hello(.agent)
        async let agreement = session.handshake(ours: local)
        try await first.writeInbound(encoded(.hello(agent)))
        _ = try await agreement
        let stop = StopSignals([])
        stop.requestStop()
        let served = Task { try await session.serve(stop: stop) { _ in } }
        _ = try await frames(on: first) { $0.contains(where: Self.isGoodbye) }
        first.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try await served.value == .stoppedUnanswered(signal: StopSignals.userRequest))

        // The farewell: a new link resumes the session, and serving with a new stop says goodbye again.
        let second = NIOAsyncTestingChannel(loop: first.testingEventLoop)
        let secondLink = try await second.testingEventLoop.executeInContext {
            try second.pipeline.syncOperations.addHandler(OutputHalfClosure())
            return try FrameLink.install(on: second)
        }
        session.attach(secondLink)
        agent.session = local.session
        async let again = session.handshake(ours: local)
        try await second.writeInbound(encoded(.hello(agent)))
        #expect(try await again.isResumed)
        let farewell = StopSignals([])
        farewell.requestStop(SIGTERM)
        let resumed = Task { try await session.serve(stop: farewell) { _ in } }
        let sent = try await frames(on: second) { $0.contains(where: Self.isGoodbye) }
        #expect(sent.contains(where: Self.isGoodbye), "the goodbye goes out again")
        try await second.writeInbound(encoded(.goodbye(reason: "goodbye received")))
        second.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try await resumed.value == .stopped(signal: SIGTERM))
    }

    @Test func aPeerResumingASessionThisSideDoesNotHoldEndsTheHandshake() async throws {
        let (session, channel) = try await makeSession()
        let local = hello(.local)
        var agent = hello(.agent)
        agent.session = local.session
        let agreement = Task { try await session.handshake(ours: local) }
        try await channel.writeInbound(encoded(.hello(agent)))
        await #expect(throws: FrameSession.ProtocolViolation.self) { _ = try await agreement.value }
    }

    @Test func aCountThePeerCannotHaveEndsTheSession() async throws {
        let (session, channel) = try await makeSession()
        async let agreement = session.handshake(ours: hello(.local))
        try await channel.writeInbound(encoded(.hello(hello(.agent))))
        _ = try await agreement
        let served = Task { try await session.serve(stop: StopSignals([])) { _ in } }
        session.send(data(0, "x"))
        _ = try await frames(on: channel) { $0.count >= 2 }
        try await channel.writeInbound(encoded(.received(count: 5)))
        await channel.testingEventLoop.run()
        await #expect(throws: FrameSession.ProtocolViolation.self) { _ = try await served.value }
        #expect(!FrameSession.mayResume(after: FrameSession.ProtocolViolation(description: "x")))
    }
}

/// Frames a test's handler received (from the loop).
final class ReceivedFrames: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Frame] = []
    func append(_ frame: Frame) { lock.withLock { list.append(frame) } }
    var frames: [Frame] { lock.withLock { list } }
}
