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
        let stop = StopSignals([], insistAfter: .zero)
        let repeated = RepeatWatch(stop)
        stop.requestStop(StopSignals.timeUp)
        #expect(await stop.wait() == StopSignals.timeUp, "the first stop ends a plain wait")
        #expect(await repeated.isStillWaiting(), "but not the repeat wait")
        stop.requestStop()
        #expect(await repeated.task.value == StopSignals.timeUp, "the second ends the repeat wait, giving the first stop")
        #expect(stop.requested == StopSignals.timeUp)
    }

    @Test(.timeLimit(.minutes(1))) func aRepeatedHangUpOrTerminationIsNoInsistence() async {
        let stop = StopSignals([], insistAfter: .zero)
        let repeated = RepeatWatch(stop)
        stop.requestStop(SIGHUP)
        stop.requestStop(SIGHUP)
        stop.requestStop(SIGTERM)
        #expect(await repeated.isStillWaiting(), "a closing terminal and a supervisor mean: clean up")
        stop.requestStop(SIGINT)
        #expect(await repeated.task.value == SIGHUP)
    }

    @Test(.timeLimit(.minutes(1))) func aQuickDoubleStopIsNoInsistence() async {
        let stop = StopSignals([], insistAfter: .seconds(600))
        let repeated = RepeatWatch(stop)
        stop.requestStop(SIGINT)
        stop.requestStop(SIGINT)
        #expect(await repeated.isStillWaiting(), "a habitual double Ctrl-C still cleans up")
        repeated.task.cancel()
        #expect(await repeated.task.value == nil)
    }

    @Test func aRepeatWouldInsistOnlyOnceTheFirstStopIsOldEnough() {
        let patient = StopSignals([], insistAfter: .seconds(600))
        #expect(!patient.repeatWouldInsist, "nothing to repeat before a stop")
        patient.requestStop()
        #expect(!patient.repeatWouldInsist, "too soon after the first stop")
        let prompt = StopSignals([], insistAfter: .zero)
        #expect(!prompt.repeatWouldInsist)
        prompt.requestStop(SIGTERM)
        #expect(prompt.repeatWouldInsist, "the quit key would now insist, also after a SIGTERM")
    }

    @Test(.timeLimit(.minutes(1))) func aRepeatWaitThatIsCancelledEndsEmpty() async {
        let stop = StopSignals([])
        stop.requestStop()
        let repeated = Task { await stop.waitForRepeat() }
        repeated.cancel()
        #expect(await repeated.value == nil)
    }
}

/// A ``StopSignals/waitForRepeat()`` under way, and whether it has ended.
struct RepeatWatch {
    /// Set once the wait ended.
    final class Flag: Sendable {
        let value = Atomic(false)
    }

    let task: Task<Int32?, Never>
    private let ended = Flag()

    init(_ stop: StopSignals) {
        let ended = self.ended
        task = Task {
            let first = await stop.waitForRepeat()
            ended.value.store(true, ordering: .sequentiallyConsistent)
            return first
        }
    }

    /// True when the wait has not ended 20 ms from now (a busy machine can only make this pass
    /// wrongly, never fail wrongly).
    func isStillWaiting() async -> Bool {
        try? await Task.sleep(for: .milliseconds(20))
        return !ended.value.load(ordering: .sequentiallyConsistent)
    }
}
