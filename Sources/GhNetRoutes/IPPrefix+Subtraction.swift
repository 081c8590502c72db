import GhNetAddress

extension IPPrefix {
    /// The addresses of this prefix that are not in `other`, as the fewest CIDR prefixes,
    /// sorted by address.
    ///
    /// Disjoint prefixes leave `self` whole and a covering `other` leaves nothing. When `other`
    /// lies strictly inside, the result is the sibling of each step on the path from `self` down
    /// to `other`: `198.18.0.0/15` minus `198.18.1.0/24` is `198.18.0.0/24`, `198.18.2.0/23`,
    /// `198.18.4.0/22`, …, `198.19.0.0/16` — one prefix per bit of difference in length.
    public func subtracting(_ other: IPPrefix) -> [IPPrefix] {
        guard overlaps(other) else { return [self] }
        guard !other.covers(self) else { return [] }
        let bits = AddressBits(other.network)
        return (length..<other.length).map { depth in
            IPPrefix(bits.flipping(depth).address(family), length: depth + 1)!
        }.sorted(by: IPPrefix.canonicalOrder)
    }

    /// The addresses of this prefix that are in none of `others`, as disjoint CIDR prefixes
    /// sorted by address.
    public func subtracting(_ others: some Sequence<IPPrefix>) -> [IPPrefix] {
        var pieces = [self]
        for other in others where overlaps(other) {
            pieces = pieces.flatMap { $0.subtracting(other) }
        }
        return pieces.sorted(by: IPPrefix.canonicalOrder)
    }

    /// The order gh-net prints prefixes in: IPv4 before IPv6, then by address, then shorter first
    /// (so a prefix comes right before the prefixes it covers).
    public static func canonicalOrder(_ lhs: IPPrefix, _ rhs: IPPrefix) -> Bool {
        (lhs.network, lhs.length) < (rhs.network, rhs.length)
    }
}
