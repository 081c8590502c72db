import GhNetDNS
import Testing

/// The panel's one-look view of a message.
@Suite struct SummaryTests {
    let cname = WireBuilder.build { $0.name("web.corp.example") }

    @Test func answeredThroughACNAME() throws {
        let bytes = WireBuilder.response("www.corp.example", type: 1, answers: [
            ("www.corp.example", 5, 3600, cname),
            ("web.corp.example", 1, 60, [10, 0, 0, 7]),
        ])
        let summary = try DNSMessage.parse(bytes).summary
        #expect(summary.name?.description == "www.corp.example.")
        #expect(summary.type == .a)
        #expect(summary.outcome == .answered)
        #expect(summary.answers == [
            .init(type: .cname, text: "web.corp.example.", ttl: 3600),
            .init(type: .a, text: "10.0.0.7", ttl: 60),
        ])
        #expect(!summary.isTruncated)
        #expect(summary.description == """
            www.corp.example. A NOERROR
              CNAME web.corp.example. ttl=3600
              A 10.0.0.7 ttl=60
            """)
    }

    @Test func noDataWhenNoAnswerHasTheAskedType() throws {
        let onlyCNAME = WireBuilder.response("www.corp.example", type: 28, answers: [("www.corp.example", 5, 30, cname)])
        let summary = try DNSMessage.parse(onlyCNAME).summary
        #expect(summary.outcome == .noData)
        #expect(summary.answers.map(\.type) == [.cname])
        let empty = WireBuilder.response("v4only.corp.example", type: 28, answers: [])
        #expect(try DNSMessage.parse(empty).summary.description == "v4only.corp.example. AAAA NODATA")
    }

    @Test func anyIsAnsweredByAnyType() throws {
        let bytes = WireBuilder.response("corp.example", type: 255, answers: [("corp.example", 16, 5, [1, 0x61])])
        #expect(try DNSMessage.parse(bytes).summary.outcome == .answered)
    }

    @Test(arguments: [
        (3, DNSSummary.Outcome.nxDomain, "NXDOMAIN"),
        (2, .serverFailure, "SERVFAIL"),
        (5, .refused, "REFUSED"),
        (4, .failed(.notImplemented), "NOTIMP"),
        (11, .failed(DNSResponseCode(rawValue: 11)), "RCODE11"),
    ] as [(UInt16, DNSSummary.Outcome, String)])
    func failures(rcode: UInt16, outcome: DNSSummary.Outcome, text: String) throws {
        let bytes = WireBuilder.response("db.corp.example", type: 1, rcode: rcode, answers: [])
        let summary = try DNSMessage.parse(bytes).summary
        #expect(summary.outcome == outcome)
        #expect(summary.description == "db.corp.example. A \(text)")
    }

    @Test func truncatedFlag() throws {
        let bytes = WireBuilder.response("big.corp.example", type: 16, flags: 0x8380, answers: [])
        let summary = try DNSMessage.parse(bytes).summary
        #expect(summary.isTruncated)
        #expect(summary.description == "big.corp.example. TXT NODATA truncated")
    }

    @Test func queryAndNoQuestion() throws {
        var query = WireBuilder()
        query.header(flags: 0x0100, qd: 1)
        query.question("db.corp.example", type: 123)
        #expect(try DNSMessage.parse(query.bytes).summary.description == "db.corp.example. TYPE123 QUERY")
        var bare = WireBuilder()
        bare.header()
        #expect(try DNSMessage.parse(bare.bytes).summary.description == "(no question) NODATA")
    }
}
