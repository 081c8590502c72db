import GhNetAddress
import GhNetNetlink
import Testing

/// Replies a real kernel wrote (see ``KernelFixture``) decode to what iproute2 set up.
@Suite("Kernel replies")
struct KernelReplyTests {
    @Test("a route dump across two datagrams decodes every route")
    func routeDump() throws {
        let messages = try KernelFixture.routeDump.completedMessages(isDump: true)
        let routes = try messages.compactMap { try RouteRecord.decode($0) }
        #expect(routes.count == messages.count)
        let main = routes.filter { $0.table == .main }
        func route(_ text: String) -> RouteRecord? { main.first { $0.destination == IPPrefix(text)! } }

        let ours = try #require(route("198.18.2.0/24"))
        #expect(ours.routeProtocol == .ghNet && ours.scope == .link && ours.type == .unicast)
        #expect(ours.outputInterface == KernelFixture.tunIndex && ours.gateway == nil)

        let subnet = try #require(route("198.18.0.0/24"))
        #expect(subnet.routeProtocol == .kernel && subnet.preferredSource == IPAddress("198.18.0.1"))

        let viaGateway = try #require(route("198.18.4.0/24"))
        #expect(viaGateway.gateway == IPAddress("198.18.0.2") && viaGateway.priority == 7 && viaGateway.scope == .universe)

        let multipath = try #require(route("198.18.6.0/24"))
        #expect(multipath.outputInterface == nil)
        #expect(multipath.nextHops == [
            RouteNextHop(interfaceIndex: KernelFixture.tunIndex, gateway: IPAddress("198.18.0.2")),
            RouteNextHop(interfaceIndex: KernelFixture.tunIndex, gateway: IPAddress("198.18.0.3")),
        ])

        let defaultRoute = try #require(route("0.0.0.0/0"))
        #expect(defaultRoute.gateway == IPAddress("198.18.0.254") && defaultRoute.routeProtocol == .boot)

        let ours6 = try #require(route("2001:db8:2::/64"))
        #expect(ours6.routeProtocol == .ghNet && ours6.outputInterface == KernelFixture.tunIndex && ours6.priority == 1024)
        let gateway6 = try #require(route("2001:db8:4::/64"))
        #expect(gateway6.gateway == IPAddress("2001:db8::2") && gateway6.priority == 5)

        let local = routes.filter { $0.table == .local }
        #expect(local.contains { $0.destination == IPPrefix("198.18.0.1/32")! && $0.type == .local && $0.scope == .host })
        #expect(local.contains { $0.destination == IPPrefix("2001:db8::1/128")! && $0.type == .local })
    }

    @Test("an address dump decodes both families with scope and label")
    func addressDump() throws {
        let messages = try KernelFixture.addressDump.completedMessages(isDump: true)
        let addresses = try messages.compactMap { try AddressRecord.decode($0) }
        #expect(addresses.count == messages.count)
        let tun4 = try #require(addresses.first { $0.address == InterfaceAddress("198.18.0.1/24")! })
        #expect(tun4.interfaceIndex == KernelFixture.tunIndex && tun4.label == "ghnet0" && tun4.scope == .universe && tun4.peer == nil)
        let tun6 = try #require(addresses.first { $0.address == InterfaceAddress("2001:db8::1/64")! })
        #expect(tun6.interfaceIndex == KernelFixture.tunIndex && tun6.flags & 0x02 != 0)
        let loopback = try #require(addresses.first { $0.address == InterfaceAddress("127.0.0.1/8")! })
        #expect(loopback.interfaceIndex == 1 && loopback.scope == .host)
        #expect(addresses.contains { $0.address == InterfaceAddress("::1/128")! && $0.scope == .host })
    }

    @Test("a link lookup by name answers the link, then acknowledges")
    func linkByName() throws {
        let messages = try KernelFixture.linkByName.completedMessages(isDump: false)
        let link = try LinkRecord(decoding: try #require(messages.only))
        #expect(link.index == KernelFixture.tunIndex && link.name == "ghnet0" && link.mtu == 1500)
        #expect(link.isUp && !link.isLoopback)
    }

    @Test("acknowledgements and errors, capped, with and without the kernel's message", arguments: [
        (KernelFixture.routeAdded, nil),
        (KernelFixture.routeExists, NetlinkErrorReply(errorNumber: 17, message: nil)),
        (KernelFixture.routeNoDevice, NetlinkErrorReply(errorNumber: 19, message: nil)),
        (KernelFixture.linkMissing, NetlinkErrorReply(errorNumber: 19, message: nil)),
        (KernelFixture.routeHostBits, NetlinkErrorReply(errorNumber: 22, message: "Invalid prefix for given prefix length")),
    ] as [(KernelFixture, NetlinkErrorReply?)])
    func acknowledgements(fixture: KernelFixture, expected: NetlinkErrorReply?) throws {
        let progress = try fixture.collect(isDump: false)
        if let expected {
            #expect(progress == .failed(expected))
        } else {
            #expect(progress == .completed([]))
        }
    }
}

extension Array {
    /// The single element, or nil when there are none or several.
    var only: Element? { count == 1 ? first : nil }
}
