import Testing
@testable import GhNetAddress

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("198.18.0.1", "198.18.0.1"),
        ("0.0.0.0", "0.0.0.0"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("::", "::"),
        ("::1", "::1"),
        ("fe80::", "fe80::"),
        ("2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"),
        ("2001:db8::ffff:198.18.0.1", "2001:db8::ffff:c612:1"),
        ("1:0:0:1:0:0:0:1", "1:0:0:1::1"),
    ])
    func parsesAndPrintsCanonically(input: String, canonical: String) throws {
        let address = try #require(IPAddress(input))
        #expect(address.description == canonical)
        #expect(IPAddress(canonical) == address)
        #expect(IPAddress(bytes: address.bytes) == address)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01234.1.1.1", "1.2.3.-4", " 1.2.3.4",
                      "1::2::3", "12345::", ":::", "2001:db8", "g::1", "1:2:3:4:5:6:7:8:9",
                      "1:2:3:4:5:6:7::8:9", "::1.2.3", "x"])
    func rejectsMalformedText(input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test func rejectsWrongByteCounts() {
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
        #expect(IPAddress(bytes: [UInt8](repeating: 0, count: 15)) == nil)
    }

    @Test func masksAndReadsBits() throws {
        let a = try #require(IPAddress("198.18.1.77"))
        #expect(a.masked(to: 24) == IPAddress("198.18.1.0"))
        #expect(a.masked(to: 0) == IPAddress("0.0.0.0"))
        #expect(a.bit(0) == true && a.bit(1) == true && a.bit(2) == false)
        let b = try #require(IPAddress("2001:db8:ffff::1"))
        #expect(b.masked(to: 36) == IPAddress("2001:db8:f000::"))
        #expect(b.masked(to: 128) == b)
    }

    @Test func ordersFamiliesThenValues() throws {
        let sorted = ["2001:db8::2", "198.18.0.2", "2001:db8::1", "198.18.0.1"].compactMap(IPAddress.init).sorted()
        #expect(sorted.map(\.description) == ["198.18.0.1", "198.18.0.2", "2001:db8::1", "2001:db8::2"])
    }
}

@Suite struct IPPrefixTests {
    @Test func parsesCIDRAndHosts() throws {
        #expect(IPPrefix("198.18.1.0/24")?.description == "198.18.1.0/24")
        #expect(IPPrefix("198.18.1.7")?.description == "198.18.1.7/32")
        #expect(IPPrefix("2001:db8::/32")?.description == "2001:db8::/32")
        #expect(IPPrefix("0.0.0.0/0")?.length == 0)
    }

    @Test(arguments: ["198.18.1.1/24", "198.18.1.0/33", "2001:db8::/129", "198.18.1.0/", "/24",
                      "198.18.1.0/2x", "198.18.1.0/24/1", "2001:db8::1/64", "198.18.1.0/-1"])
    func rejectsMalformedPrefixes(input: String) {
        #expect(IPPrefix(input) == nil)
    }

    @Test func containsCoversOverlaps() throws {
        let corp = try #require(IPPrefix("198.18.0.0/15"))
        let sub = try #require(IPPrefix("198.19.4.0/24"))
        let other = try #require(IPPrefix("198.20.0.0/16"))
        #expect(corp.contains(IPAddress("198.19.255.255")!))
        #expect(!corp.contains(IPAddress("198.20.0.0")!))
        #expect(!corp.contains(IPAddress("2001:db8::1")!))
        #expect(corp.covers(sub) && !sub.covers(corp))
        #expect(corp.overlaps(sub) && sub.overlaps(corp) && !corp.overlaps(other))
        let v6 = try #require(IPPrefix("2001:db8::/32"))
        #expect(v6.contains(IPAddress("2001:db8:ffff::9")!))
        #expect(!v6.overlaps(corp))
    }
}
