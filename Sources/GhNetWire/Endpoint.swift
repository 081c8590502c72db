import GhNetAddress

/// A socket endpoint: an IP address and a transport port.
///
/// On the wire: the address (family byte `4` or `6`, then 4 or 16 bytes) followed by the port
/// as a big-endian `UInt16` — 7 bytes for IPv4, 19 for IPv6.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    /// The IP address.
    public var address: IPAddress
    /// The TCP or UDP port.
    public var port: UInt16

    /// An endpoint from its parts.
    public init(_ address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// `198.18.0.1:80` or `[2001:db8::1]:80`.
    public var description: String {
        switch address.family {
        case .v4: "\(address):\(port)"
        case .v6: "[\(address)]:\(port)"
        }
    }
}
