import GhNetAddress
import GhNetPackets

/// The addresses and ports naming one connection, as the app's packets carry them: the app is
/// the source, the far server the destination. The dispatcher's table key.
public struct TCPFlowKey: Hashable, Sendable, CustomStringConvertible {
    /// App → server addresses (those of the app's packets).
    public var addresses: IPAddressPair
    /// The app's port.
    public var appPort: UInt16
    /// The far server's port.
    public var serverPort: UInt16

    /// A key from its parts.
    public init(addresses: IPAddressPair, appPort: UInt16, serverPort: UInt16) {
        self.addresses = addresses
        self.appPort = appPort
        self.serverPort = serverPort
    }

    /// The key of a segment the app sent, from its IP addresses and TCP header.
    public init(addresses: IPAddressPair, header: TCPSegmentHeader) {
        self.init(addresses: addresses, appPort: header.sourcePort, serverPort: header.destinationPort)
    }

    /// The app's address.
    public var appAddress: IPAddress { addresses.source }
    /// The far server's address.
    public var serverAddress: IPAddress { addresses.destination }
    /// Addresses of the packets the agent writes to the app (server → app).
    public var replyAddresses: IPAddressPair { addresses.reversed }

    public var description: String {
        func endpoint(_ address: IPAddress, _ port: UInt16) -> String {
            address.family == .v4 ? "\(address):\(port)" : "[\(address)]:\(port)"
        }
        return "\(endpoint(appAddress, appPort)) -> \(endpoint(serverAddress, serverPort))"
    }
}
