import GhNetPackets
import Testing
@testable import GhNetTCP

/// RFC 7323 timestamps: echo, TS.Recent rules, PAWS, round-trip measurement.
@Suite struct TimestampTests {
    private func driver() -> ConnectionDriver {
        var driver = ConnectionDriver(syn: App.syn(timestamp: 100), timestampOffset: 7000)
        driver.connection.openSucceeded(initialWindow: 1 << 20)
        return driver
    }

    @Test func theSynAckEchoesTheSynAndTheOptionRidesOnEverySegment() {
        var driver = driver()
        let synAck = driver.drain()
        #expect(synAck.first?.header.options.timestamps == TCPTimestamps(value: 1000 + 7000, echoReply: 100))
        #expect(driver.connection.usesTimestamps)
        #expect(driver.connection.sendSegmentSize == 1460 - 12)
        _ = driver.receive(App.segment(timestamps: TCPTimestamps(value: 110, echoReply: 8000)))
        _ = driver.advance(.milliseconds(250))
        _ = driver.send(pattern(10))
        let data = driver.drain()
        #expect(data.first?.header.options.timestamps == TCPTimestamps(value: 1250 + 7000, echoReply: 110))
    }

    @Test func tsRecentComesFromTheSegmentAtTheLastAcknowledgment() {
        var driver = driver()
        _ = driver.drain()
        _ = driver.receive(App.segment(timestamps: TCPTimestamps(value: 110, echoReply: 8000)))
        #expect(driver.receive(App.segment(data: 0, timestamps: TCPTimestamps(value: 200, echoReply: 8000)), pattern(100)).isEmpty)
        let ack = driver.receive(App.segment(data: 100, timestamps: TCPTimestamps(value: 210, echoReply: 8000)), pattern(100, from: 100))
        #expect(ack.count == 1)
        #expect(ack.first?.header.options.timestamps?.echoReply == 200)
    }

    @Test func pawsDropsSegmentsWithOldTimestamps() {
        var driver = driver()
        _ = driver.drain()
        _ = driver.receive(App.segment(timestamps: TCPTimestamps(value: 500, echoReply: 8000)))
        let answer = driver.receive(App.segment(data: 0, timestamps: TCPTimestamps(value: 499, echoReply: 8000)), pattern(10))
        #expect(answer.map(\.acknowledgedAppOffset) == [0])
        #expect(driver.deliveredBytes.isEmpty)
        _ = driver.receive(App.segment(data: 0, timestamps: TCPTimestamps(value: 500, echoReply: 8000)), pattern(10))
        #expect(driver.deliveredBytes == pattern(10))
    }

    @Test func pawsLetsAnOldResetThrough() {
        var driver = driver()
        _ = driver.drain()
        _ = driver.receive(App.segment(timestamps: TCPTimestamps(value: 500, echoReply: 8000)))
        _ = driver.receive(App.segment([.rst], timestamps: TCPTimestamps(value: 1, echoReply: 0)))
        #expect(driver.state == .closed(.resetByApp))
    }

    @Test func timestampsWrapAround() {
        var driver = ConnectionDriver(syn: App.syn(timestamp: UInt32.max - 5))
        driver.connection.openSucceeded(initialWindow: 1 << 20)
        _ = driver.drain()
        _ = driver.receive(App.segment(data: 0, timestamps: TCPTimestamps(value: 3, echoReply: 1000)), pattern(10))
        #expect(driver.deliveredBytes == pattern(10))
    }

    @Test func echoedTimestampsMeasureTheRoundTrip() {
        var driver = driver()
        _ = driver.drain()
        _ = driver.receive(App.segment(timestamps: TCPTimestamps(value: 110, echoReply: 0)))
        _ = driver.send(pattern(100))
        let data = driver.drain()
        let sentValue = try! #require(data.first?.header.options.timestamps?.value)
        _ = driver.advance(.milliseconds(300))
        _ = driver.receive(App.segment(acknowledging: 100, timestamps: TCPTimestamps(value: 120, echoReply: sentValue)))
        // RFC 6298: SRTT = 300 ms, RTTVAR = 150 ms, RTO = 300 + 4 × 150.
        #expect(driver.connection.retransmissionTimeout == .milliseconds(900))
    }

    @Test func segmentsWithoutTheOptionAreStillAccepted() {
        var driver = driver()
        _ = driver.drain()
        _ = driver.receive(App.segment())
        _ = driver.receive(App.segment(data: 0), pattern(10))
        #expect(driver.deliveredBytes == pattern(10))
    }
}
