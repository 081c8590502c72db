import GhNetAddress
import GhNetLinux
import GhNetNetlink
import GhNetPackets
import NIOCore
import NIOPosix

/// A TUN device inside a test namespace, read by a SwiftNIO channel into a ``PacketCollector``.
struct TunSetup: Sendable {
    static let address4 = InterfaceAddress("198.18.0.1/24")!
    static let address6 = InterfaceAddress("2001:db8::1/64")!
    /// A prefix routed into the device, and a "remote" host in it, per family.
    static let routed4 = IPPrefix("198.18.2.0/24")!
    static let routed6 = IPPrefix("2001:db8:2::/64")!
    static let peer4 = IPAddress("198.18.2.10")!
    static let peer6 = IPAddress("2001:db8:2::10")!

    let netlink: Netlink
    let tun: TunDevice
    let packets: PacketCollector
    let channel: any Channel

    /// Creates the netlink client and the device in `namespace` and starts reading it.
    static func make(in namespace: NetworkNamespace, checksumOffload: Bool = false) async throws -> TunSetup {
        let netlink = try await namespace.run { try Netlink() }
        let tun = try await namespace.run {
            try TunDevice.create(addresses: [address4, address6], netlink: netlink, checksumOffload: checksumOffload)
        }
        let packets = PacketCollector(headerLength: checksumOffload ? VirtioNetHeader.length : 0)
        let channel = try await tun.startReading(on: MultiThreadedEventLoopGroup.singleton) { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(packets.makeHandler()) }
        }
        return TunSetup(netlink: netlink, tun: tun, packets: packets, channel: channel)
    }

    /// Routes the two test prefixes into the device.
    func installRoutes() -> RouteInstaller {
        let installer = RouteInstaller(netlink: netlink, device: tun)
        let changes = installer.apply([Self.routed4, Self.routed6])
        precondition(changes.failed.isEmpty && changes.skipped.isEmpty, "routes: \(changes.failed) \(changes.skipped)")
        return installer
    }

    /// Closes the device (and with it its routes) and the netlink client.
    func close() async {
        await tun.close()
        netlink.close()
    }
}
