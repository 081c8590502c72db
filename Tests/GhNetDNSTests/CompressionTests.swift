import GhNetDNS
import Testing

/// Valid compression: pointers to earlier names, chained pointers, pointers inside RDATA.
@Suite struct CompressionTests {
    @Test func pointersInOwnerNamesAndRecordData() throws {
        var builder = WireBuilder()
        builder.header(qd: 1, an: 2)
        let questionName = builder.bytes.count  // 12
        builder.question("www.corp.example", type: 1)
        // Answer 1: www.corp.example CNAME web.<corp.example>
        builder.pointer(questionName)
        let corpExample = questionName + 4  // "corp.example" inside the question name
        let cnameTarget = builder.bytes.count + 10
        builder.recordFields(type: 5, rdata: WireBuilder.build { $0.labels("web"); $0.pointer(corpExample) })
        // Answer 2: web.corp.example A, owner name a pointer to the CNAME target (itself compressed).
        builder.pointer(cnameTarget)
        builder.recordFields(type: 1, rdata: [10, 0, 0, 7])
        let message = try DNSMessage.parse(builder.bytes)
        #expect(message.answers[0].name.description == "www.corp.example.")
        #expect(message.answers[0].data.description == "web.corp.example.")
        #expect(message.answers[1].name.description == "web.corp.example.")
        #expect(message.answers[1].data == .a([10, 0, 0, 7]))
        // The raw RDATA keeps the pointer as it came.
        #expect(message.answers[0].rdata == [3] + Array("web".utf8) + [0xC0, UInt8(corpExample)])
    }

    @Test func chainedPointersWithinTheLimit() throws {
        let message = try DNSMessage.parse(WireBuilder.pointerChain(100).bytes)
        #expect(message.answers[1].name.description == ".")
    }

    @Test func largestMessageOfLongestChains() throws {
        // 64 KB of records whose owner names each take the most jumps allowed (128): the work
        // per message stays bounded by its size.
        let (bytes, _) = WireBuilder.pointerChain(127, owners: 4000)
        #expect(bytes.count > 64_000 && bytes.count <= 65_535)
        let message = try DNSMessage.parse(bytes)
        #expect(message.answers.count == 4001)
    }

    @Test func longestNameThroughAPointer() throws {
        let label63 = String(repeating: "a", count: 63)
        let label61 = String(repeating: "b", count: 61)
        var builder = WireBuilder()
        builder.header(qd: 1, an: 1)
        builder.question("\(label63).\(label63)", type: 1)
        // 64 + 64 + 62 bytes of labels, then the 129-byte question name: 255 bytes in all.
        builder.labels(label63)
        builder.labels(label61)
        builder.pointer(12)
        builder.recordFields(type: 1, rdata: [1, 2, 3, 4])
        let message = try DNSMessage.parse(builder.bytes)
        #expect(message.answers[0].name.labels.map(\.count) == [63, 61, 63, 63])
    }
}
