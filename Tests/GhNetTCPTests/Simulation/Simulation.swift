import GhNetAddress
import GhNetPackets
@testable import GhNetTCP

/// One deterministic run: the agent's ``TCPConnection`` and the bridge model on one side, the
/// app's kernel model on the other, two lossy links between them, a virtual clock. Every step
/// checks the connection's bounds; the end checks byte-exact delivery both ways and teardown.
struct Simulation {
    /// How a run ended.
    struct Outcome {
        var failures: [String] = []
        var steps = 0
        /// States the agent's connection passed through.
        var states: Set<TCPState> = []
        /// Fast recovery, the persist timer and out-of-order data were seen.
        var fastRecovery = false
        var persist = false
        var outOfOrder = false
    }

    static let timeLimit = TCPInstant(nanoseconds: 3_600 * 1_000_000_000)
    static let stepLimit = 3_000_000

    let scenario: SimulationScenario
    private var now = TCPInstant(nanoseconds: 0)
    private var random: SplitMix64
    private var toAgent: SimulatedLink
    private var toApp: SimulatedLink
    private var app: KernelModel
    private var connection: TCPConnection?
    private var closeReason: TCPCloseReason?
    private var bridge: BridgeModel
    private var opened = false
    private var openAt: TCPInstant?
    private var bridgeTick = TCPInstant(nanoseconds: 0)
    private var appTick = TCPInstant(nanoseconds: 0)
    private var bridgeReaderResumes = TCPInstant(nanoseconds: 0)
    private var appReaderResumes = TCPInstant(nanoseconds: 0)
    private var outcome = Outcome()

    init(_ scenario: SimulationScenario) {
        self.scenario = scenario
        random = SplitMix64(seed: scenario.seed)
        toAgent = SimulatedLink(behaviour: scenario.link, seed: scenario.seed &+ 1)
        toApp = SimulatedLink(behaviour: scenario.link, seed: scenario.seed &+ 2)
        var data = SplitMix64(seed: scenario.seed &+ 3)
        app = KernelModel(
            settings: scenario.kernel, addresses: scenario.addresses, port: 40000, serverPort: 443,
            iss: scenario.appISN, outgoing: data.bytes(scenario.appBytes))
        bridge = BridgeModel(outgoing: data.bytes(scenario.serverBytes), window: scenario.bridgeWindow)
    }

    /// Runs to the end (or the limits) and reports.
    mutating func run() -> Outcome {
        sendFromApp()
        while !finished {
            guard outcome.steps < Self.stepLimit, now < Self.timeLimit else {
                fail("did not finish after \(outcome.steps) steps, \(now - TCPInstant(nanoseconds: 0)): agent "
                    + "\(connection.map { "\($0.state)" } ?? "gone"), app \(app.state), \(bridge.received.count)/"
                    + "\(scenario.appBytes) bytes up, \(app.received.count)/\(scenario.serverBytes) down")
                break
            }
            step()
            if !outcome.failures.isEmpty { break }
        }
        if outcome.failures.isEmpty { verifyEnd() }
        return outcome
    }

    private var finished: Bool {
        guard closeReason != nil else { return false }
        switch app.state {
        case .timeWait, .closed, .reset: return toApp.isIdle
        default: return false
        }
    }

    private mutating func step() {
        outcome.steps += 1
        let candidates = [
            toAgent.nextArrival, toApp.nextArrival, connection?.nextDeadline, app.nextDeadline, openAt,
            Optional(bridgeTick), Optional(appTick),
        ]
        now = max(now, candidates.compactMap { $0 }.min()!)
        while let packet = toAgent.receive(now: now) { agentReceives(packet) }
        while let packet = toApp.receive(now: now) { app.receive(packet, now: now) }
        if let deadline = connection?.nextDeadline, deadline <= now {
            connection!.timerFired(now: now)
            drainAgent(payload: UnsafeRawBufferPointer(start: nil, count: 0))
        }
        if let deadline = app.nextDeadline, deadline <= now { app.timerFired(now: now) }
        if let openAt, openAt <= now {
            self.openAt = nil
            opened = true
            connection?.openSucceeded(initialWindow: bridge.window)
            drainAgent(payload: UnsafeRawBufferPointer(start: nil, count: 0))
        }
        if bridgeTick <= now { bridgeActs() }
        if appTick <= now { appActs() }
        sendFromApp()
        checkBounds()
    }

    // MARK: The agent side

    private mutating func agentReceives(_ packet: [UInt8]) {
        packet.withUnsafeBytes { bytes in
            guard let ip = try? IPPacket.parse(bytes), let view = try? TCPSegmentView(ip.transport(of: bytes)),
                  let header = try? TCPSegmentHeader.parse(view, addresses: ip.addresses) else {
                fail("unparsable packet from the app")
                return
            }
            if connection != nil {
                connection!.segmentReceived(header, payload: view.payload, now: now)
                drainAgent(payload: view.payload)
            } else if closeReason == nil, TCPConnection.isConnectionRequest(header) {
                var isn = FixedRandom(scenario.agentISN, random.next())
                connection = TCPConnection(
                    syn: header, addresses: ip.addresses, configuration: scenario.configuration, now: now, random: &isn)
                drainAgent(payload: view.payload)
            } else if let reset = tcpReset(answering: header, payloadCount: view.payload.count) {
                toApp.send(try! PacketBuilder.tcp(addresses: ip.addresses.reversed, header: reset), now: now)
            }
        }
    }

    /// Carries out the connection's events, then writes its segments to the app's link.
    private mutating func drainAgent(payload: UnsafeRawBufferPointer) {
        while let event = connection!.nextEvent() {
            switch event {
            case .openRequested(let flow, let window):
                if flow.addresses != scenario.addresses { fail("open requested for \(flow)") }
                bridge.openRequested(window: window)
                openAt = now + scenario.openDelay
            case .deliverFromSegment(let range):
                bridge.deliver(payload[range])
            case .deliverReassembled(let bytes):
                bridge.deliver(bytes)
            case .peerHalfClosed:
                bridge.peerHalfClosed()
            case .sendSpaceReleased(let acknowledged):
                bridge.sendSpaceReleased(acknowledged, capacity: scenario.configuration.sendBufferCapacity)
            case .unreachable(let reason, _):
                fail("unexpected unreachable \(reason)")
            case .closed(let reason):
                closeReason = reason
                if reason != .completed { fail("the connection closed: \(reason)") }
            }
        }
        let addresses = connection!.flow.replyAddresses
        while let segment = connection!.nextSegment(now: now) {
            let packet = connection!.withPayload(of: segment) {
                try! PacketBuilder.tcp(addresses: addresses, header: segment.header, payload: $0)
            }
            toApp.send(packet, now: now)
        }
        if closeReason != nil { connection = nil }
    }

    private mutating func bridgeActs() {
        bridgeTick = now + .microseconds(Int64.random(in: 100...10_000, using: &random))
        guard var connection else { return }
        if now >= bridgeReaderResumes {
            if random.chance(scenario.pauseChance) {
                bridgeReaderResumes = now + pause()
            } else if let credit = bridge.read(Int.random(in: 1...(256 << 10), using: &random)) {
                connection.creditReceived(consumed: credit.consumed, window: credit.window)
            }
        }
        if opened {
            bridge.write(into: &connection, chunk: Int.random(in: 1...(64 << 10), using: &random))
            if bridge.everythingWritten, !bridge.shutDown, random.chance(0.2) {
                bridge.shutdown()
                connection.shutdownWrite()
            }
        }
        self.connection = connection
        drainAgent(payload: UnsafeRawBufferPointer(start: nil, count: 0))
    }

    // MARK: The app side

    private mutating func appActs() {
        appTick = now + .microseconds(Int64.random(in: 100...10_000, using: &random))
        if now >= appReaderResumes {
            if random.chance(scenario.pauseChance) {
                appReaderResumes = now + pause()
            } else {
                app.appRead(Int.random(in: 1...(256 << 10), using: &random))
            }
        }
        if !app.closedByApp, app.everythingAcknowledged ? random.chance(0.3) : random.chance(0.002) {
            app.appClose()
        }
    }

    private mutating func sendFromApp() {
        for packet in app.output(now: now) { toAgent.send(packet, now: now) }
    }

    private mutating func pause() -> Duration {
        .nanoseconds(Int64.random(in: 0...Int64(scenario.longestPause.nanosecondsValue), using: &random))
    }

    // MARK: Checks

    private mutating func checkBounds() {
        for violation in app.violations + bridge.violations { fail(violation) }
        guard let connection else { return }
        outcome.states.insert(connection.state)
        outcome.fastRecovery = outcome.fastRecovery || connection.sender.congestion.recoveryPoint != nil
        outcome.persist = outcome.persist || connection.sender.persistDeadline != nil
        outcome.outOfOrder = outcome.outOfOrder || connection.outOfOrderBytes > 0
        let configuration = scenario.configuration
        if connection.outOfOrderBytes > configuration.maximumOutOfOrderBytes
            || connection.outOfOrderRanges > configuration.maximumOutOfOrderSegments {
            fail("out-of-order queue over its bounds: \(connection.outOfOrderBytes) bytes in \(connection.outOfOrderRanges)")
        }
        if connection.bufferedSendBytes > configuration.sendBufferCapacity {
            fail("send buffer over its bound: \(connection.bufferedSendBytes) bytes")
        }
    }

    private mutating func verifyEnd() {
        if bridge.received != app.outgoing {
            fail("app → server bytes differ (\(bridge.received.count) of \(scenario.appBytes) received)")
        }
        if app.received != bridge.outgoing {
            fail("server → app bytes differ (\(app.received.count) of \(scenario.serverBytes) received)")
        }
        if !bridge.halfClosedByApp { fail("the app's FIN never reached the bridge") }
        if case .reset(let state) = app.state, state != "LAST-ACK" { fail("the app was reset in \(state)") }
    }

    private mutating func fail(_ message: String) {
        outcome.failures.append("\(message) [at \(now)]")
    }
}
