import Foundation
import Synchronization
import Testing
@testable import GhNetCore

/// Waiting for a stop with a limit: the reconnect wait of the local side.
@Suite struct StopSignalsTests {
    @Test func aWaitWithoutASignalEndsEmptyAtItsLimit() async {
        let stop = StopSignals([])
        #expect(await stop.wait(atMost: .milliseconds(20)) == nil)
        #expect(stop.requested == nil)
    }

    @Test(.timeLimit(.minutes(1))) func aStopDuringTheWaitEndsItWithTheStop() async {
        let stop = StopSignals([])
        async let waited = stop.wait(atMost: .seconds(600))
        try? await Task.sleep(for: .milliseconds(20))
        stop.requestStop()
        #expect(await waited == StopSignals.userRequest)
    }

    @Test func aStopBeforeTheWaitIsSeenAtOnce() async {
        let stop = StopSignals([])
        stop.requestStop()
        #expect(await stop.wait(atMost: .seconds(600)) == StopSignals.userRequest)
    }

    @Test(.timeLimit(.minutes(1))) func aRepeatWaitEndsOnlyAtTheSecondStop() async {
        let stop = StopSignals([])
        let ended = Mutex(false)
        let repeated = Task {
            let first = await stop.waitForRepeat()
            ended.withLock { $0 = true }
            return first
        }
        stop.requestStop(StopSignals.timeUp)
        #expect(await stop.wait() == StopSignals.timeUp, "the first stop ends a plain wait")
        try? await Task.sleep(for: .milliseconds(20))
        #expect(ended.withLock { $0 } == false, "but not the repeat wait")
        stop.requestStop()
        #expect(await repeated.value == StopSignals.timeUp, "the second ends the repeat wait, giving the first stop")
        #expect(stop.requested == StopSignals.timeUp)
    }

    @Test func aRepeatedHangUpOrTerminationIsNoInsistence() async {
        let stop = StopSignals([])
        let ended = Mutex(false)
        let repeated = Task {
            let first = await stop.waitForRepeat()
            ended.withLock { $0 = true }
            return first
        }
        stop.requestStop(SIGHUP)
        stop.requestStop(SIGHUP)
        stop.requestStop(SIGTERM)
        try? await Task.sleep(for: .milliseconds(20))
        #expect(ended.withLock { $0 } == false, "a closing terminal and a supervisor mean: clean up")
        stop.requestStop(SIGINT)
        #expect(await repeated.value == SIGHUP)
    }

    @Test func aRepeatWaitThatIsCancelledEndsEmpty() async {
        let stop = StopSignals([])
        stop.requestStop()
        let repeated = Task { await stop.waitForRepeat() }
        repeated.cancel()
        #expect(await repeated.value == nil)
    }
}
