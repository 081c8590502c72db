@testable import GhNetDNS
import Testing

/// The byte-level edits and the small answers the forwarder makes itself.
@Suite struct ResponseBytesTests {
    /// A response with `count` A answers (one pointer-named record each) and AA set.
    func bigResponse(_ count: Int, id: UInt16 = 0x4242, flags: UInt16 = 0x8580) -> [UInt8] {
        var builder = WireBuilder()
        builder.header(id: id, flags: flags, qd: 1, an: UInt16(count))
        builder.question("big.corp.example", type: 1)
        for index in 0..<count {
            builder.pointer(12)
            builder.recordFields(type: 1, ttl: 60, rdata: [10, 0, UInt8(index >> 8), UInt8(index & 0xFF)])
        }
        return builder.bytes
    }

    /// The question section of `bigResponse`: bytes 12 up to the first answer.
    let bigQuestion: [UInt8] = WireBuilder.build { $0.question("big.corp.example", type: 1) }

    // MARK: withID

    @Test func withIDReplacesOnlyTheID() {
        let original = bigResponse(3, id: 0x0102)
        let changed = DNSResponseBytes.withID(original, 0xA5C3)
        #expect(changed.count == original.count)
        #expect(changed[0] == 0xA5 && changed[1] == 0xC3)
        #expect(Array(changed[2...]) == Array(original[2...]))
        #expect(DNSResponseBytes.withID(original, 0x0102) == original)
    }

    @Test(arguments: [0, 1, 2, 11])
    func withIDLeavesShortMessagesAlone(length: Int) {
        let short = [UInt8](repeating: 0x77, count: length)
        #expect(DNSResponseBytes.withID(short, 0x1234) == short)
    }

    @Test func withIDOnABareHeader() {
        let header = [UInt8](repeating: 0, count: 12)
        #expect(DNSResponseBytes.withID(header, 0xFFEE) == [0xFF, 0xEE] + [UInt8](repeating: 0, count: 10))
    }

    // MARK: fitted

    @Test func fittedKeepsWhatFits() {
        let answer = bigResponse(10)
        #expect(DNSResponseBytes.fitted(answer, limit: answer.count) == answer)
        #expect(DNSResponseBytes.fitted(answer, limit: answer.count + 1) == answer)
        #expect(DNSResponseBytes.fitted(answer, limit: 65535) == answer)
    }

    @Test func fittedTruncatesWhatDoesNot() throws {
        let answer = bigResponse(100, id: 0x4242, flags: 0x8583)  // QR AA RD RA, NXDOMAIN rcode bits kept too
        #expect(answer.count > 512)
        let cut = DNSResponseBytes.fitted(answer, limit: 512)
        #expect(cut.count <= 512)
        // Header: same ID, flags | TC, counts 1/0/0/0; then the question exactly.
        #expect(cut == [0x42, 0x42, 0x87, 0x83, 0, 1, 0, 0, 0, 0, 0, 0] + bigQuestion)
        #expect(Array(cut[12...]) == Array(answer[12..<(12 + bigQuestion.count)]))

        let message = try DNSMessage.parse(cut)
        #expect(message.header.id == 0x4242)
        #expect(message.header.isTruncated)
        #expect(message.header.isResponse)
        #expect(message.header.isAuthoritative)
        #expect(message.header.recursionDesired)
        #expect(message.header.recursionAvailable)
        #expect(message.header.rcode == DNSResponseCode(rawValue: 3))
        #expect(message.questions.count == 1)
        #expect(message.questions.first?.name.description == "big.corp.example.")
        #expect(message.questions.first?.type == .a)
        #expect(message.answers.isEmpty && message.authority.isEmpty && message.additional.isEmpty)
    }

    @Test func fittedNoErrorBecomesTruncatedNoData() throws {
        let answer = bigResponse(60, flags: 0x8180)
        let cut = DNSResponseBytes.fitted(answer, limit: 512)
        #expect(cut.count == 12 + bigQuestion.count)
        let summary = try DNSMessage.parse(cut).summary
        #expect(summary.isTruncated)
        #expect(summary.answers.isEmpty)
        #expect(summary.description == "big.corp.example. A NODATA truncated")
    }

    @Test func fittedDropsAuthorityAndAdditionalToo() throws {
        var builder = WireBuilder()
        builder.header(id: 7, flags: 0x8180, qd: 1, an: 1, ns: 1, ar: 1)
        builder.question("corp.example", type: 16)
        builder.record("corp.example", type: 16, rdata: [200] + [UInt8](repeating: 0x61, count: 200))
        builder.record("corp.example", type: 2, rdata: WireBuilder.build { $0.name("ns.corp.example") })
        builder.record("", type: 41, ttl: 0, class: 1232, rdata: [])
        let cut = DNSResponseBytes.fitted(builder.bytes, limit: 100)
        let message = try DNSMessage.parse(cut)
        #expect(Array(cut[4..<12]) == [0, 1, 0, 0, 0, 0, 0, 0])
        #expect(message.header.flags == 0x8380)
        #expect(message.answers.isEmpty && message.authority.isEmpty && message.additional.isEmpty)
    }

    // MARK: error

    @Test(arguments: [
        (DNSResponseCode.serverFailure, DNSSummary.Outcome.serverFailure, "SERVFAIL"),
        (.refused, .refused, "REFUSED"),
    ] as [(DNSResponseCode, DNSSummary.Outcome, String)])
    func errorAnswer(rcode: DNSResponseCode, outcome: DNSSummary.Outcome, text: String) throws {
        let query = WireBuilder.query("db.corp.example", type: 28, id: 0x9ABC, flags: 0x0100, udpPayload: 1232)
        let info = try DNSQueryInfo(query)
        let bytes = DNSResponseBytes.error(rcode, for: query, info: info)
        // Header then the question, nothing of the OPT record.
        #expect(Array(bytes[..<12]) == [0x9A, 0xBC, 0x81, 0x80 | rcode.rawValue, 0, 1, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[12...]) == Array(query[12..<info.questionSectionEnd]))
        let message = try DNSMessage.parse(bytes)
        #expect(message.header.id == 0x9ABC)
        #expect(message.header.isResponse)
        #expect(message.header.recursionDesired)
        #expect(message.header.recursionAvailable)
        #expect(!message.header.isTruncated && !message.header.isAuthoritative)
        #expect(message.header.rcode == rcode)
        #expect(message.questions == [info.question])
        #expect(message.answers.isEmpty)
        #expect(message.summary.outcome == outcome)
        #expect(message.summary.description == "db.corp.example. AAAA \(text)")
    }

    @Test func errorCopiesRDAndOpcodeOnly() throws {
        // RD clear, CD and AD set, opcode 2 (STATUS): only the opcode (and RD, here clear) is kept.
        let query = WireBuilder.query("corp.example", type: 1, id: 1, flags: 0x1030)
        let info = try DNSQueryInfo(query)
        let message = try DNSMessage.parse(DNSResponseBytes.error(.serverFailure, for: query, info: info))
        #expect(!message.header.recursionDesired)
        #expect(message.header.recursionAvailable)
        #expect(message.header.opcode == .status)
        #expect(message.header.flags == 0x9082)
    }

    // MARK: addressAnswer

    @Test func addressAnswerA() throws {
        let query = WireBuilder.query("db.corp.example", type: 1, id: 0x0A0B)
        let info = try DNSQueryInfo(query)
        let bytes = DNSResponseBytes.addressAnswer(
            for: query, info: info,
            addresses: [[10, 0, 0, 7], [192, 168, 1, 2, 3], [], [172, 16, 0, 1], [UInt8](repeating: 1, count: 16)],
            ttl: 30)
        let message = try DNSMessage.parse(bytes)
        #expect(message.header.id == 0x0A0B)
        #expect(message.header.flags == 0x8180)
        #expect(message.questions == [info.question])
        #expect(message.answers.count == 2)
        #expect(message.answers.allSatisfy { $0.name == info.question.name && $0.recordClass == .internet })
        let summary = message.summary
        #expect(summary.outcome == .answered)
        #expect(summary.description == """
            db.corp.example. A NOERROR
              A 10.0.0.7 ttl=30
              A 172.16.0.1 ttl=30
            """)
    }

    @Test func addressAnswerAAAA() throws {
        let query = WireBuilder.query("v6.corp.example", type: 28, id: 0x0C0D, udpPayload: 4096)
        let info = try DNSQueryInfo(query)
        let v6: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [0x01]
        let other: [UInt8] = [0xFD, 0x00] + [UInt8](repeating: 0, count: 12) + [0xAB, 0xCD]
        let bytes = DNSResponseBytes.addressAnswer(
            for: query, info: info, addresses: [[10, 0, 0, 1], v6, other], ttl: 0x0001_0002)
        let message = try DNSMessage.parse(bytes)
        #expect(message.header.id == 0x0C0D)
        #expect(message.answers.map(\.rdata) == [v6, other])
        #expect(message.answers.allSatisfy { $0.type == .aaaa && $0.ttl == 65538 })
        #expect(message.summary.description == """
            v6.corp.example. AAAA NOERROR
              AAAA 2001:db8::1 ttl=65538
              AAAA fd00::abcd ttl=65538
            """)
    }

    @Test func addressAnswerWithoutAddressesIsNoData() throws {
        let query = WireBuilder.query("v4only.corp.example", type: 28)
        let info = try DNSQueryInfo(query)
        let bytes = DNSResponseBytes.addressAnswer(for: query, info: info, addresses: [[10, 0, 0, 1]], ttl: 60)
        #expect(bytes.count == info.questionSectionEnd)
        let summary = try DNSMessage.parse(bytes).summary
        #expect(summary.outcome == .noData)
        #expect(summary.description == "v4only.corp.example. AAAA NODATA")
        let none = DNSResponseBytes.addressAnswer(for: query, info: info, addresses: [], ttl: 60)
        #expect(none == bytes)
    }

    @Test func addressAnswerKeepsRDFromTheQuery() throws {
        let query = WireBuilder.query("db.corp.example", type: 1, flags: 0x0000)
        let info = try DNSQueryInfo(query)
        let message = try DNSMessage.parse(DNSResponseBytes.addressAnswer(for: query, info: info, addresses: [[1, 2, 3, 4]], ttl: 5))
        #expect(message.header.flags == 0x8080)
        #expect(message.summary.description == "db.corp.example. A NOERROR\n  A 1.2.3.4 ttl=5")
    }
}
