import GhNetAddress

/// Set operations over prefixes that remember why each part was removed; shared by the
/// advertisement (local side) and the install filter (agent side).
enum PrefixSet {
    /// Splits `prefix` around `blockers`: the parts outside every blocker, and for each blocker
    /// that overlaps it, the overlapping part (the longer of the two) with the blocker's reason.
    static func carve<Reason>(_ prefix: IPPrefix, around blockers: [(IPPrefix, Reason)])
        -> (kept: [IPPrefix], removed: [(IPPrefix, Reason)]) {
        let overlapping = blockers.filter { $0.0.overlaps(prefix) }
        let removed = overlapping.map { (blocker, reason) in (blocker.length > prefix.length ? blocker : prefix, reason) }
        return (prefix.subtracting(overlapping.map(\.0)), removed)
    }

    /// Sorts `items` by prefix and drops each one whose prefix another kept item covers (an equal
    /// prefix counts as covered; the earlier item in `items` stays). Returns the kept items and
    /// the dropped ones with the prefix that covers them.
    static func minimize<Item>(_ items: [Item], prefix: (Item) -> IPPrefix)
        -> (kept: [Item], covered: [(Item, by: IPPrefix)]) {
        let ordered = items.enumerated().sorted { a, b in
            let (pa, pb) = (prefix(a.element), prefix(b.element))
            return pa == pb ? a.offset < b.offset : IPPrefix.canonicalOrder(pa, pb)
        }.map(\.element)
        var kept: [Item] = []
        var covered: [(Item, by: IPPrefix)] = []
        // Prefixes nest or are disjoint, and a cover sorts right before what it covers, so only the
        // last kept prefix can cover the next one.
        for item in ordered {
            if let last = kept.last, prefix(last).covers(prefix(item)) {
                covered.append((item, by: prefix(last)))
            } else {
                kept.append(item)
            }
        }
        return (kept, covered)
    }
}
