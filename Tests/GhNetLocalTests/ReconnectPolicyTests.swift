import Testing
@testable import GhNetLocal

/// When a lost session is started again, and after how long.
@Suite struct ReconnectPolicyTests {
    @Test func theWaitDoublesUpToHalfAMinute() {
        let waits = (1...8).map { ReconnectPolicy.delay(beforeAttempt: $0) }
        #expect(waits == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30), .seconds(30), .seconds(30)])
        #expect(ReconnectPolicy.delay(beforeAttempt: 10_000) == .seconds(30), "no overflow after many attempts")
        #expect(ReconnectPolicy.delay(beforeAttempt: 0) == .seconds(1))
    }

    @Test func lostLinksAndUnreachableRemotesAreRetried() {
        #expect(ReconnectPolicy.mayRetry(after: .linkLost(target: "cs", status: nil, stderr: [])))
        #expect(ReconnectPolicy.mayRetry(after: .linkDead(target: "cs", silentFor: .seconds(45))))
        #expect(ReconnectPolicy.mayRetry(after: .transportFailed(target: "cs", status: .exited(255), stderr: ["Network is unreachable"])))
        #expect(ReconnectPolicy.mayRetry(after: .protocolError(target: "cs", detail: "the link ended in the middle of a frame")))
    }

    @Test func whatAnotherTryCannotFixEndsGhNet() {
        #expect(!ReconnectPolicy.mayRetry(after: .refused("the agent refused this side: protocol 1 against 2")))
        #expect(!ReconnectPolicy.mayRetry(after: .remoteUnsuitable(target: "cs", message: "no /dev/net/tun")))
        #expect(!ReconnectPolicy.mayRetry(after: .cannotStartTransport("ssh: not found")))
        #expect(!ReconnectPolicy.mayRetry(after: .cannotReadOwnExecutable("gone")))
    }
}
