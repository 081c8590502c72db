import GhNetPackets
import Testing
@testable import GhNetTCP

/// RFC 6298 retransmission, Karn's rule, giving up, and RFC 5681/6582 fast retransmit.
@Suite struct RetransmissionTests {
    /// Established without a round-trip sample yet (the handshake ACK came late enough that
    /// the SYN-ACK was retransmitted), so the initial 1 s RTO applies.
    private func unsampled(configuration: TCPConfiguration = TCPConfiguration(), mss: UInt16 = 1000) -> ConnectionDriver {
        var driver = ConnectionDriver(syn: App.syn(mss: mss), configuration: configuration)
        driver.connection.openSucceeded(initialWindow: 1 << 20)
        _ = driver.drain()
        _ = driver.advance(.seconds(1))
        _ = driver.receive(App.segment())
        #expect(driver.state == .established)
        driver.events.removeAll()
        return driver
    }

    @Test func unacknowledgedDataIsRetransmittedWithBackoff() {
        var driver = unsampled()
        #expect(driver.connection.retransmissionTimeout == .seconds(2))
        _ = driver.send(pattern(500))
        #expect(driver.drain().map(\.payload.count) == [500])
        #expect(driver.advance(.milliseconds(1999)).isEmpty)
        let first = driver.advance(.milliseconds(1))
        #expect(first.map(\.payload) == [pattern(500)])
        #expect(first.first?.dataOffset == 0)
        #expect(driver.advance(.milliseconds(3999)).isEmpty)
        #expect(driver.advance(.milliseconds(1)).count == 1)
        _ = driver.receive(App.segment(acknowledging: 500))
        #expect(driver.connection.nextDeadline == nil)
    }

    @Test func karnsRuleIgnoresAcknowledgmentsOfRetransmissions() {
        var driver = unsampled()
        _ = driver.send(pattern(500))
        _ = driver.drain()
        _ = driver.advance(.seconds(2))
        _ = driver.advance(.milliseconds(10))
        _ = driver.receive(App.segment(acknowledging: 500))
        #expect(driver.connection.retransmissionTimeout == .seconds(4))
        _ = driver.send(pattern(100, from: 500))
        _ = driver.drain()
        _ = driver.advance(.milliseconds(100))
        _ = driver.receive(App.segment(acknowledging: 600))
        // A clean sample of 100 ms: RTO = 100 + 4 × 50 = 300 ms.
        #expect(driver.connection.retransmissionTimeout == .milliseconds(300))
    }

    @Test func theTimeoutBacksOffToTheCeilingAndThenGivesUp() {
        var configuration = TCPConfiguration()
        configuration.maximumRetransmissions = 8
        var driver = unsampled(configuration: configuration)
        _ = driver.send(pattern(100))
        _ = driver.drain()
        var times: [Duration] = []
        var last = driver.now
        for _ in 0..<9 {
            let deadline = try! #require(driver.connection.nextDeadline)
            times.append(deadline - last)
            last = deadline
            _ = driver.advance(deadline - driver.now)
        }
        #expect(times == [2, 4, 8, 16, 32, 60, 60, 60, 60].map { Duration.seconds($0) })
        #expect(driver.state == .closed(.retransmissionsExhausted))
        #expect(driver.events == [.closed(.retransmissionsExhausted)])
    }

    @Test func givingUpSendsAReset() {
        var configuration = TCPConfiguration()
        configuration.maximumRetransmissions = 1
        var driver = unsampled(configuration: configuration)
        _ = driver.send(pattern(100))
        _ = driver.drain()
        let sent = driver.advance(.seconds(10))
        #expect(sent.map(\.flags) == [[.ack, .psh], [.rst, .ack]])
        #expect(sent.last?.sequence == App.agentISN + 101)
        #expect(driver.connection.nextDeadline == nil)
    }

    @Test func aTimeoutGoesBackToTheFirstUnacknowledgedByteWithOneSegment() {
        var driver = ConnectionDriver.established(syn: App.syn(mss: 1000))
        _ = driver.send(pattern(4000))
        #expect(driver.drain().count == 4)
        let resent = driver.advance(driver.connection.retransmissionTimeout)
        #expect(resent.map(\.dataOffset) == [0])
        #expect(driver.connection.congestionWindow == 1000)
        // The app had everything but the first segment: one ACK covers it all.
        let after = driver.receive(App.segment(acknowledging: 4000))
        #expect(after.isEmpty)
        #expect(driver.connection.bufferedSendBytes == 0)
    }

    @Test func threeDuplicateAcknowledgmentsTriggerFastRetransmit() {
        var driver = unsampled()
        _ = driver.send(pattern(8000))
        _ = driver.drain()
        _ = driver.receive(App.segment(acknowledging: 1000))
        _ = driver.receive(App.segment(acknowledging: 2000))
        #expect(driver.connection.bytesAcknowledged == 2000)
        #expect(driver.receive(App.segment(acknowledging: 2000)).filter { $0.dataOffset == 2000 }.isEmpty)
        #expect(driver.receive(App.segment(acknowledging: 2000)).filter { $0.dataOffset == 2000 }.isEmpty)
        let third = driver.receive(App.segment(acknowledging: 2000))
        #expect(third.first?.dataOffset == 2000)
        #expect(third.first?.payload == pattern(1000, from: 2000))

        // A partial acknowledgment retransmits the next hole at once (NewReno).
        let partial = driver.receive(App.segment(acknowledging: 3000))
        #expect(partial.first?.dataOffset == 3000)
        _ = driver.receive(App.segment(acknowledging: 8000))
        #expect(driver.connection.bufferedSendBytes == 0)
    }

    @Test func acknowledgmentsThatChangeTheWindowAreNotDuplicates() {
        var driver = unsampled()
        _ = driver.send(pattern(4000))
        _ = driver.drain()
        for window: UInt16 in [500, 501, 502] {
            #expect(driver.receive(App.segment(window: window)).allSatisfy { $0.dataOffset != 0 })
        }
    }

    @Test func anAcknowledgmentOfUnsentDataIsAnsweredAndIgnored() {
        var driver = unsampled()
        _ = driver.send(pattern(100))
        _ = driver.drain()
        let answer = driver.receive(App.segment(data: 0, acknowledging: 5000), pattern(10))
        #expect(answer.map(\.acknowledgedAppOffset) == [0])
        #expect(driver.deliveredBytes.isEmpty)
        #expect(driver.connection.bufferedSendBytes == 100)
    }

    @Test func aFinIsRetransmittedLikeData() {
        var driver = unsampled()
        driver.connection.shutdownWrite()
        #expect(driver.drain().map(\.flags) == [[.ack, .fin]])
        #expect(driver.advance(.seconds(2)).map(\.flags) == [[.ack, .fin]])
        _ = driver.receive(App.segment(acknowledging: 1))
        #expect(driver.state == .finWait2)
    }
}
