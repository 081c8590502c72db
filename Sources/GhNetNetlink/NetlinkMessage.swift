/// One netlink message: its header and the bytes after it (padding excluded). The payload is a
/// slice of the datagram it came in.
public struct NetlinkMessage: Hashable, Sendable {
    /// The message header.
    public let header: NetlinkHeader
    /// The message body: a fixed structure (rtmsg, ifaddrmsg, …) and attributes.
    public let payload: ArraySlice<UInt8>

    /// A message from a header and its body.
    public init(header: NetlinkHeader, payload: ArraySlice<UInt8>) {
        self.header = header
        self.payload = payload
    }

    /// Splits one datagram from a netlink socket into its messages. Every length is checked
    /// against the bytes received; the final message's padding may be absent.
    public static func split(datagram: [UInt8]) throws(NetlinkDecodingError) -> [NetlinkMessage] {
        var messages: [NetlinkMessage] = []
        var offset = 0
        while offset < datagram.count {
            let rest = datagram[offset...]
            let header = try NetlinkHeader(decoding: rest)
            let length = Int(header.length)
            guard length >= NetlinkHeader.size, length <= rest.count else {
                throw .badMessageLength(declared: length, available: rest.count)
            }
            messages.append(NetlinkMessage(header: header, payload: datagram[(offset + NetlinkHeader.size)..<(offset + length)]))
            offset += min(netlinkAligned(length), rest.count)
        }
        return messages
    }
}
