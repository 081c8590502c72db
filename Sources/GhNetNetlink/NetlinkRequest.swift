/// A request to the kernel, ready to be numbered and sent: its type, flags and body (the fixed
/// structure and the attributes). The static factories in the extensions build the requests
/// gh-net makes; every one that is not a dump asks for an acknowledgement.
public struct NetlinkRequest: Hashable, Sendable {
    /// The message type.
    public let type: NetlinkMessageType
    /// The header flags, NLM_F_REQUEST included.
    public let flags: NetlinkFlags
    /// Everything after the header.
    public let body: [UInt8]
    /// True when the kernel answers with a multipart dump ended by NLMSG_DONE; otherwise it
    /// answers with any replies and then an acknowledgement or an error.
    public let isDump: Bool

    init(type: NetlinkMessageType, flags: NetlinkFlags, body: [UInt8]) {
        let isDump = flags.contains(.dump)
        self.type = type
        self.flags = isDump ? flags.union(.request) : flags.union([.request, .acknowledge])
        self.body = body
        self.isDump = isDump
    }

    /// The request as bytes to send, with `sequence` to match the replies by.
    public func encoded(sequence: UInt32, portID: UInt32 = 0) -> [UInt8] {
        var writer = HostOrderWriter()
        NetlinkHeader(length: UInt32(NetlinkHeader.size + body.count), type: type, flags: flags,
                      sequence: sequence, portID: portID).encode(into: &writer)
        writer.append(contentsOf: body)
        return writer.bytes
    }
}
