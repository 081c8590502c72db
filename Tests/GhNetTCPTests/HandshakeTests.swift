import GhNetAddress
import GhNetPackets
import Testing
@testable import GhNetTCP

/// The held SYN and the handshake: AWAITING-OPEN → SYN-RECEIVED → ESTABLISHED, and every way
/// the open can end.
@Suite struct HandshakeTests {
    @Test func onlyAPlainSynOpensAConnection() {
        var random = FixedRandom(1, 2)
        let now = TCPInstant(nanoseconds: 0)
        for flags: TCPFlags in [[.ack], [.syn, .ack], [.syn, .rst], [.syn, .fin], [.rst], [.fin, .ack]] {
            var header = App.syn()
            header.flags = flags
            #expect(!TCPConnection.isConnectionRequest(header))
            #expect(TCPConnection(syn: header, addresses: App.addresses, now: now, random: &random) == nil)
        }
        #expect(TCPConnection.isConnectionRequest(App.syn()))
    }

    @Test func theSynIsHeldUntilTheOpenSucceeds() throws {
        var driver = ConnectionDriver()
        #expect(driver.state == .awaitingOpen)
        #expect(driver.events == [.openRequested(window: 1 << 20)])
        #expect(driver.connection.flow == TCPFlowKey(addresses: App.addresses, appPort: App.port, serverPort: App.serverPort))
        #expect(driver.drain().isEmpty)
        #expect(driver.connection.nextDeadline == nil)
        #expect(driver.advance(.seconds(30)).isEmpty)

        driver.connection.openSucceeded(initialWindow: 40000)
        let synAck = driver.drain()
        #expect(driver.state == .synReceived)
        try #require(synAck.count == 1)
        let header = synAck[0].header
        #expect(header.flags == [.syn, .ack])
        #expect(header.sequenceNumber == App.agentISN)
        #expect(header.acknowledgmentNumber == App.isn + 1)
        #expect(header.sourcePort == App.serverPort && header.destinationPort == App.port)
        #expect(header.window == 40000)
        #expect(header.options.maximumSegmentSize == 65480)
        #expect(header.options.windowScale == 5)
        #expect(header.options.sackPermitted == false)
        #expect(header.options.timestamps == nil)

        _ = driver.receive(App.segment())
        #expect(driver.state == .established)
        #expect(driver.connection.nextDeadline == nil)
    }

    @Test func retransmittedSynsWhileHeldAreAbsorbed() {
        var driver = ConnectionDriver()
        for _ in 0..<3 {
            #expect(driver.receive(App.syn()).isEmpty)
            _ = driver.advance(.seconds(1))
        }
        #expect(driver.events == [.openRequested(window: 1 << 20)])
        #expect(driver.state == .awaitingOpen)
    }

    @Test func aSynWithANewSequenceNumberReplacesTheHeldOne() {
        var driver = ConnectionDriver()
        _ = driver.receive(App.syn(sequence: 777_000, mss: 9000, windowScale: nil))
        driver.connection.openSucceeded(initialWindow: 1 << 20)
        let synAck = driver.drain()
        #expect(synAck.first?.acknowledgment == 777_001)
        #expect(synAck.first?.header.options.windowScale == nil)
        #expect(driver.connection.sendSegmentSize == 9000)
        #expect(driver.events == [.openRequested(window: 1 << 20)])
    }

    @Test func aRefusedOpenAnswersWithResetAcknowledgingTheSyn() {
        var driver = ConnectionDriver()
        driver.connection.openFailed(.refused)
        let sent = driver.drain()
        #expect(sent.count == 1)
        #expect(sent.first?.flags == [.rst, .ack])
        #expect(sent.first?.sequence == 0)
        #expect(sent.first?.acknowledgment == App.isn + 1)
        #expect(driver.state == .closed(.openFailed(.refused)))
        #expect(driver.events.last == .closed(.openFailed(.refused)))
    }

    @Test func anUnreachableOpenAsksForTheICMPError() {
        var driver = ConnectionDriver()
        driver.connection.openFailed(.unreachable(.host))
        #expect(driver.drain().isEmpty)
        #expect(driver.events == [
            .openRequested(window: 1 << 20), .unreachable(.host, sequence: App.isn),
            .closed(.openFailed(.unreachable(.host))),
        ])
    }

    @Test func aTimedOutOpenSendsNothing() {
        var driver = ConnectionDriver()
        driver.connection.openFailed(.timedOut)
        #expect(driver.drain().isEmpty)
        #expect(driver.state == .closed(.openFailed(.timedOut)))
        #expect(driver.connection.nextDeadline == nil)
    }

    @Test func openResultsAfterTheFirstAreIgnored() {
        var driver = ConnectionDriver()
        driver.connection.openSucceeded(initialWindow: 1000)
        driver.connection.openFailed(.refused)
        driver.connection.openSucceeded(initialWindow: 5000)
        let sent = driver.drain()
        #expect(sent.map(\.flags) == [[.syn, .ack]])
        #expect(sent.first?.window == 1000)
        #expect(driver.state == .synReceived)
    }

    @Test func abortWhileHeldRefuses() {
        var driver = ConnectionDriver()
        driver.connection.abort()
        #expect(driver.drain().map(\.flags) == [[.rst, .ack]])
        #expect(driver.state == .closed(.aborted))
    }

    @Test func theSynAckIsRetransmittedOnTimeoutAndOnADuplicateSyn() {
        var driver = ConnectionDriver()
        driver.connection.openSucceeded(initialWindow: 1 << 20)
        _ = driver.drain()
        #expect(driver.advance(.milliseconds(999)).isEmpty)
        #expect(driver.advance(.milliseconds(1)).map(\.flags) == [[.syn, .ack]])
        #expect(driver.advance(.milliseconds(1999)).isEmpty)
        #expect(driver.advance(.milliseconds(1)).map(\.flags) == [[.syn, .ack]])
        #expect(driver.receive(App.syn()).map(\.flags) == [[.syn, .ack]])
        _ = driver.receive(App.segment())
        #expect(driver.state == .established)
    }

    @Test func givingUpOnTheSynAckResetsTheApp() {
        var configuration = TCPConfiguration()
        configuration.maximumRetransmissions = 3
        var driver = ConnectionDriver(configuration: configuration)
        driver.connection.openSucceeded(initialWindow: 1 << 20)
        _ = driver.drain()
        let sent = driver.advance(.seconds(60))
        #expect(sent.map(\.flags) == [[.syn, .ack], [.syn, .ack], [.syn, .ack], [.rst, .ack]])
        #expect(driver.state == .closed(.retransmissionsExhausted))
    }

    @Test func anUnacceptableAcknowledgmentInSynReceivedIsReset() {
        var driver = ConnectionDriver()
        driver.connection.openSucceeded(initialWindow: 1 << 20)
        _ = driver.drain()
        let sent = driver.receive(App.segment(acknowledging: 100))
        #expect(sent.count == 1)
        #expect(sent.first?.flags == [.rst])
        #expect(sent.first?.sequence == App.agentISN + 101)
        #expect(driver.state == .synReceived)
    }

    @Test func theMSSFollowsTheMTUAndTheFamily() {
        var configuration = TCPConfiguration()
        configuration.mtu = 1500
        var v4 = ConnectionDriver(configuration: configuration)
        v4.connection.openSucceeded(initialWindow: 1 << 20)
        #expect(v4.drain().first?.header.options.maximumSegmentSize == 1460)
        var v6 = ConnectionDriver(addresses: App.addressesV6)
        v6.connection.openSucceeded(initialWindow: 1 << 20)
        #expect(v6.drain().first?.header.options.maximumSegmentSize == 65460)
    }

    @Test func aSynWithoutOptionsGetsOnlyAnMSS() {
        var driver = ConnectionDriver(syn: App.syn(mss: nil, windowScale: nil, sackPermitted: false))
        driver.connection.openSucceeded(initialWindow: 1 << 20)
        let options = driver.drain().first?.header.options
        #expect(options == TCPOptions(maximumSegmentSize: 65480))
        #expect(driver.connection.sendSegmentSize == 536)
        var v6 = ConnectionDriver(syn: App.syn(mss: nil, windowScale: nil), addresses: App.addressesV6)
        v6.connection.openSucceeded(initialWindow: 1 << 20)
        #expect(v6.connection.sendSegmentSize == 1220)
    }

    @Test func dataArrivingWithTheHandshakeAcknowledgmentIsDelivered() {
        var driver = ConnectionDriver()
        driver.connection.openSucceeded(initialWindow: 1 << 20)
        _ = driver.drain()
        _ = driver.receive(App.segment([.ack, .psh], data: 0), pattern(100))
        #expect(driver.state == .established)
        #expect(driver.deliveredBytes == pattern(100))
    }

    @Test func serverBytesWaitForTheHandshake() {
        var driver = ConnectionDriver()
        driver.connection.openSucceeded(initialWindow: 1 << 20)
        #expect(driver.send(pattern(500)) == 500)
        #expect(driver.drain().map(\.payload.count) == [0])
        let sent = driver.receive(App.segment())
        #expect(sent.map(\.payload) == [pattern(500)])
        #expect(sent.first?.dataOffset == 0)
    }
}
