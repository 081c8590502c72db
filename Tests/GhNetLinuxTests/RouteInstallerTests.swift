import GhNetAddress
import GhNetLinux
import GhNetNetlink
import Glibc
import Testing

/// Routes through the TUN device in a throwaway namespace: installed, changed, removed, and
/// someone else's left alone.
@Suite("Route installer", .serialized, .enabled(if: NamespaceSupport.available, NamespaceSupport.skipReason))
struct RouteInstallerTests {
    /// gh-net's routes out of the device, as the kernel lists them.
    func ourRoutes(_ setup: TunSetup) throws -> Set<IPPrefix> {
        Set(try setup.netlink.routes()
            .filter { $0.outputInterface == setup.tun.interfaceIndex && $0.routeProtocol == .ghNet && $0.table == .main }
            .map(\.destination))
    }

    @Test("apply adds what is missing and deletes what is no longer wanted; removeAll takes back everything")
    func applyConverges() async throws {
        try await NetworkNamespace.with(role: "route") { namespace in
            let setup = try await TunSetup.make(in: namespace)
            let installer = RouteInstaller(netlink: setup.netlink, device: setup.tun)
            let a4 = IPPrefix("198.18.2.0/24")!, b4 = IPPrefix("198.18.3.0/24")!, a6 = IPPrefix("2001:db8:2::/64")!
            let c4 = IPPrefix("198.18.4.0/23")!, host4 = IPPrefix("198.18.9.9/32")!, host6 = IPPrefix("2001:db8:9::9/128")!

            var changes = installer.apply([a6, b4, a4])
            #expect(changes.added == [a4, b4, a6] && changes.removed.isEmpty && changes.failed.isEmpty && changes.skipped.isEmpty)
            #expect(try ourRoutes(setup) == [a4, b4, a6] && installer.installed == [a4, b4, a6])

            changes = installer.apply([b4, c4, host4, host6])
            #expect(changes.removed == [a4, a6] && changes.added == [c4, host4, host6] && changes.failed.isEmpty)
            #expect(try ourRoutes(setup) == [b4, c4, host4, host6] && installer.installed == [b4, c4, host4, host6])

            #expect(installer.apply([host6, host4, c4, b4]).isEmpty)

            changes = installer.removeAll()
            #expect(changes.removed == [b4, c4, host4, host6] && changes.failed.isEmpty)
            #expect(try ourRoutes(setup).isEmpty && installer.installed.isEmpty)
            await setup.close()
        }
    }

    @Test("a destination someone else already routes is skipped and reported, and never deleted")
    func existingRouteSkipped() async throws {
        try await NetworkNamespace.with(role: "route") { namespace in
            let setup = try await TunSetup.make(in: namespace)
            let theirs = IPPrefix("198.18.7.0/24")!, ours = IPPrefix("198.18.8.0/24")!
            try await namespace.ip("route", "add", "198.18.7.0/24", "dev", setup.tun.name, "proto", "static")
            let installer = RouteInstaller(netlink: setup.netlink, device: setup.tun)

            let changes = installer.apply([theirs, ours])
            #expect(changes.added == [ours] && changes.failed.isEmpty)
            let skipped = try #require(changes.skipped.only)
            #expect(skipped.prefix == theirs && skipped.error.errno == EEXIST)
            #expect(skipped.description == "adding route 198.18.7.0/24 via ghnet0: File exists")
            #expect(installer.installed == [ours])

            #expect(installer.removeAll().removed == [ours])
            let remaining = try setup.netlink.routes(family: .v4).filter { $0.destination == theirs }
            #expect(remaining.map(\.routeProtocol) == [.static])
            await setup.close()
        }
    }
}

extension Array {
    /// The single element, or nil when there are none or several.
    var only: Element? { count == 1 ? first : nil }
}
