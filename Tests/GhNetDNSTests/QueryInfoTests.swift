@testable import GhNetDNS
import Testing

/// What the forwarder reads of a query before passing it on: ID, flags, question, where the
/// question ends, and the client's UDP payload limit.
@Suite struct QueryInfoTests {
    func parseError(_ bytes: [UInt8]) -> DNSParseError? {
        do {
            _ = try DNSQueryInfo(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func idFlagsAndQuestion() throws {
        let bytes = WireBuilder.query("db.corp.example", type: 28, id: 0xBEEF, flags: 0x0120)
        let info = try DNSQueryInfo(bytes)
        #expect(info.id == 0xBEEF)
        #expect(info.flags == 0x0120)
        #expect(info.question.name == DNSName(labels: [Array("db".utf8), Array("corp".utf8), Array("example".utf8)]))
        #expect(info.question.name.description == "db.corp.example.")
        #expect(info.question.type == .aaaa)
        #expect(info.question.recordClass == .internet)
    }

    @Test func questionSectionEnd() throws {
        // 12 header + (1+2 + 1+4 + 1+7 + 1) name + 4 type/class = 33.
        let plain = WireBuilder.query("db.corp.example", type: 1)
        #expect(plain.count == 33)
        #expect(try DNSQueryInfo(plain).questionSectionEnd == 33)
        // The OPT record after the question does not move the end of the question section.
        let withOPT = WireBuilder.query("db.corp.example", type: 1, udpPayload: 1232)
        #expect(withOPT.count == 33 + 11)
        #expect(try DNSQueryInfo(withOPT).questionSectionEnd == 33)
        // A root question: one zero byte for the name.
        let root = WireBuilder.query("", type: 2)
        #expect(try DNSQueryInfo(root).questionSectionEnd == 12 + 1 + 4)
    }

    @Test func classicLimitWithoutOPT() throws {
        #expect(DNSQueryInfo.classicUDPLimit == 512)
        #expect(try DNSQueryInfo(WireBuilder.query("corp.example", type: 1)).udpPayloadLimit == 512)
    }

    @Test(arguments: [
        (1232, 1232), (4096, 4096), (512, 512), (513, 513), (65535, 65535),
        (100, 512), (0, 512), (511, 512),
    ] as [(UInt16, Int)])
    func limitFromOPT(advertised: UInt16, limit: Int) throws {
        let bytes = WireBuilder.query("corp.example", type: 1, udpPayload: advertised)
        #expect(try DNSQueryInfo(bytes).udpPayloadLimit == limit)
    }

    @Test func optOnlyCountsInTheAdditionalSection() throws {
        // An OPT-typed record in the answer section is not EDNS.
        var inAnswer = WireBuilder()
        inAnswer.header(flags: 0x0100, qd: 1, an: 1)
        inAnswer.question("corp.example", type: 1)
        inAnswer.record("", type: 41, ttl: 0, class: 4096, rdata: [])
        #expect(try DNSQueryInfo(inAnswer.bytes).udpPayloadLimit == 512)

        // An OPT after another additional record still counts.
        var afterOther = WireBuilder()
        afterOther.header(flags: 0x0100, qd: 1, ar: 2)
        afterOther.question("corp.example", type: 1)
        afterOther.record("corp.example", type: 1, rdata: [10, 0, 0, 1])
        afterOther.record("", type: 41, ttl: 0, class: 1400, rdata: [])
        let info = try DNSQueryInfo(afterOther.bytes)
        #expect(info.udpPayloadLimit == 1400)
        #expect(info.questionSectionEnd == 12 + 14 + 4)
    }

    @Test func responseIsNotAQuery() {
        let response = WireBuilder.response("corp.example", type: 1, answers: [("corp.example", 1, 60, [10, 0, 0, 1])])
        #expect(parseError(response) == .notAQuery(questions: 1))
        // QR alone, without anything else a response carries.
        #expect(parseError(WireBuilder.query("corp.example", type: 1, flags: 0x8000)) == .notAQuery(questions: 1))
    }

    @Test(arguments: [0, 2, 3])
    func notExactlyOneQuestion(count: Int) {
        var builder = WireBuilder()
        builder.header(flags: 0x0100, qd: UInt16(count))
        for index in 0..<count { builder.question("q\(index).corp.example", type: 1) }
        #expect(parseError(builder.bytes) == .notAQuery(questions: count))
    }

    @Test func truncatedQueriesThrow() {
        let full = WireBuilder.query("db.corp.example", type: 1, udpPayload: 1232)
        #expect(parseError(full) == nil)
        for length in 0..<full.count {
            let error = parseError(Array(full.prefix(length)))
            #expect(error != nil, "prefix of \(length) bytes")
            if let error, length < 12 {
                guard case .truncated = error else {
                    Issue.record("prefix of \(length) bytes: \(error)")
                    continue
                }
            }
        }
        #expect(parseError(Array(full.prefix(5))) == .truncated(offset: 4, needed: 2, length: 5))
    }

    @Test func countsBeyondTheMessageThrow() {
        var builder = WireBuilder()
        builder.header(flags: 0x0100, qd: 1, ar: 0xFFFF)
        builder.question("corp.example", type: 1)
        #expect(parseError(builder.bytes) == .countsExceedMessage(questions: 1, records: 0xFFFF, length: builder.bytes.count))
    }

    @Test func randomBytesNeverCrash() {
        let baseSeed: UInt64 = 0x6768_2D6E_6574_0010
        var parsed = 0
        for index in 0..<4000 {
            let seed = baseSeed + UInt64(index)
            var random = SplitMix64(seed: seed)
            var bytes = (0..<Int.random(in: 0..<200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            if bytes.count >= 12, Bool.random(using: &random) {
                // A plausible header, so parsing gets past it more often.
                bytes[2] &= 0x7F
                bytes[4] = 0; bytes[5] = 1
                for field in 3..<6 { bytes[2 * field] = 0; bytes[2 * field + 1] = .random(in: 0...2, using: &random) }
                // Short labels, so the question name has a chance to end.
                if bytes.count > 14 { bytes[12] = .random(in: 0...3, using: &random) }
            }
            do {
                let info = try DNSQueryInfo(bytes)
                parsed += 1
                #expect(info.flags & 0x8000 == 0, "seed \(seed)")
                #expect(info.udpPayloadLimit >= 512 && info.udpPayloadLimit <= 65535, "seed \(seed)")
                #expect(info.questionSectionEnd >= 17 && info.questionSectionEnd <= bytes.count, "seed \(seed)")
            } catch {
                #expect(!error.description.isEmpty, "seed \(seed)")
            }
        }
        // Some inputs must get through, or the loop tests nothing but the header.
        #expect(parsed > 0)
    }
}
