import GhNetAddress

/// `RTA_*` attribute types gh-net reads or writes.
enum RouteAttributeType {
    static let destination: UInt16 = 1
    static let outputInterface: UInt16 = 4
    static let gateway: UInt16 = 5
    static let priority: UInt16 = 6
    static let preferredSource: UInt16 = 7
    static let multipath: UInt16 = 9
    static let table: UInt16 = 15
}

/// One way out of a multipath route.
public struct RouteNextHop: Hashable, Sendable {
    /// The interface the packets leave by.
    public let interfaceIndex: Int32
    /// The router they are sent to, if not directly to the destination.
    public let gateway: IPAddress?

    /// A next hop from its fields.
    public init(interfaceIndex: Int32, gateway: IPAddress?) {
        self.interfaceIndex = interfaceIndex
        self.gateway = gateway
    }
}

/// One route, as an RTM_NEWROUTE message in a route dump describes it.
public struct RouteRecord: Hashable, Sendable {
    /// The destination prefix (`0.0.0.0/0` or `::/0` for a default route).
    public let destination: IPPrefix
    /// The table the route is in.
    public let table: RouteTable
    /// Who installed it.
    public let routeProtocol: RouteProtocol
    /// How far its destination reaches.
    public let scope: RouteScope
    /// What it does with packets.
    public let type: RouteType
    /// The interface packets leave by, for single-path routes.
    public let outputInterface: Int32?
    /// The router packets are sent to, for single-path gateway routes.
    public let gateway: IPAddress?
    /// The metric.
    public let priority: UInt32?
    /// The source address the kernel prefers for connections along this route.
    public let preferredSource: IPAddress?
    /// The ways out of a multipath route (empty for single-path routes).
    public let nextHops: [RouteNextHop]

    /// The address family.
    public var family: IPFamily { destination.family }

    /// A record from its fields.
    public init(destination: IPPrefix, table: RouteTable, routeProtocol: RouteProtocol, scope: RouteScope, type: RouteType,
                outputInterface: Int32?, gateway: IPAddress?, priority: UInt32?, preferredSource: IPAddress?, nextHops: [RouteNextHop]) {
        self.destination = destination
        self.table = table
        self.routeProtocol = routeProtocol
        self.scope = scope
        self.type = type
        self.outputInterface = outputInterface
        self.gateway = gateway
        self.priority = priority
        self.preferredSource = preferredSource
        self.nextHops = nextHops
    }

    /// Reads an RTM_NEWROUTE message (`struct rtmsg` and attributes); nil for families other
    /// than IPv4 and IPv6 (multicast routing tables, MPLS).
    public static func decode(_ message: NetlinkMessage) throws(NetlinkDecodingError) -> RouteRecord? {
        let type = message.header.type
        guard type == .newRoute else { throw .unexpectedMessage(type: type.rawValue) }
        let body = message.payload
        guard body.count >= fixedSize else {
            throw .truncatedBody(messageType: type.rawValue, needed: fixedSize, available: body.count)
        }
        let fixed = Array(body.prefix(fixedSize))
        guard let family = LinuxAddressFamily.family(fixed[0]) else { return nil }
        let attributes = try NetlinkAttribute.parseAll(body.dropFirst(fixedSize))
        let destinationLength = Int(fixed[1])
        guard destinationLength <= family.bitWidth else { throw .invalidField("destination length \(destinationLength)") }
        let destinationAddress: IPAddress
        if let attribute = attributes.last(ofType: RouteAttributeType.destination) {
            destinationAddress = try attribute.address(of: family)
        } else if destinationLength == 0 {
            destinationAddress = family == .v4 ? .v4(0) : .v6(IPv6Bytes(high: 0, low: 0))
        } else {
            throw .missingAttribute(type: RouteAttributeType.destination)
        }
        guard let destination = IPPrefix(destinationAddress, length: destinationLength) else {
            throw .invalidField("destination length \(destinationLength)")
        }
        let outputInterface = try attributes.last(ofType: RouteAttributeType.outputInterface)?.uint32()
        let table = try attributes.last(ofType: RouteAttributeType.table)?.uint32() ?? UInt32(fixed[4])
        return RouteRecord(
            destination: destination,
            table: RouteTable(rawValue: table),
            routeProtocol: RouteProtocol(rawValue: fixed[5]),
            scope: RouteScope(rawValue: fixed[6]),
            type: RouteType(rawValue: fixed[7]),
            outputInterface: outputInterface.map { Int32(bitPattern: $0) },
            gateway: try attributes.last(ofType: RouteAttributeType.gateway)?.address(of: family),
            priority: try attributes.last(ofType: RouteAttributeType.priority)?.uint32(),
            preferredSource: try attributes.last(ofType: RouteAttributeType.preferredSource)?.address(of: family),
            nextHops: try attributes.last(ofType: RouteAttributeType.multipath).map { attribute throws(NetlinkDecodingError) in
                try nextHops(attribute.value, family: family)
            } ?? [])
    }

    /// Reads RTA_MULTIPATH: a run of `struct rtnexthop`, each followed by its own attributes.
    private static func nextHops(_ bytes: ArraySlice<UInt8>, family: IPFamily) throws(NetlinkDecodingError) -> [RouteNextHop] {
        var hops: [RouteNextHop] = []
        var offset = 0
        while offset < bytes.count {
            let available = bytes.count - offset
            guard let length = bytes.hostOrderInteger(at: offset, as: UInt16.self),
                  let index = bytes.hostOrderInteger(at: offset + 4, as: Int32.self),
                  Int(length) >= 8, Int(length) <= available else {
                throw .badAttributeLength(declared: Int(bytes.hostOrderInteger(at: offset, as: UInt16.self) ?? 0), available: available)
            }
            let start = bytes.startIndex + offset
            let attributes = try NetlinkAttribute.parseAll(bytes[(start + 8)..<(start + Int(length))])
            hops.append(RouteNextHop(
                interfaceIndex: index,
                gateway: try attributes.last(ofType: RouteAttributeType.gateway)?.address(of: family)))
            offset += min(netlinkAligned(Int(length)), available)
        }
        return hops
    }

    /// The size of `struct rtmsg`.
    static let fixedSize = 12
}

extension NetlinkRequest {
    /// RTM_NEWROUTE: `destination` straight out of interface `interfaceIndex` (no gateway),
    /// in `table`, marked with `routeProtocol`. EEXIST when the table already has a route for
    /// exactly this destination (at the same metric), whoever owns it.
    public static func addRoute(_ destination: IPPrefix, interfaceIndex: Int32, table: RouteTable = .main,
                                routeProtocol: RouteProtocol = .ghNet) -> NetlinkRequest {
        let scope: RouteScope = destination.family == .v4 ? .link : .universe
        return NetlinkRequest(
            type: .newRoute, flags: [.create, .exclusive],
            body: routeBody(destination, interfaceIndex: interfaceIndex, table: table, routeProtocol: routeProtocol,
                            scope: scope, type: .unicast))
    }

    /// RTM_DELROUTE: the route to `destination` out of `interfaceIndex` in `table`, only if it
    /// was installed with `routeProtocol` (so gh-net never deletes a route it did not add).
    /// ESRCH when there is no such route.
    public static func deleteRoute(_ destination: IPPrefix, interfaceIndex: Int32, table: RouteTable = .main,
                                   routeProtocol: RouteProtocol = .ghNet) -> NetlinkRequest {
        NetlinkRequest(
            type: .deleteRoute, flags: [],
            body: routeBody(destination, interfaceIndex: interfaceIndex, table: table, routeProtocol: routeProtocol,
                            scope: .nowhere, type: .unspecified))
    }

    /// RTM_GETROUTE dump of every route of `family` in every table, or of both families when nil.
    public static func dumpRoutes(family: IPFamily?) -> NetlinkRequest {
        var writer = HostOrderWriter()
        writer.append(LinuxAddressFamily.number(for: family))
        writer.append(contentsOf: repeatElement(0, count: RouteRecord.fixedSize - 1))
        return NetlinkRequest(type: .getRoute, flags: .dump, body: writer.bytes)
    }

    private static func routeBody(_ destination: IPPrefix, interfaceIndex: Int32, table: RouteTable, routeProtocol: RouteProtocol,
                                  scope: RouteScope, type: RouteType) -> [UInt8] {
        var writer = HostOrderWriter()
        writer.append(LinuxAddressFamily.number(for: destination.family))
        writer.append(UInt8(destination.length))
        writer.append(UInt8(0))
        writer.append(UInt8(0))
        writer.append(UInt8(clamping: table.rawValue < 256 ? table.rawValue : 0))
        writer.append(routeProtocol.rawValue)
        writer.append(scope.rawValue)
        writer.append(type.rawValue)
        writer.append(UInt32(0))
        writer.appendAttribute(RouteAttributeType.table, uint32: table.rawValue)
        if destination.length > 0 {
            writer.appendAttribute(RouteAttributeType.destination, destination.network.bytes)
        }
        writer.appendAttribute(RouteAttributeType.outputInterface, uint32: UInt32(bitPattern: interfaceIndex))
        return writer.bytes
    }
}
