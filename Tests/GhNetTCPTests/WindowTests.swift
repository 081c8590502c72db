import GhNetPackets
import Testing
@testable import GhNetTCP

/// Flow control both ways: the receive window follows the bridge's credit, silly window
/// avoidance, window scaling, zero windows and the persist timer.
@Suite struct WindowTests {
    /// A driver whose app sends big segments (MSS 60000) and offers `window` unscaled bytes.
    private func bigSegments(credit: UInt32, window: UInt16 = 65535, windowScale: UInt8? = 7) -> ConnectionDriver {
        .established(syn: App.syn(mss: 60000, windowScale: windowScale), credit: credit, window: window)
    }

    @Test func theReceiveWindowIsTheCreditLeft() {
        var driver = bigSegments(credit: 100_000)
        _ = driver.send(pattern(1))
        #expect(driver.drain().first?.window == UInt16(100_000 >> 5))
        _ = driver.receive(App.segment(data: 0, acknowledging: 1), pattern(40000))
        let ack = driver.receive(App.segment(data: 40000, acknowledging: 1), pattern(40000, from: 40000))
        #expect(ack.first?.window == UInt16(20_000 >> 5))
        let last = driver.receive(App.segment(data: 80000, acknowledging: 1), pattern(20000, from: 80000))
        #expect(last.first?.window == 0)
        #expect(same(driver.deliveredBytes, pattern(100_000)))

        // Nothing more gets in until the local reader consumes.
        _ = driver.receive(App.segment(data: 100_000, acknowledging: 1), pattern(10, from: 100_000))
        #expect(driver.deliveredBytes.count == 100_000)

        driver.connection.creditReceived(consumed: 100_000, window: 100_000)
        let update = driver.drain()
        #expect(update.map(\.window) == [UInt16(100_000 >> 5)])
        #expect(update.first?.payload.isEmpty == true)
    }

    @Test func smallCreditsDoNotAnnounceSillyWindows() {
        // Credit 100 000: the threshold is min(MSS, 100 000 / 2) = 50 000 bytes.
        var driver = bigSegments(credit: 100_000)
        _ = driver.receive(App.segment(data: 0), pattern(40000))
        let closed = driver.receive(App.segment(data: 40000), pattern(60000, from: 40000))
        #expect(closed.map(\.window) == [0])
        driver.connection.creditReceived(consumed: 30000, window: 100_000)
        #expect(driver.drain().isEmpty)
        driver.connection.creditReceived(consumed: 49999, window: 100_000)
        #expect(driver.drain().isEmpty)
        driver.connection.creditReceived(consumed: 50000, window: 100_000)
        #expect(driver.drain().map(\.window) == [UInt16(50000 >> 5)])
        driver.connection.creditReceived(consumed: 60000, window: 100_000)
        #expect(driver.drain().isEmpty)
        // An acknowledgment meanwhile keeps the right edge where it was rather than inching it on.
        #expect(driver.receive(App.segment(data: 100_000), pattern(1000, from: 100_000)).isEmpty)
        let delayed = driver.advance(.milliseconds(5))
        #expect(delayed.map(\.window) == [UInt16((((50000 >> 5) << 5) - 1000) >> 5)])
    }

    @Test func aCreditClaimingUndeliveredBytesIsClamped() {
        var driver = bigSegments(credit: 10000)
        _ = driver.receive(App.segment(data: 0), pattern(6000))
        driver.connection.creditReceived(consumed: 1_000_000, window: 10000)
        #expect(driver.drain().map(\.window) == [UInt16(10000 >> 5)])
        _ = driver.receive(App.segment(data: 6000), pattern(20000, from: 6000))
        #expect(driver.connection.bytesDelivered == UInt64(6000 + ((10000 >> 5) << 5)))
    }

    @Test func theWindowNeverPassesTheConfiguredMaximum() {
        var configuration = TCPConfiguration()
        configuration.maximumReceiveWindow = 256 << 10
        var driver = ConnectionDriver.established(configuration: configuration, credit: 8 << 20)
        _ = driver.send(pattern(1))
        let field = driver.drain().first?.window
        #expect(field.map { Int($0) << 3 } == 256 << 10)
    }

    @Test func windowScalingAppliesBothWays() {
        var configuration = TCPConfiguration()
        configuration.maximumReceiveWindow = 8 << 20
        var driver = ConnectionDriver(syn: App.syn(mss: 60000, windowScale: 7), configuration: configuration)
        driver.connection.openSucceeded(initialWindow: 4 << 20)
        let synAck = driver.drain()
        #expect(synAck.first?.header.options.windowScale == 8)
        #expect(synAck.first?.window == 65535)
        _ = driver.receive(App.segment(window: 100))
        _ = driver.send(pattern(20000))
        let sent = driver.drain()
        #expect(sent.flatMap(\.payload).count == 100 << 7)
        #expect(sent.first?.window == UInt16((4 << 20) >> 8))
    }

    @Test func withoutScalingWindowsStayUnder64K() {
        var driver = bigSegments(credit: 1 << 20, window: 30000, windowScale: nil)
        _ = driver.send(pattern(50000))
        let sent = driver.drain()
        #expect(sent.flatMap(\.payload).count == 30000)
        #expect(sent.first?.window == 65535)
    }

    @Test func aZeroWindowIsProbedWithBackoffUntilItOpens() {
        var driver = ConnectionDriver.established(window: 0)
        let timeout = driver.connection.retransmissionTimeout
        #expect(timeout == .milliseconds(200))
        _ = driver.send(pattern(3000))
        #expect(driver.drain().isEmpty)
        #expect(driver.connection.nextDeadline == driver.now + timeout)

        let probe = driver.advance(timeout)
        #expect(probe.count == 1)
        #expect(probe.first?.sequence == App.agentISN)
        #expect(probe.first?.payload.isEmpty == true)
        #expect(driver.receive(App.segment(window: 0)).isEmpty)
        #expect(driver.advance(timeout * 2 - .milliseconds(1)).isEmpty)
        #expect(driver.advance(.milliseconds(1)).count == 1)
        #expect(driver.advance(timeout * 4 - .milliseconds(1)).isEmpty)
        #expect(driver.advance(.milliseconds(1)).count == 1)

        let data = driver.receive(App.segment(window: 65535))
        #expect(data.flatMap(\.payload) == pattern(3000))
        #expect(driver.connection.nextDeadline == driver.now + timeout)
    }

    /// Ten bytes waiting for an app whose window is closed, probes given up after `limit`.
    func bytesWaitingForAClosedWindow(maximumRetransmissions limit: Int) -> ConnectionDriver {
        var configuration = TCPConfiguration()
        configuration.maximumRetransmissions = limit
        var driver = ConnectionDriver.established(configuration: configuration, window: 0)
        _ = driver.send(pattern(10))
        _ = driver.drain()
        return driver
    }

    @Test func aZeroWindowLastsAsLongAsTheAppAnswersTheProbes() {
        var driver = bytesWaitingForAClosedWindow(maximumRetransmissions: 2)
        var probes: [SentSegment] = []
        for _ in 0..<6000 {   // ten minutes in 100 ms steps
            let sent = driver.advance(.milliseconds(100))
            probes += sent
            if !sent.isEmpty { _ = driver.receive(App.segment(window: 0)) }   // still there, still full
        }
        #expect(probes.count >= 10)
        #expect(driver.state == .established)
        #expect(probes.allSatisfy { $0.payload.isEmpty && $0.sequence == App.agentISN })
    }

    @Test func anAppThatAnswersNoProbeIsGivenUpOn() {
        var driver = bytesWaitingForAClosedWindow(maximumRetransmissions: 3)
        let sent = driver.advance(.seconds(600))
        #expect(sent.filter { $0.payload.isEmpty && !$0.flags.contains(.rst) }.count == 3, "three probes, then")
        #expect(sent.last?.flags.contains(.rst) == true, "a reset")
        #expect(driver.state == .closed(.retransmissionsExhausted))
    }

    @Test func theAppShrinkingItsWindowHoldsSmallSegmentsUntilThePersistTimer() {
        var driver = ConnectionDriver.established(syn: App.syn(mss: 60000, windowScale: nil), window: 65535)
        _ = driver.send(pattern(10))
        _ = driver.drain()
        _ = driver.receive(App.segment(acknowledging: 10, window: 1000))
        _ = driver.send(pattern(5000, from: 10))
        #expect(driver.drain().isEmpty)
        let forced = driver.advance(driver.connection.retransmissionTimeout)
        #expect(forced.map(\.payload.count) == [1000])
        #expect(forced.first?.dataOffset == 10)
    }

    @Test func aWindowUpdateFromTheAppRestartsSending() {
        var driver = ConnectionDriver.established(window: 0)
        _ = driver.send(pattern(100))
        _ = driver.drain()
        let sent = driver.receive(App.segment(window: 512))
        #expect(sent.flatMap(\.payload) == pattern(100))
    }
}
