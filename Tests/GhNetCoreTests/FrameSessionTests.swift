import Foundation
import GhNetWire
import Logging
import NIOCore
import NIOEmbedded
import Testing
@testable import GhNetCore

/// The session on its link: the hello exchange, and stopping.
@Suite struct FrameSessionTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    let build = BuildIdentity(contentHash: String(repeating: "ab", count: 32), version: "test")

    func makeSession() async throws -> (FrameSession, NIOAsyncTestingChannel) {
        let channel = NIOAsyncTestingChannel()
        let link = try await channel.testingEventLoop.executeInContext { try FrameLink.install(on: channel) }
        return (FrameSession(link: link, logger: logger), channel)
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
        // The peer cleans up and closes its side.
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try await end == .stopped(signal: StopSignals.userRequest))
    }
}

extension FrameSessionTests {
    @Test func aTakeoverWaitsLessForThePeerThanAStop() {
        #expect(FrameSession.goodbyeGrace(after: SIGTERM) == .seconds(10))
        #expect(FrameSession.goodbyeGrace(after: StopSignals.takeover) == .seconds(2), "the newer agent waits for this one")
    }
}
