import Foundation
import GhNetAddress
import GhNetCore
import GhNetLinux
import GhNetNetlink
import GhNetRoutes
import GhNetTCP
import GhNetWire
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The agent's side of the bridge: the TUN device, the routes through it, and the packet path
/// between the TUN and the frames. Created after the handshake; ``shutdown()`` removes the
/// routes and the device (also when the link dies or a signal arrives).
final class AgentBridge: Sendable {
    /// The TUN device's IPv4 and IPv6 addresses. They sit in ranges no real network uses
    /// (benchmarking, documentation) as /32 and /128, so they never clash with the codespace's.
    static let tunAddresses = [IPPrefix("198.19.255.254/32")!, IPPrefix("2001:db8:ffff:ffff::fe/128")!]
    /// The TUN MTU: the largest IPv4 packet, so a 64 KiB datagram crosses as one packet.
    static let tunMTU = 65535

    let logger: Logger
    private let translator = PacketTranslator()
    private let sink: any FrameSink
    private let netlink: Netlink
    private let tun: TunDevice
    private let installer: RouteInstaller
    private let transportPeer: IPAddress?
    private let drops = Mutex<[String: UInt64]>([:])
    private let tcp = Mutex<TCPEndpoints?>(nil)
    /// The newest `routes` or `dnsConfig` being applied (each waits for the one before).
    private let configuring = Mutex<Task<Void, Never>?>(nil)
    private let dns: DNSHook

    /// Creates the TUN device and starts reading it on the session's loop, where frames from the
    /// local side arrive too.
    /// `capabilities` are those both sides announced.
    static func start(session: FrameSession, capabilities: Capabilities, transportPeer: IPAddress?, resolvConf: ResolvConfHook,
                      logger: Logger) async throws -> AgentBridge {
        let loop = session.link.eventLoop
        let netlink = try Netlink()
        let tun: TunDevice
        do {
            tun = try TunDevice.create(mtu: tunMTU, addresses: tunAddresses.compactMap { InterfaceAddress($0.network, prefixLength: $0.length) },
                                       netlink: netlink, checksumOffload: true)
        } catch {
            netlink.close()
            throw error
        }
        let bridge = AgentBridge(netlink: netlink, tun: tun, installer: RouteInstaller(netlink: netlink, device: tun),
                                 sink: session, transportPeer: transportPeer,
                                 dns: DNSHook(addresses: tunAddresses.map(\.network), sink: session, resolvConf: resolvConf, logger: Logger(label: "agent")),
                                 logger: logger)
        do {
            _ = try await tun.startReading(on: loop) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TunPacketHandler(bridge: bridge))
                }
            }
        } catch {
            await bridge.shutdown()
            throw error
        }
        let endpoints = TCPEndpoints(loop: loop, sink: session, mtu: tunMTU, offloadChecksums: tun.checksumOffload,
                                     earlyData: capabilities.contains(.earlyData),
                                     logger: Logger(label: "agent.tcp")) { head, tail, header in
            if case .written = tun.write(head, tail, header: header) { return true }
            return false
        }
        bridge.tcp.withLock { $0 = endpoints }
        logger.info("tun: \(tun.name) up, mtu \(tunMTU), \(tunAddresses.map(\.description).joined(separator: " "))")
        return bridge
    }

    private init(netlink: Netlink, tun: TunDevice, installer: RouteInstaller, sink: any FrameSink, transportPeer: IPAddress?,
                 dns: DNSHook, logger: Logger) {
        self.dns = dns
        self.netlink = netlink
        self.tun = tun
        self.installer = installer
        self.sink = sink
        self.transportPeer = transportPeer
        self.logger = logger
    }

    /// Whether packets read from the TUN start with a ``VirtioNetHeader``.
    var readsDeviceHeaders: Bool { tun.checksumOffload }

    /// One packet the codespace's kernel routed into the TUN; `checksumTrusted` when the
    /// kernel vouched for its transport checksum.
    func packetFromCodespace(_ packet: ByteBuffer, checksumTrusted: Bool) {
        switch translator.inbound(packet, checksumTrusted: checksumTrusted) {
        case .forward(let frame):
            if !sink.send(frame) { count("link congested") }
        case .answer(let reply):
            write(reply)
        case .tcp(let header, let addresses, let payload):
            // Called on the link's event loop (the TUN channel's too), where the TCP endpoints live.
            tcp.withLock { $0 }?.segment(header, addresses: addresses, payload: payload)
        case .drop(let reason):
            count(reason.description)
            logger.trace("dropped a packet from the codespace: \(reason)")
        }
    }

    /// One frame from the local side about packets, routes or DNS; on the loop.
    func frameFromLocal(_ frame: Frame) {
        switch frame {
        case .routes(let advertised):
            inOrder { self.applyRoutes(advertised) }
        case .dnsConfig(let enabled, let domains):
            let dns = self.dns
            inOrder { await dns.apply(enabled: enabled, domains: domains) }
        case .dnsAnswer, .dnsFailure:
            dns.forwarder.localAnswered(frame)
        case .tcpOpenResult, .data, .windowCredit, .halfClose, .reset:
            tcp.withLock { $0 }?.frame(frame)
        default:
            guard let packet = translator.outbound(frame) else {
                logger.debug("no packet for \(frame.kind) frame")
                return
            }
            write(packet)
        }
    }

    /// Applies a configuration frame off the packet path's loop (netlink and resolv.conf calls
    /// block for a moment), after every one that came before it.
    private func inOrder(_ work: @escaping @Sendable () async -> Void) {
        configuring.withLock { previous in
            previous = Task { [previous] in
                await previous?.value
                await work()
            }
        }
    }

    /// Installs what may be installed of the advertised prefixes and logs what was skipped.
    private func applyRoutes(_ advertised: [IPPrefix]) {
        let table = RoutingTable(
            procNetRoute: (try? String(contentsOfFile: "/proc/net/route", encoding: .utf8)) ?? "",
            procNetIPv6Route: (try? String(contentsOfFile: "/proc/net/ipv6_route", encoding: .utf8)) ?? "")
        let filter = InstallFilter(advertised: advertised, ownSubnets: table.ownSubnets(ignoring: [tun.name]), transportPeer: transportPeer)
        for skipped in filter.skipped { logger.info("routes: skipped \(skipped)") }
        let changes = installer.apply(filter.routes)
        for skipped in changes.skipped { logger.warning("routes: skipped \(skipped.prefix): \(skipped)") }
        for failure in changes.failed { logger.warning("routes: \(failure)") }
        let list = installer.installed.sorted { ($0.network, $0.length) < ($1.network, $1.length) }.map(\.description).joined(separator: ", ")
        logger.info("routes: installed \(installer.installed.count) via \(tun.name): \(list.isEmpty ? "none" : list)")
    }

    private func write(_ packet: [UInt8]) {
        switch packet.withUnsafeBytes({ tun.write($0) }) {
        case .written: break
        case .wouldBlock: count("tun busy")
        case .rejected: count("tun rejected")
        case .closed: count("tun closed")
        }
    }

    /// Counts a dropped packet under `reason` (logged at debug level when the bridge ends).
    func count(_ reason: String) {
        drops.withLock { $0[reason, default: 0] += 1 }
    }

    /// Packets dropped so far, by reason.
    var dropCounts: [String: UInt64] { drops.withLock { $0 } }

    /// A fresh session replaced the one the app's connections belonged to: they are reset.
    func resetStreams() {
        guard let endpoints = tcp.withLock({ $0 }) else { return }
        endpoints.loop.execute { endpoints.closeAll() }
    }

    /// Restores resolv.conf, then removes the routes and the TUN device.
    func shutdown() async {
        dns.stop()
        // A `routes` or `dnsConfig` still being applied finishes first (it sees the hook stopped
        // and undoes its own install), so nothing is hooked or routed after this returns.
        await configuring.withLock { $0 }?.value
        if let endpoints = tcp.withLock({ $0 }) {
            // Reset the app's connections so nothing hangs, before the device goes away.
            try? await endpoints.loop.submit { endpoints.closeAll() }.get()
        }
        let changes = installer.removeAll()
        for failure in changes.failed { logger.warning("routes: \(failure)") }
        tun.startClosing()
        netlink.close()
        let dropped = dropCounts
        if !dropped.isEmpty { logger.debug("packets dropped: \(dropped.map { "\($0.key): \($0.value)" }.sorted().joined(separator: ", "))") }
        logger.info("tun: \(tun.name) and its routes removed")
    }
}
