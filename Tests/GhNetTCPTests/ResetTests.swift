import GhNetPackets
import Testing
@testable import GhNetTCP

/// RST in every state (RFC 5961's exact-match rule), SYN in synchronized states, aborts, and
/// the dispatcher's reset for unknown flows.
@Suite struct ResetTests {
    /// A driver brought to `state`.
    private func driver(in state: TCPState) -> ConnectionDriver {
        var driver = ConnectionDriver.established()
        switch state {
        case .synReceived:
            driver = ConnectionDriver()
            driver.connection.openSucceeded(initialWindow: 1 << 20)
        case .established:
            break
        case .closeWait:
            _ = driver.receive(App.segment([.ack, .fin]))
        case .lastAck:
            _ = driver.receive(App.segment([.ack, .fin]))
            driver.connection.shutdownWrite()
        case .finWait1:
            driver.connection.shutdownWrite()
        case .finWait2:
            driver.connection.shutdownWrite()
            _ = driver.drain()
            _ = driver.receive(App.segment(acknowledging: 1))
        case .closing:
            driver.connection.shutdownWrite()
            _ = driver.drain()
            _ = driver.receive(App.segment([.ack, .fin]))
        case .timeWait:
            driver.connection.shutdownWrite()
            _ = driver.drain()
            _ = driver.receive(App.segment([.ack, .fin], acknowledging: 1))
        case .awaitingOpen, .closed:
            Issue.record("not a synchronized state")
        }
        _ = driver.drain()
        #expect(driver.state == state)
        driver.events.removeAll()
        return driver
    }

    static let synchronizedStates: [TCPState] = [
        .synReceived, .established, .closeWait, .lastAck, .finWait1, .finWait2, .closing, .timeWait,
    ]

    /// RCV.NXT, as an offset in the app's stream, in a state made by ``driver(in:)``.
    private func receiveNext(_ state: TCPState) -> Int {
        switch state {
        case .closeWait, .lastAck, .closing, .timeWait: 1
        default: 0
        }
    }

    /// In TIME-WAIT both directions have finished, so the reset ends a completed connection.
    @Test(arguments: synchronizedStates)
    func anExactResetCloses(_ state: TCPState) {
        var driver = driver(in: state)
        let reason: TCPCloseReason = state == .timeWait ? .completed : .resetByApp
        #expect(driver.receive(App.segment([.rst], data: receiveNext(state))).isEmpty)
        #expect(driver.state == .closed(reason))
        #expect(driver.events == [.closed(reason)])
        #expect(driver.connection.nextDeadline == nil)
    }

    @Test(arguments: synchronizedStates.filter { $0 != .timeWait })
    func anInWindowResetGetsAChallengeAck(_ state: TCPState) {
        var driver = driver(in: state)
        let challenge = driver.receive(App.segment([.rst], data: receiveNext(state) + 100))
        #expect(challenge.map(\.flags) == [[.ack]])
        #expect(challenge.first?.acknowledgedAppOffset == receiveNext(state))
        #expect(driver.state == state)
    }

    @Test(arguments: synchronizedStates)
    func aResetOutsideTheWindowIsIgnored(_ state: TCPState) {
        var driver = driver(in: state)
        #expect(driver.receive(App.segment([.rst], data: -5000)).isEmpty)
        #expect(driver.receive(App.segment([.rst], data: 1 << 30)).isEmpty)
        #expect(driver.state == state)
    }

    @Test func aResetWhileTheSynIsHeldIsIgnored() {
        var driver = ConnectionDriver()
        #expect(driver.receive(App.segment([.rst], data: 0)).isEmpty)
        #expect(driver.receive(App.segment([.ack], data: 0)).isEmpty)
        #expect(driver.state == .awaitingOpen)
    }

    @Test(arguments: synchronizedStates.filter { $0 != .synReceived && $0 != .timeWait })
    func aSynInASynchronizedStateGetsAChallengeAck(_ state: TCPState) {
        var driver = driver(in: state)
        let challenge = driver.receive(App.syn(sequence: App.isn + 1 + UInt32(receiveNext(state))))
        #expect(challenge.map(\.flags) == [[.ack]])
        #expect(driver.state == state)
    }

    @Test func abortResetsAtTheHighestSequenceSent() {
        var driver = driver(in: .established)
        _ = driver.receive(App.segment(data: 0), pattern(10))
        _ = driver.send(pattern(700))
        _ = driver.drain()
        driver.connection.abort()
        let sent = driver.drain()
        #expect(sent.map(\.flags) == [[.rst, .ack]])
        #expect(sent.first?.sequence == App.agentISN + 701)
        #expect(sent.first?.acknowledgedAppOffset == 10)
        #expect(driver.events == [.delivered(pattern(10)), .closed(.aborted)])
        #expect(driver.connection.bufferedSendBytes == 0)
        driver.connection.abort()
        #expect(driver.drain().isEmpty)
    }

    @Test func abortInTimeWaitJustCloses() {
        var driver = driver(in: .timeWait)
        driver.connection.abort()
        #expect(driver.drain().isEmpty)
        #expect(driver.state == .closed(.aborted))
    }

    @Test func aClosedConnectionAnswersWithResets() {
        var driver = driver(in: .established)
        driver.connection.abort()
        _ = driver.drain()
        let answer = driver.receive(App.segment(data: 0, acknowledging: 0), pattern(5))
        #expect(answer.map(\.flags) == [[.rst]])
        #expect(answer.first?.sequence == App.agentISN + 1)
        #expect(driver.receive(App.segment([.rst])).isEmpty)
    }

    @Test func theDispatchersResetFollowsRFC9293() throws {
        var ack = App.segment([.ack, .psh], data: 0, acknowledging: 77)
        let toAck = try #require(tcpReset(answering: ack, payloadCount: 100))
        #expect(toAck.flags == [.rst])
        #expect(toAck.sequenceNumber == ack.acknowledgmentNumber)
        #expect(toAck.sourcePort == App.serverPort && toAck.destinationPort == App.port)

        let syn = App.syn(sequence: UInt32.max)
        let toSyn = try #require(tcpReset(answering: syn, payloadCount: 0))
        #expect(toSyn.flags == [.rst, .ack])
        #expect(toSyn.sequenceNumber == 0)
        #expect(toSyn.acknowledgmentNumber == 0)

        ack.flags = [.fin]
        let toFin = try #require(tcpReset(answering: ack, payloadCount: 10))
        #expect(toFin.acknowledgmentNumber == ack.sequenceNumber + 11)

        ack.flags = [.rst, .ack]
        #expect(tcpReset(answering: ack, payloadCount: 0) == nil)
    }
}

extension TCPState: CustomTestStringConvertible {
    public var testDescription: String { description }
}
