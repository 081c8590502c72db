import GhNetPackets
import Testing
@testable import GhNetTCP

/// FIN both ways: half-closes, LAST-ACK, FIN-WAIT-1/2, CLOSING, TIME-WAIT.
@Suite struct CloseTests {
    @Test func theAppHalfClosesFirst() {
        var driver = ConnectionDriver.established()
        let ack = driver.receive(App.segment([.ack, .fin], data: 0), pattern(10))
        #expect(ack.map(\.acknowledgedAppOffset) == [11])
        #expect(driver.events == [.delivered(pattern(10)), .peerHalfClosed])
        #expect(driver.state == .closeWait)

        #expect(driver.send(pattern(100)) == 100)
        #expect(driver.drain().map(\.payload) == [pattern(100)])
        driver.connection.shutdownWrite()
        #expect(driver.state == .lastAck)
        let fin = driver.drain()
        #expect(fin.map(\.flags) == [[.ack, .fin]])
        #expect(fin.first?.dataOffset == 100)
        _ = driver.receive(App.segment(data: 11, acknowledging: 100))
        #expect(driver.state == .lastAck)
        _ = driver.receive(App.segment(data: 11, acknowledging: 101))
        #expect(driver.state == .closed(.completed))
        #expect(driver.events.last == .closed(.completed))
        #expect(driver.connection.nextDeadline == nil)
    }

    @Test func theServerHalfClosesFirstAndTheAppKeepsSending() {
        var driver = ConnectionDriver.established()
        _ = driver.send(pattern(300))
        driver.connection.shutdownWrite()
        #expect(driver.state == .finWait1)
        let sent = driver.drain()
        #expect(sent.map(\.flags) == [[.ack, .fin, .psh]])
        #expect(sent.first?.payload == pattern(300))
        _ = driver.receive(App.segment(acknowledging: 301))
        #expect(driver.state == .finWait2)

        _ = driver.receive(App.segment(data: 0, acknowledging: 301), pattern(1000))
        _ = driver.receive(App.segment(data: 1000, acknowledging: 301), pattern(1000, from: 1000))
        #expect(driver.deliveredBytes == pattern(2000))
        let ack = driver.receive(App.segment([.ack, .fin], data: 2000, acknowledging: 301))
        #expect(ack.map(\.acknowledgedAppOffset) == [2001])
        #expect(driver.state == .timeWait)
        #expect(driver.events.last == .peerHalfClosed)

        #expect(driver.advance(.milliseconds(1999)).isEmpty)
        #expect(driver.state == .timeWait)
        _ = driver.advance(.milliseconds(1))
        #expect(driver.state == .closed(.completed))
    }

    @Test func aFinWithTheAcknowledgmentOfOursGoesStraightToTimeWait() {
        var driver = ConnectionDriver.established()
        driver.connection.shutdownWrite()
        _ = driver.drain()
        _ = driver.receive(App.segment([.ack, .fin], acknowledging: 1))
        #expect(driver.state == .timeWait)
    }

    @Test func simultaneousCloseGoesThroughClosing() {
        var driver = ConnectionDriver.established()
        driver.connection.shutdownWrite()
        _ = driver.drain()
        let ack = driver.receive(App.segment([.ack, .fin], acknowledging: 0))
        #expect(driver.state == .closing)
        #expect(ack.map(\.acknowledgedAppOffset) == [1])
        #expect(ack.first?.sequence == App.agentISN + 2)
        _ = driver.receive(App.segment(data: 1, acknowledging: 1))
        #expect(driver.state == .timeWait)
        _ = driver.advance(.seconds(2))
        #expect(driver.state == .closed(.completed))
    }

    @Test func timeWaitAcknowledgesARetransmittedFinAndRestartsItsTimer() {
        var driver = ConnectionDriver.established()
        driver.connection.shutdownWrite()
        _ = driver.drain()
        _ = driver.receive(App.segment([.ack, .fin], acknowledging: 1))
        _ = driver.advance(.seconds(1))
        let again = driver.receive(App.segment([.ack, .fin], acknowledging: 1))
        #expect(again.map(\.acknowledgedAppOffset) == [1])
        _ = driver.advance(.milliseconds(1999))
        #expect(driver.state == .timeWait)
        #expect(driver.receive(App.segment(data: 1, acknowledging: 1)).isEmpty)
        _ = driver.advance(.milliseconds(1))
        #expect(driver.state == .closed(.completed))
    }

    @Test func aNewerSynEndsTimeWaitSoTheFlowCanReopen() {
        var driver = ConnectionDriver.established()
        driver.connection.shutdownWrite()
        _ = driver.drain()
        _ = driver.receive(App.segment([.ack, .fin], acknowledging: 1))
        #expect(driver.receive(App.syn(sequence: App.isn)).map(\.acknowledgedAppOffset) == [1])
        #expect(driver.state == .timeWait)
        #expect(driver.receive(App.syn(sequence: App.isn + 100_000)).isEmpty)
        #expect(driver.state == .closed(.reopened))
        #expect(driver.events.last == .closed(.reopened))
    }

    @Test func withTimestampsANewerTSvalReopensTimeWait() {
        var driver = ConnectionDriver.established(
            syn: App.syn(timestamp: 100), timestamps: TCPTimestamps(value: 200, echoReply: 0))
        driver.connection.shutdownWrite()
        _ = driver.drain()
        _ = driver.receive(App.segment([.ack, .fin], acknowledging: 1, timestamps: TCPTimestamps(value: 300, echoReply: 0)))
        #expect(driver.state == .timeWait)
        _ = driver.receive(App.syn(sequence: App.isn, timestamp: 299))
        #expect(driver.state == .timeWait)
        _ = driver.receive(App.syn(sequence: App.isn, timestamp: 301))
        #expect(driver.state == .closed(.reopened))
    }

    @Test func aFinArrivingOutOfOrderWaitsForTheDataBeforeIt() {
        var driver = ConnectionDriver.established()
        _ = driver.receive(App.segment([.ack, .fin], data: 100), pattern(50, from: 100))
        #expect(driver.state == .established)
        #expect(driver.events.isEmpty)
        _ = driver.receive(App.segment(data: 0), pattern(100))
        #expect(driver.events == [.delivered(pattern(100)), .delivered(pattern(50, from: 100)), .peerHalfClosed])
        #expect(driver.state == .closeWait)
    }

    @Test func aFinQueuedInSynReceivedFollowsTheHandshake() {
        var driver = ConnectionDriver()
        driver.connection.openSucceeded(initialWindow: 1 << 20)
        _ = driver.send(pattern(20))
        driver.connection.shutdownWrite()
        #expect(driver.drain().map(\.flags) == [[.syn, .ack]])
        #expect(driver.state == .synReceived)
        let sent = driver.receive(App.segment())
        #expect(driver.state == .finWait1)
        #expect(sent.map(\.flags) == [[.ack, .fin, .psh]])
        #expect(sent.first?.payload == pattern(20))
    }

    @Test func dataAfterTheAppsFinIsIgnored() {
        var driver = ConnectionDriver.established()
        _ = driver.receive(App.segment([.ack, .fin], data: 0))
        _ = driver.receive(App.segment(data: 1), pattern(10))
        #expect(driver.events == [.peerHalfClosed])
    }

    @Test func closingInputsOutsideTheirStatesAreIgnored() {
        var driver = ConnectionDriver.established()
        driver.connection.shutdownWrite()
        driver.connection.shutdownWrite()
        #expect(driver.drain().count == 1)
        var held = ConnectionDriver()
        held.connection.shutdownWrite()
        held.connection.creditReceived(consumed: 0, window: 100)
        #expect(held.state == .awaitingOpen)
        #expect(held.drain().isEmpty)
    }
}
