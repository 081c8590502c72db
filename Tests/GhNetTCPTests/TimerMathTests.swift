import Testing
@testable import GhNetTCP

/// RFC 6298's estimator and RFC 5681's window arithmetic on their own.
@Suite struct TimerMathTests {
    private let millisecond = 1_000_000

    @Test func theTimeoutFollowsRFC6298() {
        var timeout = RetransmissionTimeout(initial: 1000 * millisecond, minimum: 200 * millisecond, maximum: 60_000 * millisecond)
        #expect(timeout.current == 1000 * millisecond)
        timeout.addSample(400 * millisecond)
        #expect(timeout.smoothed == 400 * millisecond)
        #expect(timeout.variation == 200 * millisecond)
        #expect(timeout.current == 1200 * millisecond)
        timeout.addSample(200 * millisecond)
        #expect(timeout.variation == 200 * millisecond)
        #expect(timeout.smoothed == 375 * millisecond)
        #expect(timeout.current == 1175 * millisecond)
        for _ in 0..<100 { timeout.addSample(1 * millisecond) }
        #expect(timeout.current == 200 * millisecond)
    }

    @Test func backoffDoublesUpToTheCeilingAndASampleEndsIt() {
        var timeout = RetransmissionTimeout(initial: 1000 * millisecond, minimum: 200 * millisecond, maximum: 60_000 * millisecond)
        var seen: [Int] = []
        for _ in 0..<10 {
            timeout.backOff()
            seen.append(timeout.current / millisecond)
        }
        #expect(seen == [2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000, 60000])
        #expect(timeout.backedOff(by: 50) == 60_000 * millisecond)
        timeout.addSample(100 * millisecond)
        #expect(timeout.backoff == 0)
        #expect(timeout.current == 300 * millisecond)
    }

    @Test func slowStartThenCongestionAvoidance() {
        var window = CongestionControl(segmentSize: 1000)
        #expect(window.window == 4000)
        _ = window.acknowledged(1000, upTo: 1001)
        #expect(window.window == 5000)
        _ = window.acknowledged(5000, upTo: 6001)
        #expect(window.window == 7000)
        window.timedOut(flight: 10000, highestSent: 16001)
        #expect(window.window == 1000 && window.threshold == 5000)
        for _ in 0..<4 { _ = window.acknowledged(1000, upTo: 20000) }
        #expect(window.window == 5000)
        _ = window.acknowledged(1000, upTo: 21000)
        #expect(window.window == 5200)
    }

    @Test func fastRecoveryInflatesAndDeflates() {
        var window = CongestionControl(segmentSize: 1000)
        for _ in 0..<20 { _ = window.acknowledged(2000, upTo: 1) }
        let before = window.window
        let answers = (0..<4).map { _ in window.duplicateAcknowledged(flight: 10000, unacknowledged: 100, highestSent: 10100) }
        #expect(answers == [false, false, true, false])
        #expect(window.threshold == 5000 && window.window == 9000 && before > 9000)
        let partial = window.acknowledged(2000, upTo: 2100)
        #expect(partial)
        #expect(window.window == 8000)
        let full = window.acknowledged(8000, upTo: 10100)
        #expect(!full)
        #expect(window.window == 5000 && window.recoveryPoint == nil)
    }

    @Test func noSecondFastRetransmitBeforeRecoveringFromATimeout() {
        var window = CongestionControl(segmentSize: 1000)
        window.timedOut(flight: 8000, highestSent: 9000)
        let early = (0..<3).map { _ in window.duplicateAcknowledged(flight: 8000, unacknowledged: 5000, highestSent: 9000) }
        #expect(early == [false, false, false])
        _ = window.acknowledged(5000, upTo: 9500)
        let later = (0..<3).map { _ in window.duplicateAcknowledged(flight: 1000, unacknowledged: 9500, highestSent: 10500) }
        #expect(later == [false, false, true])
    }
}
