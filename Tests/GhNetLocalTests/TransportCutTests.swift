import GhNetCore
import NIOCore
import NIOEmbedded
import Synchronization
import Testing
@testable import GhNetLocal

/// A second stop closes the transports under way, and any started after it.
@Suite(.timeLimit(.minutes(1))) struct TransportCutTests {
    func makeLink() async throws -> (FrameLink, NIOAsyncTestingChannel) {
        let channel = NIOAsyncTestingChannel()
        let link = try await channel.testingEventLoop.executeInContext { try FrameLink.install(on: channel) }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        #expect(try await channel.isActive)
        return (link, channel)
    }

    @Test func aCutClosesWhatIsRegisteredButNotWhatWasUnregistered() async throws {
        let cut = TransportCut()
        let (registered, registeredChannel) = try await makeLink()
        let (finished, finishedChannel) = try await makeLink()
        let hurried = Counter(), leftAlone = Counter()
        cut.register(registered, onCut: hurried.add)
        cut.register(finished, onCut: leftAlone.add)
        cut.unregister(finished)
        #expect(!cut.isCut)
        #expect(hurried.value == 0)
        await cut.cut()
        #expect(cut.isCut)
        #expect(hurried.value == 1, "the transport under way is not waited for")
        #expect(leftAlone.value == 0)
        try await registeredChannel.closeFuture.get()
        #expect(try await !registeredChannel.isActive, "the transport under way is closed")
        #expect(try await finishedChannel.isActive, "one that is over is left alone")
        _ = try? await finishedChannel.finish()
    }

    @Test func aLinkRegisteredAfterTheCutIsClosedAtOnce() async throws {
        let cut = TransportCut()
        await cut.cut()
        let (late, channel) = try await makeLink()
        let hurried = Counter()
        cut.register(late, onCut: hurried.add)
        try await channel.closeFuture.get()
        #expect(try await !channel.isActive)
        #expect(hurried.value == 1)
    }

    /// Counts calls of `add`, from any thread.
    final class Counter: Sendable {
        private let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
        @Sendable func add() { count.withLock { $0 += 1 } }
    }
}
