import GhNetDNS
import Testing

/// The path of one query through the DNS hook: codespace resolvers first, then the local side.
@Suite struct QueryResolutionTests {
    static let clientID: UInt16 = 0x1111
    static let name = "db.corp.example"

    let query = WireBuilder.query(Self.name, type: 1, id: Self.clientID, udpPayload: 1232)

    /// An upstream/local answer to the question, with an ID unlike the client's.
    func answer(rcode: UInt16 = 0, addresses: [[UInt8]] = [], id: UInt16 = 0x9999) -> [UInt8] {
        var builder = WireBuilder()
        builder.header(id: id, flags: 0x8180 | rcode, qd: 1, an: UInt16(addresses.count))
        builder.question(Self.name, type: 1)
        for address in addresses { builder.record(Self.name, type: 1, ttl: 60, rdata: address) }
        return builder.bytes
    }

    var positive: [UInt8] { answer(addresses: [[10, 1, 2, 3]]) }
    var noData: [UInt8] { answer() }
    var nxDomain: [UInt8] { answer(rcode: 3) }
    var servFail: [UInt8] { answer(rcode: 2) }
    var refused: [UInt8] { answer(rcode: 5) }

    func makeResolution(localDomains: [String] = [], hasUpstream: Bool = true, answeredLocallyLately: Bool = false) throws -> DNSQueryResolution {
        let info = try DNSQueryInfo(query)
        let domains = try localDomains.map { try #require(DNSName(dotted: $0)) }
        return DNSQueryResolution(query: query, info: info, localDomains: domains, hasUpstream: hasUpstream,
                                  answeredLocallyLately: answeredLocallyLately)
    }

    /// The reply bytes of a step, failing the test for any other step.
    func replyBytes(_ step: DNSQueryResolution.Step, sourceLocation: SourceLocation = #_sourceLocation) -> [UInt8]? {
        guard case .reply(let bytes) = step else {
            Issue.record("expected a reply, got \(step)", sourceLocation: sourceLocation)
            return nil
        }
        return bytes
    }

    /// `bytes` with the client's ID.
    func asClient(_ bytes: [UInt8]) -> [UInt8] { [UInt8(Self.clientID >> 8), UInt8(Self.clientID & 0xFF)] + bytes[2...] }

    /// Checks that `bytes` is a SERVFAIL to the client's query.
    func expectServfail(_ bytes: [UInt8]?, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let bytes = try #require(bytes, sourceLocation: sourceLocation)
        let message = try DNSMessage.parse(bytes)
        #expect(message.header.id == Self.clientID, sourceLocation: sourceLocation)
        #expect(message.header.isResponse, sourceLocation: sourceLocation)
        #expect(message.header.rcode == .serverFailure, sourceLocation: sourceLocation)
        #expect(message.summary.description == "db.corp.example. A SERVFAIL", sourceLocation: sourceLocation)
    }

    // MARK: start

    @Test func startsUpstream() throws {
        var resolution = try makeResolution(localDomains: ["other.example"])
        #expect(resolution.state == .idle)
        #expect(resolution.start() == .askUpstream)
        #expect(resolution.state == .askingUpstream)
        #expect(resolution.path.isEmpty)
    }

    @Test(arguments: ["corp.example", "CORP.example.", "db.corp.example", "example", "."])
    func localDomainGoesStraightToLocal(domain: String) throws {
        var resolution = try makeResolution(localDomains: ["other.example", domain])
        #expect(resolution.start() == .askLocal)
        #expect(resolution.state == .askingLocal(upstreamAnswer: nil))
        #expect(resolution.path == ["dns-domain"])
    }

    @Test func noUpstreamGoesToLocal() throws {
        var resolution = try makeResolution(hasUpstream: false)
        #expect(resolution.start() == .askLocal)
        #expect(resolution.state == .askingLocal(upstreamAnswer: nil))
        #expect(resolution.path == ["no codespace resolver"])
    }

    @Test func siblingDomainIsNotLocal() throws {
        var resolution = try makeResolution(localDomains: ["xcorp.example", "db.corp.example.com"])
        #expect(resolution.start() == .askUpstream)
    }

    // MARK: upstream

    @Test func upstreamAnswerIsUsedWithTheClientID() throws {
        var resolution = try makeResolution()
        _ = resolution.start()
        let upstream = positive
        #expect(upstream[0...1] != query[0...1])
        let bytes = try #require(replyBytes(resolution.upstreamFinished(.answer(upstream))))
        #expect(bytes == asClient(upstream))
        #expect(try DNSMessage.parse(bytes).header.id == Self.clientID)
        #expect(resolution.state == .done)
        #expect(resolution.path == ["codespace NOERROR"])
    }

    @Test func upstreamNoDataIsUsed() throws {
        var resolution = try makeResolution()
        _ = resolution.start()
        #expect(resolution.upstreamFinished(.answer(noData)) == .reply(asClient(noData)))
        #expect(resolution.state == .done)
        #expect(resolution.path == ["codespace NODATA"])
    }

    @Test func upstreamNegativeAnswersGoLocal() throws {
        for (bytes, text) in [(nxDomain, "NXDOMAIN"), (servFail, "SERVFAIL"), (refused, "REFUSED"), (answer(rcode: 4), "NOTIMP")] {
            var resolution = try makeResolution()
            _ = resolution.start()
            #expect(resolution.upstreamFinished(.answer(bytes)) == .askLocal, "\(text)")
            #expect(resolution.state == .askingLocal(upstreamAnswer: bytes), "\(text)")
            #expect(resolution.path == ["codespace \(text)"])
        }
    }

    @Test func upstreamWithoutAnswerGoesLocal() throws {
        for (result, text) in [(DNSQueryResolution.UpstreamResult.timedOut, "codespace timed out"), (.unreachable, "codespace unreachable")] {
            var resolution = try makeResolution()
            _ = resolution.start()
            #expect(resolution.upstreamFinished(result) == .askLocal)
            #expect(resolution.state == .askingLocal(upstreamAnswer: nil))
            #expect(resolution.path == [text])
        }
    }

    @Test func malformedUpstreamAnswersGoLocal() throws {
        var notAResponse = positive
        notAResponse[2] &= 0x7F  // QR cleared: a query, not an answer
        for bytes in [[], [1, 2, 3], Array(positive.dropLast(3)), notAResponse, [UInt8](repeating: 0xFF, count: 40)] {
            var resolution = try makeResolution()
            _ = resolution.start()
            #expect(resolution.upstreamFinished(.answer(bytes)) == .askLocal, "\(bytes)")
            #expect(resolution.state == .askingLocal(upstreamAnswer: nil), "\(bytes)")
            #expect(resolution.path == ["codespace malformed"])
        }
    }

    // MARK: local

    @Test func localPositiveAnswerWinsOverUpstreamNXDOMAIN() throws {
        var resolution = try makeResolution()
        _ = resolution.start()
        _ = resolution.upstreamFinished(.answer(nxDomain))
        let local = answer(addresses: [[192, 168, 7, 7]], id: 0x7777)
        #expect(resolution.localFinished(.answer(local)) == .reply(asClient(local)))
        #expect(resolution.state == .done)
        #expect(resolution.path == ["codespace NXDOMAIN", "local NOERROR"])
        #expect(resolution.path.contains("codespace NXDOMAIN"))
        #expect(resolution.path.contains("local NOERROR"))
    }

    @Test func localPositiveAnswerForALocalDomain() throws {
        var resolution = try makeResolution(localDomains: ["corp.example"])
        #expect(resolution.start() == .askLocal)
        #expect(resolution.localFinished(.answer(positive)) == .reply(asClient(positive)))
        #expect(resolution.path == ["dns-domain", "local NOERROR"])
    }

    @Test func localNXDOMAINAfterUpstreamNXDOMAINGivesTheUpstreamAnswer() throws {
        var resolution = try makeResolution()
        _ = resolution.start()
        let upstream = answer(rcode: 3, id: 0x5555)
        _ = resolution.upstreamFinished(.answer(upstream))
        let local = answer(rcode: 3, addresses: [], id: 0x6666) + [0]  // distinguishable from upstream's
        let bytes = try #require(replyBytes(resolution.localFinished(.answer(local))))
        #expect(bytes == asClient(upstream))
        #expect(resolution.path == ["codespace NXDOMAIN", "local NXDOMAIN"])
        #expect(resolution.state == .done)
    }

    /// NODATA means the name exists locally: the codespace's NXDOMAIN would be wrong.
    @Test func localNoDataAfterUpstreamNXDOMAINGivesTheLocalAnswer() throws {
        var resolution = try makeResolution()
        _ = resolution.start()
        _ = resolution.upstreamFinished(.answer(nxDomain))
        #expect(resolution.localFinished(.answer(noData)) == .reply(asClient(noData)))
        #expect(resolution.path == ["codespace NXDOMAIN", "local NODATA"])
    }

    @Test func localFailureAfterUpstreamSERVFAILGivesTheUpstreamAnswer() throws {
        var resolution = try makeResolution()
        _ = resolution.start()
        _ = resolution.upstreamFinished(.answer(servFail))
        #expect(resolution.localFinished(.failed("no session")) == .reply(asClient(servFail)))
        #expect(resolution.path == ["codespace SERVFAIL", "local failed (no session)"])
    }

    @Test func localNXDOMAINAfterTimeoutGivesTheLocalAnswer() throws {
        var resolution = try makeResolution()
        _ = resolution.start()
        _ = resolution.upstreamFinished(.timedOut)
        let local = answer(rcode: 3, id: 0x6666)
        #expect(resolution.localFinished(.answer(local)) == .reply(asClient(local)))
        #expect(resolution.path == ["codespace timed out", "local NXDOMAIN"])
    }

    @Test func localNoDataWithoutUpstreamGivesTheLocalAnswer() throws {
        var resolution = try makeResolution(hasUpstream: false)
        _ = resolution.start()
        #expect(resolution.localFinished(.answer(noData)) == .reply(asClient(noData)))
        #expect(resolution.path == ["no codespace resolver", "local NODATA"])
    }

    @Test func localFailureAfterTimeoutGivesSERVFAIL() throws {
        var resolution = try makeResolution()
        _ = resolution.start()
        _ = resolution.upstreamFinished(.timedOut)
        let bytes = replyBytes(resolution.localFinished(.failed("timed out")))
        try expectServfail(bytes)
        #expect(bytes == resolution.servfail)
        #expect(resolution.state == .done)
        #expect(resolution.path == ["codespace timed out", "local failed (timed out)"])
    }

    @Test func malformedLocalAnswerAfterUnreachableGivesSERVFAIL() throws {
        var resolution = try makeResolution()
        _ = resolution.start()
        _ = resolution.upstreamFinished(.unreachable)
        try expectServfail(replyBytes(resolution.localFinished(.answer([0xDE, 0xAD]))))
        #expect(resolution.path == ["codespace unreachable", "local malformed"])
    }

    @Test func malformedLocalAnswerAfterUpstreamNXDOMAINGivesTheUpstreamAnswer() throws {
        var resolution = try makeResolution()
        _ = resolution.start()
        _ = resolution.upstreamFinished(.answer(nxDomain))
        #expect(resolution.localFinished(.answer(Array(positive.prefix(20)))) == .reply(asClient(nxDomain)))
        #expect(resolution.path == ["codespace NXDOMAIN", "local malformed"])
    }

    @Test func servfailIsForTheClientQuery() throws {
        let resolution = try makeResolution()
        try expectServfail(resolution.servfail)
        // The question is the query's, byte for byte.
        let info = try DNSQueryInfo(query)
        #expect(Array(resolution.servfail[12...]) == Array(query[12..<info.questionSectionEnd]))
    }

    // MARK: wrong order

    @Test func stepsOutOfOrderGiveSERVFAIL() throws {
        // Nothing before start.
        var idle = try makeResolution()
        try expectServfail(replyBytes(idle.upstreamFinished(.answer(positive))))
        try expectServfail(replyBytes(idle.localFinished(.answer(positive))))
        #expect(idle.state == .idle)
        #expect(idle.path.isEmpty)
        // Start still works afterwards.
        #expect(idle.start() == .askUpstream)

        // Start twice; local before upstream is done.
        var asking = try makeResolution()
        _ = asking.start()
        try expectServfail(replyBytes(asking.start()))
        try expectServfail(replyBytes(asking.localFinished(.answer(positive))))
        #expect(asking.state == .askingUpstream)

        // Upstream again once the query went local.
        var local = try makeResolution(hasUpstream: false)
        _ = local.start()
        try expectServfail(replyBytes(local.upstreamFinished(.answer(positive))))
        #expect(local.state == .askingLocal(upstreamAnswer: nil))

        // Anything once done.
        var done = try makeResolution()
        _ = done.start()
        _ = done.upstreamFinished(.answer(positive))
        #expect(done.state == .done)
        try expectServfail(replyBytes(done.start()))
        try expectServfail(replyBytes(done.upstreamFinished(.timedOut)))
        try expectServfail(replyBytes(done.localFinished(.failed("late"))))
        #expect(done.state == .done)
        #expect(done.path == ["codespace NOERROR"])
    }

    // MARK: what a query teaches (DNSLocalNames)

    @Test func aLocalAnswerAfterTheCodespacesNXDOMAINIsLearned() throws {
        for local in [positive, noData] {
            var resolution = try makeResolution()
            _ = resolution.start()
            _ = resolution.upstreamFinished(.answer(nxDomain))
            #expect(resolution.learned == nil, "nothing learned before the answer")
            _ = resolution.localFinished(.answer(local))
            #expect(resolution.learned == .answeredLocally(for: DNSLocalNames.lifetimeWithoutSOA))
        }
    }

    @Test func aFailureOrTimeoutOfTheCodespaceTeachesNothing() throws {
        let failures: [DNSQueryResolution.UpstreamResult] = [.answer(servFail), .answer(refused), .answer([1, 2, 3]), .timedOut, .unreachable]
        for upstream in failures {
            var resolution = try makeResolution()
            _ = resolution.start()
            _ = resolution.upstreamFinished(upstream)
            #expect(resolution.localFinished(.answer(positive)) == .reply(asClient(positive)), "the local answer is used all the same")
            #expect(resolution.learned == nil, "\(upstream): it may pass, and must not send a public name to the local side first")
        }
    }

    @Test func theCodespacesNegativeTTLIsHowLongItIsLearned() throws {
        var resolution = try makeResolution()
        _ = resolution.start()
        _ = resolution.upstreamFinished(.answer(WireBuilder.nxDomain(Self.name, soaTTL: 3600, minimum: 90)))
        _ = resolution.localFinished(.answer(positive))
        #expect(resolution.learned == .answeredLocally(for: .seconds(90)))
    }

    @Test func nothingIsLearnedWhenTheCodespaceAnswersOrNobodyDoes() throws {
        var answered = try makeResolution()
        _ = answered.start()
        _ = answered.upstreamFinished(.answer(positive))
        #expect(answered.learned == nil)
        var nobody = try makeResolution()
        _ = nobody.start()
        _ = nobody.upstreamFinished(.answer(nxDomain))
        _ = nobody.localFinished(.answer(nxDomain))
        #expect(nobody.learned == nil)
        for var straight in [try makeResolution(localDomains: ["corp.example"]), try makeResolution(hasUpstream: false)] {
            _ = straight.start()
            _ = straight.localFinished(.answer(positive))
            #expect(straight.learned == nil, "the codespace was not asked")
        }
    }

    @Test func aQuestionAnsweredLocallyLatelyGoesToTheLocalSideFirst() throws {
        var resolution = try makeResolution(answeredLocallyLately: true)
        #expect(resolution.start() == .askLocal)
        #expect(resolution.state == .askingLocalFirst)
        #expect(resolution.localFinished(.answer(positive)) == .reply(asClient(positive)))
        #expect(resolution.path == ["answered locally lately", "local NOERROR"])
        #expect(resolution.learned == nil, "kept until its lifetime ends, not extended")
    }

    @Test func whenTheLocalSideNoLongerAnswersTheCodespaceIsAskedAfterAll() throws {
        var resolution = try makeResolution(answeredLocallyLately: true)
        _ = resolution.start()
        #expect(resolution.localFinished(.answer(nxDomain)) == .askUpstream)
        #expect(resolution.state == .askingUpstreamAfterLocal(localAnswer: nxDomain))
        #expect(resolution.learned == .notAnsweredLocally)
        #expect(resolution.upstreamFinished(.answer(positive)) == .reply(asClient(positive)))
        #expect(resolution.path == ["answered locally lately", "local NXDOMAIN", "codespace NOERROR"])
    }

    @Test func afterTheLocalSideTheCodespacesNegativeAnswerWinsAsWhenAskedFirst() throws {
        var resolution = try makeResolution(answeredLocallyLately: true)
        _ = resolution.start()
        _ = resolution.localFinished(.failed("no answer in 5 s"))
        #expect(resolution.state == .askingUpstreamAfterLocal(localAnswer: nil))
        #expect(resolution.upstreamFinished(.answer(servFail)) == .reply(asClient(servFail)))
    }

    @Test func afterTheLocalSideACodespaceTimeoutGivesTheLocalNegativeAnswerOrSERVFAIL() throws {
        var negative = try makeResolution(answeredLocallyLately: true)
        _ = negative.start()
        _ = negative.localFinished(.answer(nxDomain))
        #expect(negative.upstreamFinished(.timedOut) == .reply(asClient(nxDomain)))
        var nothing = try makeResolution(answeredLocallyLately: true)
        _ = nothing.start()
        _ = nothing.localFinished(.failed("the bridge is stopping"))
        try expectServfail(replyBytes(nothing.upstreamFinished(.answer([1, 2, 3]))))
        #expect(nothing.path.last == "codespace malformed")
    }

    @Test func aRememberedQuestionWithoutCodespaceResolversStaysLocal() throws {
        var resolution = try makeResolution(hasUpstream: false, answeredLocallyLately: true)
        #expect(resolution.start() == .askLocal)
        #expect(resolution.state == .askingLocal(upstreamAnswer: nil), "the usual path without codespace resolvers")
    }
}
