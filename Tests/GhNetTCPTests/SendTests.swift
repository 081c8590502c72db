import GhNetPackets
import Testing
@testable import GhNetTCP

/// Server → app bytes: the bounded send buffer, segmentation, the app's window, released space.
@Suite struct SendTests {
    @Test func bytesAreCutIntoSegmentsOfTheSendMSSWithinTheInitialWindow() {
        var driver = ConnectionDriver.established()
        #expect(driver.connection.congestionWindow == 3 * 1460)
        #expect(driver.send(pattern(6000)) == 6000)
        let sent = driver.drain()
        #expect(sent.map(\.payload.count) == [1460, 1460, 1460])
        #expect(sent.map(\.dataOffset) == [0, 1460, 2920])
        #expect(sent.allSatisfy { !$0.flags.contains(.psh) })
        let rest = driver.receive(App.segment(acknowledging: 2920))
        #expect(rest.map(\.payload.count) == [1460, 160])
        #expect(rest.last?.flags == [.ack, .psh])
        #expect((sent + rest).flatMap(\.payload) == pattern(6000))
    }

    @Test func theSendBufferIsBoundedAndFreedByAcknowledgments() {
        var configuration = TCPConfiguration()
        configuration.sendBufferCapacity = 10000
        var driver = ConnectionDriver.established(configuration: configuration)
        #expect(driver.send(pattern(6000)) == 6000)
        #expect(driver.send(pattern(6000, from: 6000)) == 4000)
        #expect(driver.connection.sendBufferSpace == 0)
        _ = driver.drain()
        _ = driver.receive(App.segment(acknowledging: 2920))
        #expect(driver.connection.bufferedSendBytes == 10000 - 2920)
        #expect(driver.events == [.sendSpaceReleased(2920)])
        #expect(driver.send(pattern(3000, from: 10000)) == 2920)
    }

    @Test func releasedSpaceIsReportedInQuarterBufferSteps() {
        var configuration = TCPConfiguration()
        configuration.sendBufferCapacity = 40000
        var driver = ConnectionDriver.established(syn: App.syn(mss: 60000), configuration: configuration, window: 65535)
        _ = driver.send(pattern(40000))
        _ = driver.drain()
        _ = driver.receive(App.segment(acknowledging: 5000))
        #expect(driver.events.isEmpty)
        _ = driver.receive(App.segment(acknowledging: 10000))
        #expect(driver.events == [.sendSpaceReleased(10000)])
        _ = driver.receive(App.segment(acknowledging: 19999))
        _ = driver.receive(App.segment(acknowledging: 40000))
        #expect(driver.events == [.sendSpaceReleased(10000), .sendSpaceReleased(40000)])
    }

    @Test func theAppsWindowLimitsWhatIsInFlight() {
        var driver = ConnectionDriver.established(window: 3000 >> 7)
        _ = driver.send(pattern(10000))
        let sent = driver.drain()
        #expect(sent.map(\.payload.count) == [1460, 1460])
        #expect(sent.flatMap(\.payload).count <= (3000 >> 7) << 7)
    }

    @Test func payloadsComeStraightFromTheBufferAcrossItsWrapPoint() {
        var configuration = TCPConfiguration()
        configuration.sendBufferCapacity = 5000
        var driver = ConnectionDriver.established(syn: App.syn(mss: 1000), configuration: configuration)
        let total = 60_000
        var written = 0
        var arrived: [UInt8] = []
        var sent = driver.drain()
        for _ in 0..<1000 where arrived.count < total {
            written += driver.send(pattern(min(777, total - written), from: written))
            sent += driver.drain()
            for segment in sent where !segment.payload.isEmpty {
                #expect(segment.dataOffset == arrived.count)
                #expect(segment.payload.count <= 1000)
                arrived += segment.payload
            }
            sent = driver.receive(App.segment(acknowledging: arrived.count))
        }
        #expect(same(arrived, pattern(total)))
    }

    @Test func sendingIsRefusedOutsideTheStatesThatSend() {
        var driver = ConnectionDriver()
        #expect(driver.send(pattern(10)) == 0)
        var established = ConnectionDriver.established()
        established.connection.shutdownWrite()
        #expect(established.send(pattern(10)) == 0)
        #expect(established.connection.sendBufferSpace == 0)
    }
}
