import GhNetDNS
import Testing

/// One answer of each supported type, decoded and shown in presentation format.
@Suite struct RecordTypeTests {
    /// Parses a response with a single answer of `type` and returns that answer.
    func single(type: UInt16, rdata: [UInt8]) throws -> DNSResourceRecord {
        let bytes = WireBuilder.response("x.corp.example", type: type, answers: [("x.corp.example", type, 60, rdata)])
        let message = try DNSMessage.parse(bytes)
        #expect(message.answers.count == 1)
        let record = try #require(message.answers.first)
        #expect(record.rdata == rdata)
        #expect(record.ttl == 60)
        #expect(record.type.rawValue == type)
        return record
    }

    func name(_ dotted: String) -> DNSName {
        DNSName(labels: dotted.split(separator: ".").map { Array($0.utf8) })
    }

    @Test func a() throws {
        let record = try single(type: 1, rdata: [10, 1, 2, 3])
        #expect(record.data == .a([10, 1, 2, 3]))
        #expect(record.data.description == "10.1.2.3")
    }

    @Test(arguments: [
        ([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1], "2001:db8::1"),
        ([UInt8](repeating: 0, count: 16), "::"),
        ([0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], "1:0:0:1::1"),
        ([0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6], "2001:db8:1:2:3:4:5:6"),
        ([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9], "2001:db8:0:1::9"),
    ] as [([UInt8], String)])
    func aaaa(bytes: [UInt8], text: String) throws {
        let record = try single(type: 28, rdata: bytes)
        #expect(record.data == .aaaa(bytes))
        #expect(record.data.description == text)
    }

    @Test func namesOfCNAMEAndNSAndPTR() throws {
        let target = WireBuilder.build { $0.name("db.corp.example") }
        #expect(try single(type: 5, rdata: target).data == .cname(name("db.corp.example")))
        #expect(try single(type: 2, rdata: target).data == .ns(name("db.corp.example")))
        let record = try single(type: 12, rdata: target)
        #expect(record.data == .ptr(name("db.corp.example")))
        #expect(record.data.description == "db.corp.example.")
    }

    @Test func mx() throws {
        let record = try single(type: 15, rdata: WireBuilder.build { $0.u16(10); $0.name("mail.corp.example") })
        #expect(record.data == .mx(preference: 10, exchange: name("mail.corp.example")))
        #expect(record.data.description == "10 mail.corp.example.")
    }

    @Test func txt() throws {
        let big = [UInt8](repeating: UInt8(ascii: "z"), count: 255)
        let rdata = WireBuilder.build {
            $0.u8(6); $0.bytes += Array("v=spf1".utf8)
            $0.u8(4); $0.bytes += [UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x07, UInt8(ascii: " ")]
            $0.u8(0)
            $0.u8(255); $0.bytes += big
        }
        let record = try single(type: 16, rdata: rdata)
        #expect(record.data == .txt([Array("v=spf1".utf8), [0x22, 0x5C, 0x07, 0x20], [], big]))
        #expect(record.data.description.hasPrefix(#""v=spf1" "\"\\\007 " "" "zzz"#))
    }

    @Test func soa() throws {
        let rdata = WireBuilder.build {
            $0.name("ns1.corp.example"); $0.name("hostmaster.corp.example")
            for value: UInt32 in [2026112501, 7200, 900, 1_209_600, 300] { $0.u32(value) }
        }
        let record = try single(type: 6, rdata: rdata)
        #expect(record.data == .soa(DNSStartOfAuthority(
            mname: name("ns1.corp.example"), rname: name("hostmaster.corp.example"),
            serial: 2026112501, refresh: 7200, retry: 900, expire: 1_209_600, minimum: 300
        )))
        #expect(record.data.description == "ns1.corp.example. hostmaster.corp.example. 2026112501 7200 900 1209600 300")
    }

    @Test func srv() throws {
        let rdata = WireBuilder.build { $0.u16(1); $0.u16(5); $0.u16(5432); $0.name("db.corp.example") }
        let record = try single(type: 33, rdata: rdata)
        #expect(record.data == .srv(priority: 1, weight: 5, port: 5432, target: name("db.corp.example")))
        #expect(record.data.description == "1 5 5432 db.corp.example.")
    }

    @Test func caa() throws {
        let rdata = WireBuilder.build { $0.u8(128); $0.u8(5); $0.bytes += Array("issue".utf8); $0.bytes += Array("ca.example".utf8) }
        let record = try single(type: 257, rdata: rdata)
        #expect(record.data == .caa(flags: 128, tag: Array("issue".utf8), value: Array("ca.example".utf8)))
        #expect(record.data.description == #"128 issue "ca.example""#)
    }

    @Test(arguments: [10, 65, 41, 99, 64] as [UInt16])
    func otherTypesKeepTheirBytes(type: UInt16) throws {
        let rdata: [UInt8] = [0x00, 0x01, 0xAB, 0xFF]
        let record = try single(type: type, rdata: rdata)
        #expect(record.data == .other(DNSRecordType(rawValue: type), rdata))
        #expect(record.data.description == ##"\# 4 0001abff"##)
    }

    @Test func emptyNullRecord() throws {
        let record = try single(type: 10, rdata: [])
        #expect(record.data == .other(.null, []))
        #expect(record.data.description == ##"\# 0"##)
    }

    @Test func typeNames() {
        let names: [UInt16: String] = [
            1: "A", 28: "AAAA", 5: "CNAME", 2: "NS", 16: "TXT", 6: "SOA", 12: "PTR", 10: "NULL",
            15: "MX", 33: "SRV", 255: "ANY", 257: "CAA", 65: "HTTPS", 41: "OPT", 123: "TYPE123",
        ]
        for (raw, text) in names { #expect(DNSRecordType(rawValue: raw).description == text) }
        #expect(DNSClass(rawValue: 1).description == "IN")
        #expect(DNSClass(rawValue: 9).description == "CLASS9")
    }

    @Test func headerAndSections() throws {
        var builder = WireBuilder()
        // QR, opcode NOTIFY, AA, TC, RD, RA, rcode REFUSED.
        builder.header(id: 0xBEEF, flags: 0x8000 | 4 << 11 | 0x0400 | 0x0200 | 0x0100 | 0x0080 | 5, qd: 1, an: 1, ns: 1, ar: 1)
        builder.question("corp.example", type: 6)
        builder.record("corp.example", type: 1, rdata: [1, 1, 1, 1])
        builder.record("corp.example", type: 2, rdata: WireBuilder.build { $0.name("ns.corp.example") })
        builder.record("", type: 41, class: 1232, rdata: [])
        let message = try DNSMessage.parse(builder.bytes)
        let header = message.header
        #expect(header.id == 0xBEEF)
        #expect(header.isResponse && header.isAuthoritative && header.isTruncated)
        #expect(header.recursionDesired && header.recursionAvailable)
        #expect(header.opcode == .notify && header.rcode == .refused)
        #expect(message.questions == [DNSQuestion(name: name("corp.example"), type: .soa, recordClass: .internet)])
        #expect(message.answers.map(\.type) == [.a])
        #expect(message.authority.map(\.type) == [.ns])
        #expect(message.additional.map(\.type) == [.opt])
        #expect(message.additional.first?.recordClass.rawValue == 1232)
        #expect(message.additional.first?.name.description == ".")
    }

    @Test func parsesFromARawBuffer() throws {
        let bytes = WireBuilder.response("x.example", type: 1, answers: [("x.example", 1, 5, [192, 0, 2, 1])])
        let message = try bytes.withUnsafeBytes { buffer throws(DNSParseError) in try DNSMessage.parse(buffer) }
        #expect(message.answers.first?.data == .a([192, 0, 2, 1]))
    }

    @Test func nameEscapes() {
        let odd = DNSName(labels: [Array("a.b".utf8), [UInt8(ascii: "\\"), 0x00, 0xFF]])
        #expect(odd.description == #"a\.b.\\\000\255."#)
        #expect(DNSName(labels: []).description == ".")
    }
}
