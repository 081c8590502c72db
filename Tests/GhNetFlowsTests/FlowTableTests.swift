import Testing
@testable import GhNetFlows

@Suite struct FlowTableTests {
    let t0 = ContinuousClock.now

    @Test func insertsTouchesAndRemoves() {
        var table = FlowTable<String, Int>(capacity: 3, idleTimeout: .seconds(60))
        #expect(table.insert("a", 1, now: t0).isEmpty)
        #expect(table.insert("b", 2, now: t0 + .seconds(1)).isEmpty)
        #expect(table.touch("a", now: t0 + .seconds(2)) == 1)
        #expect(table.entriesNewestFirst.map(\.key) == ["a", "b"])
        #expect(table.remove("a") == 1)
        #expect(table.peek("a") == nil && table.count == 1)
        #expect(table.insert("b", 20, now: t0 + .seconds(3)).isEmpty)
        #expect(table.peek("b") == 20 && table.count == 1)
    }

    @Test func expiresIdleEntriesOldestFirst() {
        var table = FlowTable<String, Int>(capacity: 10, idleTimeout: .seconds(60))
        _ = table.insert("a", 1, now: t0)
        _ = table.insert("b", 2, now: t0 + .seconds(30))
        _ = table.touch("a", now: t0 + .seconds(40))
        #expect(table.nextExpiry == t0 + .seconds(90))
        #expect(table.expire(now: t0 + .seconds(89)).isEmpty)
        #expect(table.expire(now: t0 + .seconds(90)).map(\.key) == ["b"])
        #expect(table.expire(now: t0 + .seconds(100)).map(\.key) == ["a"])
        #expect(table.count == 0 && table.nextExpiry == nil)
    }

    @Test func fullTableExpiresIdleBeforeEvictingTheLeastRecentlyUsed() {
        var table = FlowTable<Int, Int>(capacity: 2, idleTimeout: .seconds(60))
        _ = table.insert(1, 1, now: t0)
        _ = table.insert(2, 2, now: t0 + .seconds(10))
        // Nothing idle yet: the least recently used (1) makes room.
        #expect(table.insert(3, 3, now: t0 + .seconds(20)).map(\.key) == [1])
        // Later, 2 has gone idle: it is expired instead of evicting 3.
        #expect(table.insert(4, 4, now: t0 + .seconds(75)).map(\.key) == [2])
        #expect(Set(table.entriesNewestFirst.map(\.key)) == [3, 4])
    }

    @Test func staysWithinCapacityUnderChurn() {
        var table = FlowTable<Int, Int>(capacity: 64, idleTimeout: .seconds(5))
        var generator = SplitMix(seed: 7)
        var now = t0
        for step in 0..<20_000 {
            now += .milliseconds(Int(generator.next() % 20))
            let key = Int(generator.next() % 500)
            switch generator.next() % 3 {
            case 0: _ = table.insert(key, step, now: now)
            case 1: _ = table.touch(key, now: now)
            default: _ = table.expire(now: now)
            }
            #expect(table.count <= 64)
        }
        let listed = table.entriesNewestFirst
        #expect(listed.count == table.count)
        #expect(zip(listed, listed.dropFirst()).allSatisfy { $0.lastUsed >= $1.lastUsed })
    }
}

/// A small deterministic generator for reproducible churn.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
