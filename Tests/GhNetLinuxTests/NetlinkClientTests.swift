import GhNetAddress
import GhNetLinux
import GhNetNetlink
import Glibc
import Synchronization
import Testing

/// The netlink client against a real kernel, in a throwaway namespace.
@Suite("Netlink client", .serialized, .enabled(if: NamespaceSupport.available, NamespaceSupport.skipReason))
struct NetlinkClientTests {
    @Test("dumps list the namespace's own links, addresses and routes")
    func dumps() async throws {
        try await NetworkNamespace.with(role: "nl") { namespace in
            let netlink = try await namespace.run { try Netlink() }
            let loopback = try #require(try netlink.links().only)
            #expect(loopback.name == "lo" && loopback.isLoopback && !loopback.isUp)
            #expect(try netlink.interfaceIndex(named: "lo") == loopback.index)

            try netlink.setLinkUp(interfaceIndex: loopback.index)
            #expect(try netlink.link(index: loopback.index).isUp)
            let addresses = try netlink.addresses()
            #expect(addresses.contains { $0.address == InterfaceAddress("127.0.0.1/8")! && $0.scope == .host })
            #expect(addresses.contains { $0.address == InterfaceAddress("::1/128")! })
            #expect(try netlink.addresses(family: .v6).allSatisfy { $0.address.family == .v6 })

            let routes = try netlink.routes(family: .v4)
            #expect(routes.allSatisfy { $0.family == .v4 })
            #expect(routes.contains { $0.destination == IPPrefix("127.0.0.0/8")! && $0.table == .local && $0.type == .local })
            netlink.close()
        }
    }

    @Test("addresses can be added and deleted")
    func addressChanges() async throws {
        try await NetworkNamespace.with(role: "nl") { namespace in
            let netlink = try await namespace.run { try Netlink() }
            let address = InterfaceAddress("198.18.1.1/32")!
            try netlink.addAddress(address, interfaceIndex: 1)
            #expect(try netlink.addresses().contains { $0.address == address && $0.interfaceIndex == 1 })
            let again = #expect(throws: NetlinkError.self) { try netlink.addAddress(address, interfaceIndex: 1) }
            #expect(again?.errno == EEXIST)
            try netlink.deleteAddress(address, interfaceIndex: 1)
            #expect(try !netlink.addresses().contains { $0.address == address })
            netlink.close()
        }
    }

    @Test("errors name the operation, the interface and the kernel's reason")
    func errorMessages() async throws {
        try await NetworkNamespace.with(role: "nl") { namespace in
            let setup = try await TunSetup.make(in: namespace)
            let netlink = setup.netlink
            let prefix = IPPrefix("198.18.9.0/24")!

            let noDevice = #expect(throws: NetlinkError.self) { try netlink.addRoute(prefix, interfaceIndex: 9999) }
            #expect(noDevice?.description == "adding route 198.18.9.0/24 via interface #9999: No such device")
            let noLink = #expect(throws: NetlinkError.self) { try netlink.link(named: "nosuch0") }
            #expect(noLink?.description == "looking up interface nosuch0: No such device")
            let noRoute = #expect(throws: NetlinkError.self) { try netlink.deleteRoute(prefix, interfaceIndex: setup.tun.interfaceIndex) }
            #expect(noRoute?.errno == ESRCH && noRoute?.description == "deleting route 198.18.9.0/24 via ghnet0: No such process")

            await setup.close()
            let closed = #expect(throws: NetlinkError.self) { try netlink.routes() }
            #expect(closed?.reason == .closed)
        }
    }

    @Test("the namespace is deleted even when the test body fails")
    func namespaceCleanup() async throws {
        let name = Mutex<String?>(nil)
        await #expect(throws: NamespaceError.self) {
            try await NetworkNamespace.with(role: "nl") { namespace in
                name.withLock { $0 = namespace.name }
                #expect(namespace.exists)
                throw NamespaceError(text: "failing on purpose")
            }
        }
        let created = try #require(name.withLock { $0 })
        #expect(created.hasPrefix("ghnet-") && created.hasSuffix("-nl"))
        #expect(access("/run/netns/\(created)", F_OK) != 0)
    }
}
