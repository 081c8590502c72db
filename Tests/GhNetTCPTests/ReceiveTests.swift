import GhNetPackets
import Testing
@testable import GhNetTCP

/// App → server bytes: in-order delivery straight from the segment, delayed acknowledgments,
/// the out-of-order queue and its bounds, segments outside the window.
@Suite struct ReceiveTests {
    @Test func inOrderBytesAreDeliveredFromTheSegmentItself() {
        var driver = ConnectionDriver.established()
        _ = driver.receive(App.segment(data: 0), pattern(1000))
        #expect(driver.events == [.delivered(pattern(1000))])
        #expect(driver.connection.bytesDelivered == 1000)
    }

    @Test func everySecondSegmentIsAcknowledgedAtOnceAndALoneOneAfterTheDelay() {
        var driver = ConnectionDriver.established()
        #expect(driver.receive(App.segment(data: 0), pattern(1000)).isEmpty)
        #expect(driver.connection.nextDeadline == driver.now + .milliseconds(5))
        let ack = driver.receive(App.segment(data: 1000), pattern(1000, from: 1000))
        #expect(ack.count == 1)
        #expect(ack.first?.acknowledgedAppOffset == 2000)
        #expect(driver.connection.nextDeadline == nil)

        #expect(driver.receive(App.segment(data: 2000), pattern(10, from: 2000)).isEmpty)
        #expect(driver.advance(.milliseconds(4)).isEmpty)
        let delayed = driver.advance(.milliseconds(1))
        #expect(delayed.map(\.acknowledgedAppOffset) == [2010])
        #expect(driver.deliveredBytes == pattern(2010))
    }

    @Test func serverDataCarriesThePendingAcknowledgment() {
        var driver = ConnectionDriver.established()
        _ = driver.receive(App.segment(data: 0), pattern(100))
        #expect(driver.send(pattern(50)) == 50)
        let sent = driver.drain()
        #expect(sent.count == 1)
        #expect(sent.first?.acknowledgedAppOffset == 100)
        #expect(sent.first?.payload == pattern(50))
        #expect(driver.connection.nextDeadline != driver.now + .milliseconds(5))
    }

    @Test func outOfOrderBytesAreHeldAndDeliveredWhenTheGapFills() {
        var driver = ConnectionDriver.established()
        let dup1 = driver.receive(App.segment(data: 2000), pattern(1000, from: 2000))
        let dup2 = driver.receive(App.segment(data: 1000), pattern(1000, from: 1000))
        #expect(dup1.map(\.acknowledgedAppOffset) == [0])
        #expect(dup2.map(\.acknowledgedAppOffset) == [0])
        #expect(driver.connection.outOfOrderBytes == 2000)
        #expect(driver.connection.outOfOrderRanges == 2)
        #expect(driver.events.isEmpty)

        let ack = driver.receive(App.segment(data: 0), pattern(1000))
        #expect(ack.map(\.acknowledgedAppOffset) == [3000])
        #expect(driver.events.count == 3)
        #expect(driver.deliveredBytes == pattern(3000))
        #expect(driver.connection.outOfOrderBytes == 0)
    }

    /// A FIN that arrives out of order, before bytes already held past it (only a raw-socket
    /// app sends this): the stream ends at the FIN, the bytes beyond it are never delivered, and
    /// the end is reported.
    @Test func heldBytesPastAnOutOfOrderFinAreDropped() {
        var driver = ConnectionDriver.established()
        _ = driver.receive(App.segment(data: 10), pattern(10, from: 10))
        _ = driver.receive(App.segment([.ack, .fin], data: 5), pattern(5, from: 5))
        #expect(driver.connection.outOfOrderBytes == 5, "the bytes past the FIN are dropped at once")
        _ = driver.receive(App.segment(data: 0), pattern(5))
        #expect(driver.deliveredBytes == pattern(10))
        #expect(driver.events.last == .peerHalfClosed)
        #expect(driver.connection.outOfOrderBytes == 0)
    }

    @Test func overlappingOutOfOrderSegmentsAreStoredOnce() {
        var driver = ConnectionDriver.established()
        _ = driver.receive(App.segment(data: 1000), pattern(500, from: 1000))
        _ = driver.receive(App.segment(data: 800), pattern(1000, from: 800))
        _ = driver.receive(App.segment(data: 1200), pattern(100, from: 1200))
        #expect(driver.connection.outOfOrderBytes == 1000)
        _ = driver.receive(App.segment(data: 0), pattern(900))
        #expect(driver.deliveredBytes == pattern(1800))
    }

    @Test func theOutOfOrderQueueDropsWhatPassesItsBounds() {
        var configuration = TCPConfiguration()
        configuration.maximumOutOfOrderBytes = 1500
        configuration.maximumOutOfOrderSegments = 2
        var driver = ConnectionDriver.established(configuration: configuration)
        _ = driver.receive(App.segment(data: 1000), pattern(1000, from: 1000))
        _ = driver.receive(App.segment(data: 3000), pattern(1000, from: 3000))
        #expect(driver.connection.outOfOrderBytes == 1500)
        _ = driver.receive(App.segment(data: 5000), pattern(100, from: 5000))
        #expect(driver.connection.outOfOrderBytes == 1500)
        #expect(driver.connection.outOfOrderRanges == 2)

        let ack = driver.receive(App.segment(data: 0), pattern(1000))
        #expect(ack.map(\.acknowledgedAppOffset) == [2000])
        for offset in stride(from: 2000, to: 5100, by: 100) {
            _ = driver.receive(App.segment(data: offset), pattern(100, from: offset))
        }
        #expect(driver.deliveredBytes == pattern(5100))
    }

    @Test func oldDuplicatesAndSegmentsPastTheWindowAreAcknowledgedAndDropped() {
        var driver = ConnectionDriver.established(credit: 4000)
        _ = driver.receive(App.segment(data: 0), pattern(1000))
        _ = driver.receive(App.segment(data: 1000), pattern(1000, from: 1000))
        #expect(driver.receive(App.segment(data: 0), pattern(1000)).map(\.acknowledgedAppOffset) == [2000])
        #expect(driver.receive(App.segment(data: 4000), pattern(10, from: 4000)).map(\.acknowledgedAppOffset) == [2000])
        #expect(driver.receive(App.segment(data: 90000), pattern(10)).map(\.acknowledgedAppOffset) == [2000])
        #expect(driver.deliveredBytes == pattern(2000))
    }

    @Test func aSegmentStraddlingTheLeftEdgeDeliversOnlyItsNewBytes() {
        var driver = ConnectionDriver.established()
        _ = driver.receive(App.segment(data: 0), pattern(1000))
        _ = driver.receive(App.segment(data: 500), pattern(1000, from: 500))
        #expect(driver.deliveredBytes == pattern(1500))
    }

    @Test func aSegmentStraddlingTheRightEdgeIsTrimmedToTheWindow() {
        var driver = ConnectionDriver.established(credit: 1000)
        let sent = driver.receive(App.segment([.ack, .fin], data: 0), pattern(1500))
        #expect(driver.deliveredBytes == pattern(1000))
        #expect(!driver.events.contains(.peerHalfClosed))
        #expect(sent.map(\.acknowledgedAppOffset) == [1000])
        #expect(sent.first?.window == 0)
        #expect(driver.state == .established)
    }

    @Test func keepalivesAreAnswered() {
        var driver = ConnectionDriver.established()
        _ = driver.receive(App.segment(data: 0), pattern(10))
        _ = driver.advance(.seconds(1))
        let answer = driver.receive(App.segment(data: 9), [0])
        #expect(answer.map(\.acknowledgedAppOffset) == [10])
        #expect(driver.deliveredBytes == pattern(10))
    }

    @Test func segmentsWithoutAckAreDropped() {
        var driver = ConnectionDriver.established()
        #expect(driver.receive(App.segment([], data: 0), pattern(10)).isEmpty)
        #expect(driver.events.isEmpty)
    }
}
