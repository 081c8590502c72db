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

/// The decisions over one run: only after a session was up, backing off, starting over after
/// each session that was up again, never when switched off or for what a retry cannot fix.
@Suite struct ReconnectScheduleTests {
    let lost = LocalSessionError.linkLost(target: "cs", status: .exited(255), stderr: [])
    let unreachable = LocalSessionError.transportFailed(target: "cs", status: .exited(255), stderr: ["No route to host"])

    @Test func aFirstStartThatFailsIsNotRetried() {
        var schedule = ReconnectSchedule(enabled: true)
        #expect(schedule.attemptFailed(with: unreachable, served: false) == .giveUp)
        #expect(!schedule.wasUp)
    }

    @Test func afterASessionWasUpFailuresBackOffUntilOneIsUpAgain() {
        var schedule = ReconnectSchedule(enabled: true)
        #expect(schedule.attemptFailed(with: lost, served: true) == .retry(attempt: 1, delay: .seconds(1)))
        #expect(schedule.wasUp, "ssh may not prompt from now on")
        #expect(schedule.attemptFailed(with: unreachable, served: false) == .retry(attempt: 2, delay: .seconds(2)))
        #expect(schedule.attemptFailed(with: unreachable, served: false) == .retry(attempt: 3, delay: .seconds(4)))
        // A session was up again, then lost: the count starts over.
        #expect(schedule.attemptFailed(with: lost, served: true) == .retry(attempt: 1, delay: .seconds(1)))
    }

    @Test func whatARetryCannotFixEndsEvenAfterASessionWasUp() {
        var schedule = ReconnectSchedule(enabled: true)
        _ = schedule.attemptFailed(with: lost, served: true)
        #expect(schedule.attemptFailed(with: .refused("the agent refused this side: it cannot set up its TUN device"), served: false) == .giveUp)
    }

    @Test func switchedOffNothingIsRetried() {
        var schedule = ReconnectSchedule(enabled: false)
        #expect(schedule.attemptFailed(with: lost, served: true) == .giveUp)
        #expect(schedule.wasUp)
    }
}
