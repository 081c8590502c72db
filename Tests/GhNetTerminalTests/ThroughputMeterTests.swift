import Testing
@testable import GhNetTerminal

@Suite struct ThroughputMeterTests {
    @Test func rateIsOverTheWindow() {
        var meter = ThroughputMeter(window: .seconds(2))
        let start = ContinuousClock.now
        #expect(meter.record(up: 0, down: 0, at: start) == (0, 0))
        let half = meter.record(up: 1000, down: 4000, at: start + .milliseconds(500))
        #expect(half == (2000, 8000))
        // Three seconds on: only the samples inside the last two seconds (plus one before) count.
        _ = meter.record(up: 1000, down: 4000, at: start + .seconds(1))
        let later = meter.record(up: 3000, down: 4000, at: start + .seconds(3))
        #expect(later == (1000, 0))
    }

    @Test func totalsGoingBackwardsGiveZeroNotATrap() {
        var meter = ThroughputMeter()
        let start = ContinuousClock.now
        _ = meter.record(up: 100, down: 100, at: start)
        #expect(meter.record(up: 50, down: 200, at: start + .seconds(1)) == (0, 100))
    }

    @Test func samplesStayBounded() {
        var meter = ThroughputMeter(window: .seconds(1000))
        let start = ContinuousClock.now
        for n in 0..<1000 {
            _ = meter.record(up: UInt64(n) * 10, down: 0, at: start + .milliseconds(n * 10))
        }
        #expect(meter.sampleCount <= ThroughputMeter.maximumSamples)
    }
}
