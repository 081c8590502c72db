import GhNetDNS
import Testing

/// The questions only the local side answered lately: how long each is kept, and the bound.
@Suite struct LocalNamesTests {
    let start = ContinuousClock.now

    func question(_ name: String, type: DNSRecordType = .a) throws -> DNSQuestion {
        DNSQuestion(name: try #require(DNSName(dotted: name)), type: type, recordClass: .internet)
    }

    @Test func aQuestionIsKeptForItsLifetimeThenForgotten() throws {
        var names = DNSLocalNames()
        let db = try question("db.corp.example")
        #expect(!names.contains(db, now: start))
        names.remember(db, for: .seconds(30), now: start)
        #expect(names.contains(db, now: start + .seconds(29)))
        #expect(!names.contains(db, now: start + .seconds(30)))
    }

    @Test func namesCompareWithoutCaseButTypesApart() throws {
        var names = DNSLocalNames()
        names.remember(try question("DB.Corp.Example"), for: .seconds(30), now: start)
        #expect(names.contains(try question("db.corp.example."), now: start))
        #expect(!names.contains(try question("db.corp.example", type: .aaaa), now: start))
        #expect(!names.contains(try question("corp.example"), now: start))
    }

    @Test func lifetimesAreCappedAndTheLaterExpiryWins() throws {
        var names = DNSLocalNames()
        let db = try question("db.corp.example")
        names.remember(db, for: .seconds(86_400), now: start)
        #expect(names.contains(db, now: start + DNSLocalNames.longestLifetime - .seconds(1)))
        #expect(!names.contains(db, now: start + DNSLocalNames.longestLifetime))
        let mail = try question("mail.corp.example")
        names.remember(mail, for: .seconds(60), now: start)
        names.remember(mail, for: .seconds(10), now: start)
        #expect(names.contains(mail, now: start + .seconds(59)), "a shorter lifetime later does not cut the first short")
        names.remember(mail, for: .seconds(120), now: start)
        #expect(names.contains(mail, now: start + .seconds(119)), "a longer one extends it")
    }

    @Test func aZeroLifetimeRemembersNothingAndPushesNothingOut() throws {
        var names = DNSLocalNames(capacity: 1)
        let db = try question("db.corp.example")
        names.remember(db, for: .seconds(60), now: start)
        names.remember(try question("mail.corp.example"), for: .zero, now: start)
        #expect(names.count == 1)
        #expect(names.contains(db, now: start))
    }

    @Test func forgottenAtOnce() throws {
        var names = DNSLocalNames()
        let db = try question("db.corp.example")
        names.remember(db, for: .seconds(60), now: start)
        names.forget(try question("DB.corp.example"))
        #expect(!names.contains(db, now: start))
    }

    @Test func whenFullTheExpiredGoFirstThenTheOneExpiringSoonest() throws {
        var names = DNSLocalNames(capacity: 3)
        names.remember(try question("a.example"), for: .seconds(10), now: start)
        names.remember(try question("b.example"), for: .seconds(100), now: start)
        names.remember(try question("c.example"), for: .seconds(50), now: start)
        names.remember(try question("d.example"), for: .seconds(100), now: start + .seconds(20))
        #expect(names.count == 3, "the expired a.example made room")
        #expect(!names.contains(try question("a.example"), now: start + .seconds(20)))
        names.remember(try question("e.example"), for: .seconds(100), now: start + .seconds(20))
        #expect(names.count == 3)
        #expect(!names.contains(try question("c.example"), now: start + .seconds(21)), "the one expiring soonest went")
        for kept in ["b.example", "d.example", "e.example"] {
            #expect(names.contains(try question(kept), now: start + .seconds(21)), "\(kept)")
        }
    }

    func nxDomain(soaTTL: UInt32, minimum: UInt32) -> [UInt8] {
        WireBuilder.nxDomain("db.corp.example", soaTTL: soaTTL, minimum: minimum)
    }

    @Test func theLifetimeOfANegativeAnswerIsItsSOAsTTLOrMinimumWhicheverIsSmaller() {
        #expect(DNSLocalNames.lifetime(ofNegativeAnswer: nxDomain(soaTTL: 120, minimum: 60)) == .seconds(60))
        #expect(DNSLocalNames.lifetime(ofNegativeAnswer: nxDomain(soaTTL: 45, minimum: 900)) == .seconds(45))
        #expect(DNSLocalNames.lifetime(ofNegativeAnswer: nxDomain(soaTTL: 86_400, minimum: 86_400)) == DNSLocalNames.longestLifetime)
        #expect(DNSLocalNames.lifetime(ofNegativeAnswer: nxDomain(soaTTL: 0, minimum: 60)) == .zero)
        #expect(DNSLocalNames.lifetime(ofNegativeAnswer: nxDomain(soaTTL: 0x8000_0001, minimum: 60)) == .zero, "RFC 2181: a TTL over 2^31 - 1 is 0")
    }

    @Test func withoutAnSOAOrAnAnswerTheShortLifetime() {
        var bare = WireBuilder()
        bare.header(id: 7, flags: 0x8183, qd: 1)
        bare.question("db.corp.example", type: 1)
        for bytes: [UInt8]? in [bare.bytes, nil, [], [1, 2, 3]] {
            #expect(DNSLocalNames.lifetime(ofNegativeAnswer: bytes) == DNSLocalNames.lifetimeWithoutSOA)
        }
    }
}
