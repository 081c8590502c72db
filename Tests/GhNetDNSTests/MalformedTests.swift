import GhNetDNS
import Testing

/// Hand-made malformed messages: each is rejected with the expected typed error.
@Suite struct MalformedTests {
    func parseError(_ bytes: [UInt8]) -> DNSParseError? {
        do {
            _ = try DNSMessage.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    /// A valid response that uses every decoded type and compression.
    static let rich: [UInt8] = {
        var builder = WireBuilder()
        builder.header(qd: 1, an: 10, ar: 1)
        builder.question("corp.example", type: 255)
        let answers: [(UInt16, [UInt8])] = [
            (1, [10, 0, 0, 1]),
            (28, [0x20, 1, 0xd, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]),
            (5, WireBuilder.build { $0.labels("www"); $0.pointer(12) }),
            (2, WireBuilder.build { $0.labels("ns"); $0.pointer(12) }),
            (15, WireBuilder.build { $0.u16(10); $0.labels("mx"); $0.pointer(12) }),
            (16, WireBuilder.build { $0.u8(3); $0.bytes += Array("abc".utf8) }),
            (6, WireBuilder.build { $0.pointer(12); $0.pointer(12); for _ in 0..<5 { $0.u32(1) } }),
            (33, WireBuilder.build { $0.u16(1); $0.u16(2); $0.u16(3); $0.pointer(12) }),
            (257, WireBuilder.build { $0.u8(0); $0.u8(5); $0.bytes += Array("issueca".utf8) }),
            (65, [0, 1, 0]),
        ]
        for (type, rdata) in answers {
            builder.pointer(12)
            builder.recordFields(type: type, rdata: rdata)
        }
        builder.record("", type: 41, ttl: 0, class: 1232, rdata: [])
        return builder.bytes
    }()

    @Test func richMessageParses() throws {
        let message = try DNSMessage.parse(Self.rich)
        #expect(message.answers.count == 10)
        #expect(message.additional.count == 1)
    }

    @Test func truncatedAtEveryLength() {
        for length in 0..<Self.rich.count {
            let error = parseError(Array(Self.rich.prefix(length)))
            #expect(error != nil, "prefix of \(length) bytes parsed")
            if length < 12 {
                #expect(error == .truncated(offset: length - length % 2, needed: 2, length: length))
            }
        }
    }

    @Test func selfPointerInAnAAAAAnswer() {
        // The query that hung the original tool: the answer's owner name points at itself.
        var builder = WireBuilder()
        builder.header(qd: 1, an: 1)
        builder.question("db.corp.example", type: 28)
        let answer = builder.bytes.count
        builder.pointer(answer)
        builder.recordFields(type: 28, rdata: [UInt8](repeating: 0, count: 16))
        #expect(parseError(builder.bytes) == .pointerLoop(offset: answer, target: answer))
    }

    @Test func selfPointerInTheQuestion() {
        var builder = WireBuilder()
        builder.header(qd: 1)
        builder.pointer(12)
        builder.u16(28)
        builder.u16(1)
        #expect(parseError(builder.bytes) == .pointerLoop(offset: 12, target: 12))
    }

    @Test func twoPointerCycle() {
        // Record 1 is NULL, its opaque RDATA (offset 23) a pointer to record 2's owner name
        // (offset 25), which points back to offset 23.
        var builder = WireBuilder()
        builder.header(an: 2)
        builder.record("", type: 10, rdata: WireBuilder.build { $0.pointer(25) })
        #expect(builder.bytes.count == 25)
        builder.pointer(23)
        builder.recordFields(type: 1, rdata: [1, 2, 3, 4])
        #expect(parseError(builder.bytes) == .pointerLoop(offset: 23, target: 25))
    }

    @Test func pointerBackIntoTheNameItself() {
        var builder = WireBuilder()
        builder.header(qd: 1)
        builder.labels("a")
        builder.pointer(12)
        builder.u16(1)
        builder.u16(1)
        #expect(parseError(builder.bytes) == .pointerLoop(offset: 14, target: 12))
    }

    @Test func pointerOutOfRange() {
        var builder = WireBuilder()
        builder.header(qd: 1)
        builder.pointer(0x3FFF)
        builder.u16(1)
        builder.u16(1)
        #expect(parseError(builder.bytes) == .pointerOutOfRange(offset: 12, target: 0x3FFF, length: 18))
    }

    @Test func forwardPointer() {
        var builder = WireBuilder()
        builder.header(qd: 2)
        builder.pointer(18)
        builder.u16(1)
        builder.u16(1)
        builder.question("later.example", type: 1)
        #expect(parseError(builder.bytes) == .forwardPointer(offset: 12, target: 18))
    }

    @Test func pointerChainTooLong() {
        let (bytes, owner) = WireBuilder.pointerChain(200)
        #expect(parseError(bytes) == .pointerChainTooLong(offset: owner))
    }

    @Test(arguments: [0x40, 0x7F, 0x80, 0xBF] as [UInt8])
    func oversizedLabelOrBadLabelType(byte: UInt8) {
        var builder = WireBuilder()
        builder.header(qd: 1)
        builder.u8(byte)
        builder.bytes += [UInt8](repeating: UInt8(ascii: "a"), count: 200)
        builder.u8(0)
        builder.u16(1)
        builder.u16(1)
        #expect(parseError(builder.bytes) == .badLabelType(offset: 12, byte: byte))
    }

    @Test func nameOver255Bytes() {
        let label63 = String(repeating: "a", count: 63)
        var builder = WireBuilder()
        builder.header(qd: 1)
        builder.question("\(label63).\(label63).\(label63).\(String(repeating: "b", count: 62))", type: 1)
        #expect(parseError(builder.bytes) == .nameTooLong(offset: 12))
    }

    @Test func nameOver255BytesThroughAPointer() {
        let label63 = String(repeating: "a", count: 63)
        var builder = WireBuilder()
        builder.header(qd: 1, an: 1)
        builder.question("\(label63).\(label63)", type: 1)
        let answer = builder.bytes.count
        builder.labels("\(label63).\(String(repeating: "b", count: 62))")
        builder.pointer(12)
        builder.recordFields(type: 1, rdata: [1, 2, 3, 4])
        #expect(parseError(builder.bytes) == .nameTooLong(offset: answer))
    }

    @Test func headerCountsLargerThanTheMessage() {
        var builder = WireBuilder()
        builder.header(qd: 0xFFFF, an: 0xFFFF, ns: 0xFFFF, ar: 0xFFFF)
        builder.question("a.example", type: 1)
        #expect(parseError(builder.bytes) == .countsExceedMessage(questions: 0xFFFF, records: 3 * 0xFFFF, length: 27))
        // Counts that fit the size bound but not the content still end in a typed error.
        var small = WireBuilder()
        small.header(qd: 1, an: 1)
        small.question("a.example", type: 1)
        small.bytes += [UInt8](repeating: 0, count: 10)
        #expect(parseError(small.bytes) == .truncated(offset: small.bytes.count - 1, needed: 2, length: small.bytes.count))
    }

    @Test(arguments: [
        (1, [1, 2, 3]), (1, [1, 2, 3, 4, 5]), (28, [1, 2, 3, 4]),
        (5, [3, 0x61, 0x62, 0x63, 0, 0xFF]),  // a name followed by a stray byte
        (5, [3, 0x61, 0x62]),  // a name running past the RDATA
        (15, [0]), (16, [5, 0x61]), (6, [0, 0, 1, 2, 3]), (33, [0, 1, 0, 2]),
        (257, [0, 0]), (257, [0, 9, 0x61]),
    ] as [(UInt16, [UInt8])])
    func malformedRecordData(type: UInt16, rdata: [UInt8]) {
        var builder = WireBuilder()
        builder.header(an: 1)
        builder.record("", type: type, rdata: rdata)
        builder.bytes += [0, 0, 0, 0]  // room for names that overrun the RDATA
        #expect(parseError(builder.bytes) == .badRecordData(type: DNSRecordType(rawValue: type), offset: 23))
    }

    @Test func rdataLongerThanTheMessage() {
        var builder = WireBuilder()
        builder.header(an: 1)
        builder.record("", type: 1, rdata: [1, 2, 3, 4])
        builder.bytes.removeLast()
        #expect(parseError(builder.bytes) == .truncated(offset: 23, needed: 4, length: 26))
    }

    @Test func errorsDescribeThemselves() {
        #expect(DNSParseError.pointerLoop(offset: 30, target: 30).description
            == "compression pointer loop: pointer at offset 30 leads back to offset 30")
        #expect(DNSParseError.badRecordData(type: .aaaa, offset: 40).description == "malformed AAAA record data at offset 40")
    }
}
