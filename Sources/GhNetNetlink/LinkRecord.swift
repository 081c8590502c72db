/// `IFLA_*` attribute types gh-net reads or writes.
enum LinkAttributeType {
    static let name: UInt16 = 3
    static let mtu: UInt16 = 4
    static let transmitQueueLength: UInt16 = 13
}

/// `IFF_*` interface flags.
enum InterfaceFlag {
    static let up: UInt32 = 0x1
    static let loopback: UInt32 = 0x8
}

/// One network interface as an RTM_NEWLINK reply describes it.
public struct LinkRecord: Hashable, Sendable {
    /// The interface index.
    public let index: Int32
    /// The interface name.
    public let name: String
    /// The MTU, when the kernel reports one.
    public let mtu: Int?
    /// The `IFF_*` flags (`ifi_flags`).
    public let flags: UInt32
    /// The transmit queue length, when the kernel reports one.
    public let transmitQueueLength: Int?

    /// True when the interface is administratively up.
    public var isUp: Bool { flags & InterfaceFlag.up != 0 }
    /// True for the loopback interface.
    public var isLoopback: Bool { flags & InterfaceFlag.loopback != 0 }

    /// A record from its fields.
    public init(index: Int32, name: String, mtu: Int?, flags: UInt32, transmitQueueLength: Int? = nil) {
        self.index = index
        self.name = name
        self.mtu = mtu
        self.flags = flags
        self.transmitQueueLength = transmitQueueLength
    }

    /// Reads an RTM_NEWLINK message (`struct ifinfomsg` and attributes).
    public init(decoding message: NetlinkMessage) throws(NetlinkDecodingError) {
        let type = message.header.type
        guard type == .newLink else { throw .unexpectedMessage(type: type.rawValue) }
        let body = message.payload
        let index = try body.requireInteger(at: 4, messageType: type.rawValue, as: Int32.self)
        let flags = try body.requireInteger(at: 8, messageType: type.rawValue, as: UInt32.self)
        _ = try body.requireInteger(at: 12, messageType: type.rawValue, as: UInt32.self)
        guard index > 0 else { throw .invalidField("interface index \(index)") }
        let attributes = try NetlinkAttribute.parseAll(body.dropFirst(Self.fixedSize))
        guard let name = attributes.last(ofType: LinkAttributeType.name) else {
            throw .missingAttribute(type: LinkAttributeType.name)
        }
        let mtu = try attributes.last(ofType: LinkAttributeType.mtu).map { attribute throws(NetlinkDecodingError) in Int(try attribute.uint32()) }
        let queue = try attributes.last(ofType: LinkAttributeType.transmitQueueLength).map { attribute throws(NetlinkDecodingError) in
            Int(try attribute.uint32())
        }
        self.init(index: index, name: name.string(), mtu: mtu, flags: flags, transmitQueueLength: queue)
    }

    /// The size of `struct ifinfomsg`.
    static let fixedSize = 16
}

extension NetlinkRequest {
    /// RTM_NEWLINK changing an existing interface: administratively up or down and, when
    /// given, a new MTU and transmit queue length (`IFLA_TXQLEN`: packets queued for the device).
    public static func setLink(interfaceIndex: Int32, up: Bool, mtu: Int?, transmitQueueLength: Int? = nil) -> NetlinkRequest {
        var writer = linkHeader(index: interfaceIndex, flags: up ? InterfaceFlag.up : 0, change: InterfaceFlag.up)
        if let mtu { writer.appendAttribute(LinkAttributeType.mtu, uint32: UInt32(clamping: mtu)) }
        if let transmitQueueLength {
            writer.appendAttribute(LinkAttributeType.transmitQueueLength, uint32: UInt32(clamping: transmitQueueLength))
        }
        return NetlinkRequest(type: .newLink, flags: [], body: writer.bytes)
    }

    /// RTM_GETLINK for the interface named `name`; the kernel answers ENODEV if there is none.
    public static func getLink(named name: String) -> NetlinkRequest {
        var writer = linkHeader(index: 0, flags: 0, change: 0)
        writer.appendAttribute(LinkAttributeType.name, Array(name.utf8) + [0])
        return NetlinkRequest(type: .getLink, flags: [], body: writer.bytes)
    }

    /// RTM_GETLINK for the interface with index `index`.
    public static func getLink(index: Int32) -> NetlinkRequest {
        NetlinkRequest(type: .getLink, flags: [], body: linkHeader(index: index, flags: 0, change: 0).bytes)
    }

    /// RTM_GETLINK dump of every interface.
    public static func dumpLinks() -> NetlinkRequest {
        NetlinkRequest(type: .getLink, flags: .dump, body: linkHeader(index: 0, flags: 0, change: 0).bytes)
    }

    /// `struct ifinfomsg` (family AF_UNSPEC, any device type).
    private static func linkHeader(index: Int32, flags: UInt32, change: UInt32) -> HostOrderWriter {
        var writer = HostOrderWriter()
        writer.append(LinuxAddressFamily.unspecified)
        writer.append(UInt8(0))
        writer.append(UInt16(0))
        writer.append(index)
        writer.append(flags)
        writer.append(change)
        return writer
    }
}
