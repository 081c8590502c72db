import Testing
@testable import GhNetWire

@Suite struct HandshakeTests {
    private let local = Fixtures.hello(role: .local)
    private let agent = Fixtures.hello(role: .agent, session: .none)

    /// Runs a started handshake for `ours` against `peerFrame`.
    private func outcome(
        _ ours: Hello, required: Capabilities = [], receiving peerFrame: Frame
    ) -> (Handshake.Action, Handshake) {
        var handshake = Handshake(hello: ours, requiredCapabilities: required)
        #expect(handshake.start() == .hello(ours))
        #expect(!handshake.isEstablished)
        let action = handshake.receive(peerFrame)
        return (action, handshake)
    }

    @Test func establishesWithMatchingHellos() {
        let (action, handshake) = outcome(local, required: [.tcp], receiving: .hello(agent))
        #expect(
            action
                == .established(
                    Handshake.Agreement(
                        version: 1, capabilities: local.capabilities, peer: agent, session: local.session,
                        isResumed: false)))
        #expect(handshake.isEstablished)
    }

    @Test func negotiatesTheHighestCommonVersionAndCommonCapabilities() {
        let newer = Fixtures.hello(
            role: .agent, versions: ProtocolVersionRange(current: 5, minimum: 2), capabilities: [.tcp, .dns, .resume],
            session: .none)
        let older = Fixtures.hello(
            role: .local, versions: ProtocolVersionRange(current: 3, minimum: 1), capabilities: [.tcp, .udp, .resume])
        // Both sides reach the same terms.
        for (ours, peer) in [(older, newer), (newer, older)] {
            guard case .established(let agreement) = outcome(ours, receiving: .hello(peer)).0 else {
                Issue.record("not established")
                continue
            }
            #expect(agreement.version == 3)
            #expect(agreement.capabilities == [.tcp, .resume])
            #expect(agreement.peer == peer)
            #expect(agreement.session == older.session)
        }
    }

    @Test func resumesWhenTheAgentHoldsTheLocalSession() {
        let holding = Fixtures.hello(role: .agent, session: local.session)
        for (ours, peer) in [(local, holding), (holding, local)] {
            guard case .established(let agreement) = outcome(ours, receiving: .hello(peer)).0 else {
                Issue.record("not established")
                continue
            }
            #expect(agreement.isResumed)
            #expect(agreement.session == local.session)
        }
    }

    @Test func startsAFreshSessionOtherwise() {
        let otherSession = Fixtures.hello(role: .agent, session: SessionID(high: 9, low: 9))
        let noResume = Fixtures.hello(role: .agent, capabilities: [.tcp], session: local.session)
        for peer in [agent, otherSession, noResume] {
            guard case .established(let agreement) = outcome(local, receiving: .hello(peer)).0 else {
                Issue.record("not established")
                continue
            }
            #expect(!agreement.isResumed)
            #expect(agreement.session == local.session)
        }
    }

    @Test func refusesAPeerWithTheSameRole() {
        let (action, handshake) = outcome(local, receiving: .hello(Fixtures.hello(role: .local)))
        guard case .refuse(let reason) = action else {
            Issue.record("expected refuse, got \(action)")
            return
        }
        #expect(reason.contains("both ends say they are the local side"))
        #expect(reason.contains("gh-net agent"))
        #expect(!handshake.isEstablished)
    }

    @Test func refusesDisjointVersionsNamingBothBuildsAndTheOlderSide() {
        let oldBuild = BuildIdentity(contentHash: "0123456789abcdef0123", version: "0.1.0")
        let newBuild = BuildIdentity(contentHash: "fedcba9876543210fedc", version: "0.9.0")
        let oldAgent = Fixtures.hello(
            role: .agent, versions: ProtocolVersionRange(current: 2, minimum: 1), session: .none, build: oldBuild)
        let newLocal = Fixtures.hello(role: .local, versions: ProtocolVersionRange(current: 5, minimum: 3), build: newBuild)
        let expected =
            "gh-net protocol mismatch: the local side runs gh-net 0.9.0 (build fedcba987654) speaking protocol 3…5, "
            + "the agent runs gh-net 0.1.0 (build 0123456789ab) speaking protocol 1…2; "
            + "update the agent (gh-net on the remote host)"
        // Both sides print the same explanation.
        #expect(outcome(newLocal, receiving: .hello(oldAgent)).0 == .refuse(reason: expected))
        #expect(outcome(oldAgent, receiving: .hello(newLocal)).0 == .refuse(reason: expected))

        let newAgent = Fixtures.hello(
            role: .agent, versions: ProtocolVersionRange(current: 5, minimum: 5), session: .none, build: newBuild)
        let oldLocal = Fixtures.hello(role: .local, versions: ProtocolVersionRange(current: 4, minimum: 1), build: oldBuild)
        guard case .refuse(let reason) = outcome(oldLocal, receiving: .hello(newAgent)).0 else {
            Issue.record("expected refuse")
            return
        }
        #expect(reason.hasSuffix("update gh-net on the local machine"))
        #expect(reason.contains("protocol 1…4") && reason.contains("protocol 5"))
    }

    @Test func refusesAPeerMissingRequiredCapabilities() {
        let limited = Fixtures.hello(role: .agent, capabilities: [.tcp, .udp], session: .none)
        let (action, _) = outcome(local, required: [.tcp, .icmpEcho, .ipv6], receiving: .hello(limited))
        guard case .refuse(let reason) = action else {
            Issue.record("expected refuse, got \(action)")
            return
        }
        #expect(reason.contains("lacks icmpEcho, ipv6"))
        #expect(reason.contains(Fixtures.build.description))
        #expect(reason.hasSuffix("update the agent (gh-net on the remote host)"))
    }

    @Test func rejectsALocalHelloWithoutSession() {
        let (action, _) = outcome(agent, receiving: .hello(Fixtures.hello(role: .local, session: .none)))
        #expect(action == .protocolViolation(reason: "the local side's hello carries no session id"))
    }

    @Test func reportsAPeerThatEndsBeforeItsHello() {
        #expect(outcome(local, receiving: .refuse(reason: "too old")).0 == .peerRefused(reason: "too old"))
        #expect(outcome(agent, receiving: .goodbye(reason: "shutting down")).0 == .peerRefused(reason: "shutting down"))
    }

    @Test(arguments: Fixtures.compactFrames.filter {
        ![.hello, .refuse, .goodbye].contains($0.kind)
    })
    func rejectsAnyOtherFrameBeforeHello(frame: Frame) {
        let (action, handshake) = outcome(local, receiving: frame)
        #expect(action == .protocolViolation(reason: "expected a hello from the agent, received \(frame.kind)"))
        #expect(!handshake.isEstablished)
    }
}
