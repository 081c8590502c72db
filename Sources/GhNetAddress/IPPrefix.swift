/// A CIDR prefix such as `198.18.1.0/24` or `2001:db8::/32`: a network address whose bits
/// after `length` are zero, and the length.
public struct IPPrefix: Hashable, Sendable, CustomStringConvertible {
    /// The network address, already masked to `length` bits.
    public let network: IPAddress
    /// Number of leading bits that identify the network (0...32 or 0...128).
    public let length: Int

    /// Makes a prefix, masking host bits off `address`; `nil` if `length` is out of range.
    public init?(_ address: IPAddress, length: Int) {
        guard (0...address.bitWidth).contains(length) else { return nil }
        self.network = address.masked(to: length)
        self.length = length
    }

    /// Parses `ADDRESS/LENGTH`, or a bare address as a host prefix (/32 or /128).
    /// Host bits set in the text (e.g. `10.0.0.1/8`) are rejected, as `ip route` would.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPAddress(parts[0]) else { return nil }
        var length = address.bitWidth
        if parts.count == 2 {
            guard (1...3).contains(parts[1].count), parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                  let l = Int(parts[1]) else { return nil }
            length = l
        }
        guard let prefix = IPPrefix(address, length: length), prefix.network == address else { return nil }
        self = prefix
    }

    /// The address family of the prefix.
    public var family: IPFamily { network.family }

    /// True when `address` lies inside this prefix.
    public func contains(_ address: IPAddress) -> Bool {
        address.family == family && address.masked(to: length) == network
    }

    /// True when every address of `other` lies inside this prefix.
    public func covers(_ other: IPPrefix) -> Bool {
        other.family == family && other.length >= length && contains(other.network)
    }

    /// True when the two prefixes share at least one address.
    public func overlaps(_ other: IPPrefix) -> Bool { covers(other) || other.covers(self) }

    public var description: String { "\(network)/\(length)" }
}
