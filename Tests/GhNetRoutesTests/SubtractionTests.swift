import GhNetAddress
import Testing
@testable import GhNetRoutes

@Suite("CIDR subtraction")
struct SubtractionTests {
    @Test func splitsAroundAPrefixInside() {
        #expect(prefix("198.18.0.0/15").subtracting(prefix("198.18.1.0/24")) == prefixes(
            "198.18.0.0/24", "198.18.2.0/23", "198.18.4.0/22", "198.18.8.0/21", "198.18.16.0/20",
            "198.18.32.0/19", "198.18.64.0/18", "198.18.128.0/17", "198.19.0.0/16"))
        #expect(prefix("2001:db8::/32").subtracting(prefix("2001:db8:8000::/34")) == prefixes(
            "2001:db8::/33", "2001:db8:c000::/34"))
        #expect(prefix("198.18.0.0/31").subtracting(prefix("198.18.0.1/32")) == prefixes("198.18.0.0/32"))
    }

    @Test func disjointLeavesWholeAndCoverLeavesNothing() {
        #expect(prefix("198.18.0.0/24").subtracting(prefix("198.18.1.0/24")) == prefixes("198.18.0.0/24"))
        #expect(prefix("198.18.1.0/24").subtracting(prefix("198.18.0.0/15")).isEmpty)
        #expect(prefix("198.18.1.0/24").subtracting(prefix("198.18.1.0/24")).isEmpty)
        #expect(prefix("198.18.0.0/15").subtracting(prefix("2001:db8::/32")) == prefixes("198.18.0.0/15"))
    }

    @Test func subtractsSeveral() {
        #expect(prefix("198.18.0.0/22").subtracting(prefixes("198.18.1.0/24", "198.18.3.128/25", "198.18.9.0/24")) ==
            prefixes("198.18.0.0/24", "198.18.2.0/24", "198.18.3.0/25"))
        #expect(prefix("::/0").subtracting(prefixes("::/1", "8000::/1")).isEmpty)
    }

    /// Random cases: the pieces are disjoint, lie inside the original, stay clear of what was
    /// removed, and together with the removed part cover the original exactly (counted in units
    /// of the smallest piece, so the sizes must add up).
    @Test(arguments: [IPFamily.v4, .v6])
    func piecesAreDisjointInsideAndExact(family: IPFamily) {
        var rng = SplitMix64(seed: family == .v4 ? 0xC1D4 : 0xC1D6)
        for _ in 0..<2000 {
            let whole = IPPrefix.random(family, lengths: 0...family.bitWidth, using: &rng)
            // Half the time remove something inside `whole`; otherwise anything (often disjoint).
            let removed = Bool.random(using: &rng)
                ? IPPrefix(.random(in: whole, using: &rng), length: .random(in: whole.length...family.bitWidth, using: &rng))!
                : IPPrefix.random(family, lengths: 0...family.bitWidth, using: &rng)
            let pieces = whole.subtracting(removed)
            #expect(pieces == pieces.sorted(by: IPPrefix.canonicalOrder))
            #expect(pieces.allSatisfy { whole.covers($0) && !$0.overlaps(removed) })
            // Sorted prefixes that nest or are disjoint: if any two overlap, two neighbours do.
            #expect(zip(pieces, pieces.dropFirst()).allSatisfy { !$0.overlaps($1) })
            let overlap: IPPrefix? = whole.overlaps(removed) ? (whole.length > removed.length ? whole : removed) : nil
            let deepest = max(overlap?.length ?? whole.length, whole.length)
            guard deepest - whole.length < 63 else { continue }
            let units = pieces.reduce(UInt64(0)) { $0 + 1 << UInt64(deepest - $1.length) }
                + (overlap.map { 1 << UInt64(deepest - $0.length) } ?? 0)
            #expect(units == 1 << UInt64(deepest - whole.length), "\(whole) - \(removed) = \(pieces)")
        }
    }

    /// Small IPv4 cases checked address by address against several removed prefixes.
    @Test func matchesAnAddressByAddressCheck() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let whole = IPPrefix.random(.v4, lengths: 22...30, using: &rng)
            let removed = (0..<Int.random(in: 1...4, using: &rng)).map { _ in
                IPPrefix(.random(in: whole, using: &rng), length: .random(in: max(whole.length - 2, 0)...32, using: &rng))!
            }
            let pieces = whole.subtracting(removed)
            guard case .v4(let first) = whole.network else { return }
            for offset in 0..<(UInt32(1) << UInt32(32 - whole.length)) {
                let target = IPAddress.v4(first + offset)
                let inPieces = pieces.filter { $0.contains(target) }.count
                let inRemoved = removed.contains { $0.contains(target) }
                #expect(inPieces == (inRemoved ? 0 : 1), "\(target) in \(whole) - \(removed) = \(pieces)")
            }
        }
    }
}
