import NIOCore

extension SocketAddress {
    /// The address of a `nameserver` entry (numeric IPv4 or IPv6, optionally with a `%scope`),
    /// at `port` (53 unless a test says otherwise); nil for anything else.
    public static func nameserver(_ text: String, port: Int = 53) -> SocketAddress? {
        guard !text.isEmpty, text.allSatisfy({ $0.isHexDigit || ".:%".contains($0) || $0.isLetter || $0.isNumber }) else { return nil }
        if let address = try? SocketAddress(ipAddress: text, port: port) { return address }
        guard text.contains("%") else { return nil }
        // A scoped IPv6 address needs getaddrinfo; numeric, so it never touches the network.
        return try? SocketAddress.makeAddressResolvingHost(text, port: port)
    }
}
