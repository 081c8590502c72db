import GhNetDNS
import Testing

/// `--dns-domain` names: parsed from dotted text, and matched against query names.
@Suite struct DomainMatchTests {
    func labels(_ words: String...) -> [[UInt8]] { words.map { Array($0.utf8) } }

    func name(_ text: String) throws -> DNSName { try #require(DNSName(dotted: text)) }

    @Test func dottedNames() throws {
        #expect(DNSName(dotted: "corp.example")?.labels == labels("corp", "example"))
        #expect(DNSName(dotted: "corp.example.")?.labels == labels("corp", "example"))
        #expect(DNSName(dotted: "db.Corp.Example")?.labels == labels("db", "Corp", "Example"))
        #expect(DNSName(dotted: "localhost")?.labels == labels("localhost"))
        #expect(try name("corp.example.").description == "corp.example.")
    }

    @Test(arguments: [".", ""])
    func root(text: String) throws {
        let root = try name(text)
        #expect(root.labels.isEmpty)
        #expect(root.description == ".")
    }

    @Test(arguments: ["a..b", "..", ".corp.example", "corp.example..", "a.b..", "..."])
    func emptyLabelsAreRejected(text: String) {
        #expect(DNSName(dotted: text) == nil)
    }

    @Test func labelLength() {
        let label63 = String(repeating: "a", count: 63)
        let label64 = String(repeating: "a", count: 64)
        #expect(DNSName(dotted: "\(label63).example")?.labels.first?.count == 63)
        #expect(DNSName(dotted: "\(label64).example") == nil)
        #expect(DNSName(dotted: label64) == nil)
        #expect(DNSName(dotted: "corp.\(label64)") == nil)
    }

    @Test func nameLength() {
        let label63 = String(repeating: "a", count: 63)
        // Three 63-byte labels and one of 61: 3 * 64 + 62 + 1 = 255 bytes on the wire.
        let longest = [label63, label63, label63, String(repeating: "b", count: 61)].joined(separator: ".")
        #expect(DNSName(dotted: longest)?.labels.count == 4)
        #expect(DNSName(dotted: longest + ".")?.labels.count == 4)
        // One byte more: 256.
        let tooLong = [label63, label63, label63, String(repeating: "b", count: 62)].joined(separator: ".")
        #expect(DNSName(dotted: tooLong) == nil)
        // Many short labels: 128 of "a" are 2 * 128 + 1 = 257 bytes; 127 are 255.
        #expect(DNSName(dotted: Array(repeating: "a", count: 127).joined(separator: "."))?.labels.count == 127)
        #expect(DNSName(dotted: Array(repeating: "a", count: 128).joined(separator: ".")) == nil)
    }

    @Test func multibyteLabelsCountBytes() {
        // "é" is two bytes in UTF-8: 32 of them make a 64-byte label.
        #expect(DNSName(dotted: String(repeating: "é", count: 31) + ".example")?.labels.first?.count == 62)
        #expect(DNSName(dotted: String(repeating: "é", count: 32) + ".example") == nil)
    }

    @Test func within() throws {
        let corp = try name("corp.example")
        #expect(try name("db.corp.example").isWithin(corp))
        #expect(try name("a.b.c.db.corp.example.").isWithin(corp))
        #expect(try name("corp.example").isWithin(corp))
        #expect(try name("corp.example.").isWithin(corp))
    }

    @Test func withinIgnoresASCIICase() throws {
        let corp = try name("corp.example")
        #expect(try name("DB.CORP.Example").isWithin(corp))
        #expect(try name("db.corp.example").isWithin(try name("CORP.Example")))
        // Only ASCII letters fold: these bytes differ by 0x20 but are not letters.
        let at = DNSName(labels: [[UInt8(ascii: "@")], Array("example".utf8)])
        let backquote = DNSName(labels: [[UInt8(ascii: "`")], Array("example".utf8)])
        #expect(!at.isWithin(backquote))
        #expect(!backquote.isWithin(at))
        let upperE = try name("\u{C9}.example")  // É
        #expect(!(try name("\u{E9}.example")).isWithin(upperE))  // é
    }

    @Test func notWithin() throws {
        let corp = try name("corp.example")
        #expect(!(try name("xcorp.example")).isWithin(corp))
        #expect(!(try name("db.xcorp.example")).isWithin(corp))
        #expect(!(try name("corp.example.com")).isWithin(corp))
        #expect(!(try name("example")).isWithin(corp))
        #expect(!(try name("corp.sample")).isWithin(corp))
        #expect(!(try name("orp.example")).isWithin(corp))
        #expect(!(try name(".")).isWithin(corp))
    }

    @Test func everythingIsWithinTheRoot() throws {
        let root = try name(".")
        #expect(try name("db.corp.example").isWithin(root))
        #expect(try name("example").isWithin(root))
        #expect(root.isWithin(root))
        #expect(root.isWithin(try name("")))
    }
}
