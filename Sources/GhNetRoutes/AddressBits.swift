import GhNetAddress

/// An address as 128 bits in two words, IPv4 left-aligned in the high word, so that bit `i`
/// (from the most significant) reads the same way for both families without allocating.
struct AddressBits: Hashable {
    var high: UInt64
    var low: UInt64

    init(_ address: IPAddress) {
        switch address {
        case .v4(let value): (high, low) = (UInt64(value) << 32, 0)
        case .v6(let bytes): (high, low) = (bytes.high, bytes.low)
        }
    }

    /// Bit `index`, counted from the most significant bit.
    @inline(__always)
    func bit(_ index: Int) -> Bool {
        index < 64 ? (high >> UInt64(63 - index)) & 1 == 1 : (low >> UInt64(127 - index)) & 1 == 1
    }

    /// The same bits with bit `index` inverted.
    func flipping(_ index: Int) -> AddressBits {
        var copy = self
        if index < 64 { copy.high ^= 1 << UInt64(63 - index) } else { copy.low ^= 1 << UInt64(127 - index) }
        return copy
    }

    /// The address these bits spell in `family`.
    func address(_ family: IPFamily) -> IPAddress {
        family == .v4 ? .v4(UInt32(truncatingIfNeeded: high >> 32)) : .v6(IPv6Bytes(high: high, low: low))
    }
}
