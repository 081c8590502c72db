import GhNetAddress

/// An address as it is assigned to an interface: the address and the length of its subnet,
/// host bits kept (`198.18.0.1/24`), unlike an ``IPPrefix``, whose host bits are zero.
public struct InterfaceAddress: Hashable, Sendable, CustomStringConvertible {
    /// The interface's own address.
    public let address: IPAddress
    /// The length of the subnet the address sits in (0...32 or 0...128).
    public let prefixLength: Int

    /// An address with its subnet length; nil when the length does not fit the family.
    public init?(_ address: IPAddress, prefixLength: Int) {
        guard (0...address.bitWidth).contains(prefixLength) else { return nil }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `ADDRESS/LENGTH`, or a bare address as a host address (/32 or /128).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPAddress(parts[0]) else { return nil }
        guard parts.count == 2 else {
            self.init(address, prefixLength: address.bitWidth)
            return
        }
        guard (1...3).contains(parts[1].count), parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
              let length = Int(parts[1]) else { return nil }
        self.init(address, prefixLength: length)
    }

    /// The address family.
    public var family: IPFamily { address.family }

    /// The subnet the address sits in (`198.18.0.0/24` for `198.18.0.1/24`).
    public var subnet: IPPrefix {
        guard let prefix = IPPrefix(address, length: prefixLength) else {
            preconditionFailure("prefix length was checked on creation")
        }
        return prefix
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
