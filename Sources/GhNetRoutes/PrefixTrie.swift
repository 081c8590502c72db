import GhNetAddress

/// A binary trie from prefixes to values, for longest-prefix match on every new flow: a lookup
/// walks at most 32 or 128 nodes and allocates nothing.
struct PrefixTrie<Value: Sendable>: Sendable {
    private struct Node: Sendable {
        var zero: Int32 = -1
        var one: Int32 = -1
        var value: Value?
    }

    /// `nodes[0]` is the IPv4 root, `nodes[1]` the IPv6 root.
    private var nodes: [Node] = [Node(), Node()]

    /// Builds a trie from pairs; for a prefix given more than once, `keep(old, new)` decides
    /// whether the value already stored stays.
    init(_ entries: some Sequence<(IPPrefix, Value)>, keep: (Value, Value) -> Bool = { _, _ in true }) {
        for (prefix, value) in entries { insert(prefix, value, keep: keep) }
    }

    private mutating func insert(_ prefix: IPPrefix, _ value: Value, keep: (Value, Value) -> Bool) {
        let bits = AddressBits(prefix.network)
        var index = prefix.family == .v4 ? 0 : 1
        for depth in 0..<prefix.length {
            let child = bits.bit(depth) ? nodes[index].one : nodes[index].zero
            if child >= 0 {
                index = Int(child)
                continue
            }
            nodes.append(Node())
            let created = Int32(nodes.count - 1)
            if bits.bit(depth) { nodes[index].one = created } else { nodes[index].zero = created }
            index = Int(created)
        }
        if let old = nodes[index].value, keep(old, value) { return }
        nodes[index].value = value
    }

    /// The value of the longest stored prefix that contains `address`, if any.
    func longestMatch(_ address: IPAddress) -> Value? {
        let bits = AddressBits(address)
        var index = address.family == .v4 ? 0 : 1
        var best = nodes[index].value
        for depth in 0..<address.bitWidth {
            let child = bits.bit(depth) ? nodes[index].one : nodes[index].zero
            guard child >= 0 else { break }
            index = Int(child)
            if let value = nodes[index].value { best = value }
        }
        return best
    }
}
