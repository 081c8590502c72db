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
}
