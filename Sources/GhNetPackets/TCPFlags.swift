/// The TCP control bits (RFC 9293 §3.1; AE is RFC 9768's accurate-ECN bit, formerly NS).
public struct TCPFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// The nine flag bits as they sit in the low bits of header bytes 12–13.
    public let rawValue: UInt16

    /// Wraps flag bits; bits above the nine flags are dropped.
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0x01FF }

    /// No more data from the sender.
    public static let fin = TCPFlags(rawValue: 0x001)
    /// Synchronize sequence numbers.
    public static let syn = TCPFlags(rawValue: 0x002)
    /// Reset the connection.
    public static let rst = TCPFlags(rawValue: 0x004)
    /// Push.
    public static let psh = TCPFlags(rawValue: 0x008)
    /// The acknowledgment number is significant.
    public static let ack = TCPFlags(rawValue: 0x010)
    /// The urgent pointer is significant.
    public static let urg = TCPFlags(rawValue: 0x020)
    /// ECN echo.
    public static let ece = TCPFlags(rawValue: 0x040)
    /// Congestion window reduced.
    public static let cwr = TCPFlags(rawValue: 0x080)
    /// Accurate ECN.
    public static let ae = TCPFlags(rawValue: 0x100)

    public var description: String {
        let names: [(TCPFlags, String)] = [
            (.fin, "FIN"), (.syn, "SYN"), (.rst, "RST"), (.psh, "PSH"), (.ack, "ACK"),
            (.urg, "URG"), (.ece, "ECE"), (.cwr, "CWR"), (.ae, "AE"),
        ]
        let set = names.filter { contains($0.0) }.map(\.1)
        return set.isEmpty ? "none" : set.joined(separator: "|")
    }
}
