import GhNetAddress

/// `IFA_*` attribute types gh-net reads or writes.
enum AddressAttributeType {
    static let address: UInt16 = 1
    static let local: UInt16 = 2
    static let label: UInt16 = 3
    static let flags: UInt16 = 8
}

/// `IFA_F_*` address flags gh-net sets.
enum AddressFlag {
    /// IFA_F_NODAD: usable at once, no duplicate address detection (IPv6).
    static let noDuplicateAddressDetection: UInt8 = 0x02
}

/// One address of one interface, as an RTM_NEWADDR message in an address dump describes it.
public struct AddressRecord: Hashable, Sendable {
    /// The interface the address is on.
    public let interfaceIndex: Int32
    /// The address and its subnet length.
    public let address: InterfaceAddress
    /// The far end of a point-to-point link, when the kernel reports one that differs.
    public let peer: IPAddress?
    /// How far the address reaches (host for loopback, link for link-local).
    public let scope: RouteScope
    /// The `IFA_F_*` flags (IFA_FLAGS when present, else `ifa_flags`).
    public let flags: UInt32
    /// The IPv4 label (usually the interface name).
    public let label: String?

    /// A record from its fields.
    public init(interfaceIndex: Int32, address: InterfaceAddress, peer: IPAddress?, scope: RouteScope, flags: UInt32, label: String?) {
        self.interfaceIndex = interfaceIndex
        self.address = address
        self.peer = peer
        self.scope = scope
        self.flags = flags
        self.label = label
    }

    /// Reads an RTM_NEWADDR message (`struct ifaddrmsg` and attributes); nil for families
    /// other than IPv4 and IPv6.
    public static func decode(_ message: NetlinkMessage) throws(NetlinkDecodingError) -> AddressRecord? {
        let type = message.header.type
        guard type == .newAddress else { throw .unexpectedMessage(type: type.rawValue) }
        let body = message.payload
        let familyNumber = try body.requireInteger(at: 0, messageType: type.rawValue, as: UInt8.self)
        let prefixLength = try body.requireInteger(at: 1, messageType: type.rawValue, as: UInt8.self)
        let shortFlags = try body.requireInteger(at: 2, messageType: type.rawValue, as: UInt8.self)
        let scope = try body.requireInteger(at: 3, messageType: type.rawValue, as: UInt8.self)
        let index = try body.requireInteger(at: 4, messageType: type.rawValue, as: Int32.self)
        guard let family = LinuxAddressFamily.family(familyNumber) else { return nil }
        guard index > 0 else { throw .invalidField("interface index \(index)") }
        let attributes = try NetlinkAttribute.parseAll(body.dropFirst(fixedSize))
        let remote = try attributes.last(ofType: AddressAttributeType.address)?.address(of: family)
        let local = try attributes.last(ofType: AddressAttributeType.local)?.address(of: family)
        guard let own = local ?? remote else { throw .missingAttribute(type: AddressAttributeType.address) }
        guard let address = InterfaceAddress(own, prefixLength: Int(prefixLength)) else {
            throw .invalidField("prefix length \(prefixLength)")
        }
        let flags = try attributes.last(ofType: AddressAttributeType.flags)?.uint32() ?? UInt32(shortFlags)
        return AddressRecord(
            interfaceIndex: index, address: address, peer: local != nil && remote != local ? remote : nil,
            scope: RouteScope(rawValue: scope), flags: flags,
            label: attributes.last(ofType: AddressAttributeType.label)?.string())
    }

    /// The size of `struct ifaddrmsg`.
    static let fixedSize = 8
}

extension NetlinkRequest {
    /// RTM_NEWADDR adding `address` to interface `interfaceIndex` (global scope; IPv6 without
    /// duplicate address detection, so it is usable at once). EEXIST if it is already there.
    public static func addAddress(_ address: InterfaceAddress, interfaceIndex: Int32) -> NetlinkRequest {
        NetlinkRequest(type: .newAddress, flags: [.create, .exclusive], body: addressBody(address, interfaceIndex: interfaceIndex))
    }

    /// RTM_DELADDR removing `address` from interface `interfaceIndex`.
    public static func deleteAddress(_ address: InterfaceAddress, interfaceIndex: Int32) -> NetlinkRequest {
        NetlinkRequest(type: .deleteAddress, flags: [], body: addressBody(address, interfaceIndex: interfaceIndex))
    }

    /// RTM_GETADDR dump of every address of `family`, or of both families when nil.
    public static func dumpAddresses(family: IPFamily?) -> NetlinkRequest {
        var writer = HostOrderWriter()
        writer.append(LinuxAddressFamily.number(for: family))
        writer.append(contentsOf: repeatElement(0, count: 3))
        writer.append(UInt32(0))
        return NetlinkRequest(type: .getAddress, flags: .dump, body: writer.bytes)
    }

    private static func addressBody(_ address: InterfaceAddress, interfaceIndex: Int32) -> [UInt8] {
        var writer = HostOrderWriter()
        writer.append(LinuxAddressFamily.number(for: address.family))
        writer.append(UInt8(address.prefixLength))
        writer.append(address.family == .v6 ? AddressFlag.noDuplicateAddressDetection : 0)
        writer.append(RouteScope.universe.rawValue)
        writer.append(interfaceIndex)
        writer.appendAttribute(AddressAttributeType.local, address.address.bytes)
        writer.appendAttribute(AddressAttributeType.address, address.address.bytes)
        return writer.bytes
    }
}
