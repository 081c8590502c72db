import GhNetAddress
import GhNetNetlink
import Testing

/// Requests encode to the layout the kernel expects; where a request has the shape of a reply
/// (RTM_NEWADDR, RTM_NEWROUTE), decoding it gives back what was asked for.
@Suite("Request encoding")
struct RequestEncodingTests {
    /// Encodes `request` and splits it back into its one message, checking the header.
    func roundTrip(_ request: NetlinkRequest, sequence: UInt32 = 77) throws -> NetlinkMessage {
        let bytes = request.encoded(sequence: sequence, portID: 0)
        #expect(bytes.count % 4 == 0)
        let message = try #require(try NetlinkMessage.split(datagram: bytes).only)
        #expect(message.header.length == UInt32(bytes.count))
        #expect(message.header.type == request.type)
        #expect(message.header.sequence == sequence && message.header.portID == 0)
        #expect(message.header.flags.contains(.request))
        #expect(message.header.flags.contains(.acknowledge) != request.isDump)
        return message
    }

    @Test("adding a route carries destination, interface, main table and the gh-net protocol", arguments: [
        ("198.18.2.0/24", RouteScope.link), ("198.18.2.7/32", .link), ("2001:db8:2::/64", .universe), ("0.0.0.0/0", .link),
    ])
    func addRoute(prefix: String, scope: RouteScope) throws {
        let destination = try #require(IPPrefix(prefix))
        let message = try roundTrip(.addRoute(destination, interfaceIndex: 42))
        #expect(message.header.flags.isSuperset(of: [.create, .exclusive]))
        let route = try #require(try RouteRecord.decode(message))
        #expect(route.destination == destination && route.outputInterface == 42)
        #expect(route.table == .main && route.routeProtocol == .ghNet && route.type == .unicast && route.scope == scope)
        #expect(route.gateway == nil && route.priority == nil && route.nextHops.isEmpty)
    }

    @Test("deleting a route names only gh-net's route, any scope and type")
    func deleteRoute() throws {
        let destination = try #require(IPPrefix("2001:db8:5::/48"))
        var message = try roundTrip(.deleteRoute(destination, interfaceIndex: 3, table: RouteTable(rawValue: 1000)))
        #expect(message.header.type == .deleteRoute)
        message = NetlinkMessage(header: NetlinkHeader(length: message.header.length, type: .newRoute, flags: message.header.flags,
                                                       sequence: 0, portID: 0), payload: message.payload)
        let route = try #require(try RouteRecord.decode(message))
        #expect(route.destination == destination && route.outputInterface == 3 && route.table.rawValue == 1000)
        #expect(route.routeProtocol == .ghNet && route.scope == .nowhere && route.type == .unspecified)
    }

    @Test("adding an address carries local and address attributes; IPv6 skips duplicate detection", arguments: [
        "198.18.0.1/24", "198.19.255.254/32", "2001:db8::1/64", "2001:db8:ffff:ffff::fe/128",
    ])
    func addAddress(text: String) throws {
        let address = try #require(InterfaceAddress(text))
        let message = try roundTrip(.addAddress(address, interfaceIndex: 9))
        let record = try #require(try AddressRecord.decode(message))
        #expect(record.address == address && record.interfaceIndex == 9 && record.peer == nil && record.scope == .universe)
        #expect((record.flags & 0x02 != 0) == (address.family == .v6))
        let deletion = try roundTrip(.deleteAddress(address, interfaceIndex: 9))
        #expect(deletion.header.type == .deleteAddress && deletion.payload == message.payload)
    }

    @Test("setting a link up with an MTU changes only the up flag")
    func setLink() throws {
        let message = try roundTrip(.setLink(interfaceIndex: 5, up: true, mtu: 65520))
        let body = message.payload
        #expect(Array(body.prefix(4)) == [0, 0, 0, 0])
        #expect(body.load(Int32.self, at: 4) == 5)
        #expect(body.load(UInt32.self, at: 8) == 1 && body.load(UInt32.self, at: 12) == 1)
        let attributes = try NetlinkAttribute.parseAll(body.dropFirst(16))
        #expect(try attributes.count == 1 && attributes[0].type == 4 && attributes[0].uint32() == 65520)

        let queued = try roundTrip(.setLink(interfaceIndex: 5, up: true, mtu: 1500, transmitQueueLength: 4096))
        let queuedAttributes = try NetlinkAttribute.parseAll(queued.payload.dropFirst(16))
        #expect(try queuedAttributes.map(\.type) == [4, 13] && queuedAttributes[1].uint32() == 4096)

        let down = try roundTrip(.setLink(interfaceIndex: 5, up: false, mtu: nil))
        #expect(down.payload.load(UInt32.self, at: 8) == 0 && down.payload.load(UInt32.self, at: 12) == 1)
        #expect(down.payload.count == 16)
    }

    @Test("a link lookup by name carries the NUL-terminated name")
    func getLink() throws {
        let message = try roundTrip(.getLink(named: "ghnet12"))
        let attributes = try NetlinkAttribute.parseAll(message.payload.dropFirst(16))
        #expect(attributes.count == 1 && attributes[0].type == 3 && Array(attributes[0].value) == Array("ghnet12\0".utf8))
        #expect(attributes[0].string() == "ghnet12")
        let byIndex = try roundTrip(.getLink(index: 8))
        #expect(byIndex.payload.load(Int32.self, at: 4) == 8)
    }

    @Test("dumps ask for every entry of the family and want no acknowledgement", arguments: [IPFamily.v4, .v6, nil])
    func dumps(family: IPFamily?) throws {
        let number: UInt8 = family == .v4 ? 2 : family == .v6 ? 10 : 0
        for request in [NetlinkRequest.dumpRoutes(family: family), .dumpAddresses(family: family)] {
            #expect(request.isDump)
            let message = try roundTrip(request)
            #expect(message.header.flags.contains(.dump))
            #expect(message.payload.first == number && message.payload.dropFirst().allSatisfy { $0 == 0 })
        }
        #expect(try roundTrip(.dumpLinks()).payload.count == 16)
    }

    @Test("interface addresses parse like ip(8) writes them")
    func interfaceAddressText() {
        #expect(InterfaceAddress("198.18.0.1/24")?.subnet == IPPrefix("198.18.0.0/24"))
        #expect(InterfaceAddress("2001:db8::1")?.prefixLength == 128)
        #expect(InterfaceAddress("198.18.0.1/24")?.description == "198.18.0.1/24")
        for bad in ["198.18.0.1/33", "2001:db8::1/129", "198.18.0.1/", "/24", "198.18.0.1/2/4", "198.18.0.1/-1", "x/8"] {
            #expect(InterfaceAddress(bad) == nil, "\(bad)")
        }
    }
}

extension ArraySlice<UInt8> {
    /// The host-order integer at `offset` from the start (test helper; the offset must fit).
    func load<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        self[(startIndex + offset)..<(startIndex + offset + MemoryLayout<T>.size)].withUnsafeBytes { $0.loadUnaligned(as: T.self) }
    }
}
