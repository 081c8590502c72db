import Testing
@testable import GhNetLocal

/// What the DNS panel gets from the local resolver's outcome for one query.
@Suite struct LookupReportTests {
    /// A query (RD set) for `db.corp.example` of `type`.
    private let query: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                  2, 0x64, 0x62, 4, 0x63, 0x6F, 0x72, 0x70, 7, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65, 0,
                                  0, 1, 0, 1]

    /// The answer to `query` with `rcode` and one A record per address (TTLs 60, 30, …).
    private func answer(rcode: UInt8, addresses: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = [0x12, 0x34, 0x81, 0x80 | rcode, 0, 1, 0, UInt8(addresses.count), 0, 0, 0, 0]
        bytes += query[12...]
        for (n, address) in addresses.enumerated() {
            bytes += [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, UInt8(60 / (n + 1)), 0, UInt8(address.count)] + address
        }
        return bytes
    }

    @Test func aPositiveAnswerShowsItsAddressesAndSmallestTTL() throws {
        let outcome = LocalResolver.Outcome.answer(answer(rcode: 0, addresses: [[198, 18, 2, 10], [198, 18, 2, 11]]), source: "resolvers")
        let lookup = try #require(LocalResolver.lookup(query: query, outcome: outcome))
        #expect(lookup.name == "db.corp.example")
        #expect(lookup.type == "A")
        #expect(lookup.outcome == "NOERROR")
        #expect(lookup.answers == ["198.18.2.10", "198.18.2.11"])
        #expect(lookup.ttl == 30)
    }

    @Test func negativeAnswersAndFailuresSayWhich() throws {
        let nx = try #require(LocalResolver.lookup(query: query, outcome: .answer(answer(rcode: 3, addresses: []), source: "resolvers")))
        #expect(nx.outcome == "NXDOMAIN")
        #expect(nx.answers.isEmpty && nx.ttl == nil)
        let noData = try #require(LocalResolver.lookup(query: query, outcome: .answer(answer(rcode: 0, addresses: []), source: "resolvers")))
        #expect(noData.outcome == "NODATA")
        let failed = try #require(LocalResolver.lookup(query: query, outcome: .failure(.timedOut)))
        #expect(failed.outcome == "SERVFAIL (timedOut)")
        let garbled = try #require(LocalResolver.lookup(query: query, outcome: .answer([0x12, 0x34, 0x81], source: "resolvers")))
        #expect(garbled.outcome == "malformed answer")
    }

    @Test func aQueryWithoutAQuestionIsNotShown() {
        #expect(LocalResolver.lookup(query: Array(query.prefix(12)), outcome: .failure(.malformedQuery)) == nil)
    }
}
