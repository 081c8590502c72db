import GhNetAddress
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The DNS server the codespace's resolv.conf points at: UDP and TCP port 53 on each of the
/// TUN device's addresses, all feeding one ``DNSForwarder``.
///
/// Bounds: at most ``maxTCPConnections`` TCP connections (more are closed at once); a TCP
/// connection idle for ``tcpIdleTimeout`` is closed.
final class DNSListeners: Sendable {
    static let maxTCPConnections = 64
    static let tcpIdleTimeout: TimeAmount = .seconds(15)

    private let channels: [any Channel]
    /// The addresses where both UDP and TCP listen, as resolv.conf writes them.
    let addresses: [String]

    private init(channels: [any Channel], addresses: [String]) {
        self.channels = channels
        self.addresses = addresses
    }

    /// Binds what it can on `addresses`; an address where UDP or TCP cannot bind is skipped and logged.
    static func start(on addresses: [IPAddress], forwarder: DNSForwarder, group: any EventLoopGroup, logger: Logger) async -> DNSListeners {
        let slots = ConnectionSlots(limit: maxTCPConnections)
        var channels: [any Channel] = []
        var bound: [String] = []
        for address in addresses {
            let host = address.description
            do {
                let udp = try await DatagramBootstrap(group: group)
                    .channelOption(.socketOption(.so_reuseaddr), value: 1)
                    // Whole queries (NIO's default reads stop at 2 KiB, cutting large ones silently).
                    .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(DNSDatagramQueryHandler(forwarder: forwarder))
                        }
                    }
                    .bind(host: host, port: 53).get()
                do {
                    let tcp = try await ServerBootstrap(group: group)
                        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                        .serverChannelOption(.backlog, value: 64)
                        .childChannelInitializer { channel in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandlers(
                                    IdleStateHandler(allTimeout: tcpIdleTimeout),
                                    ByteToMessageHandler(DNSLengthPrefixDecoder()),
                                    DNSStreamQueryHandler(
                                        forwarder: forwarder,
                                        admit: { slots.take() },
                                        release: { slots.giveBack() }))
                            }
                        }
                        .bind(host: host, port: 53).get()
                    channels += [udp, tcp]
                    bound.append(host)
                } catch {
                    udp.close(promise: nil)
                    throw error
                }
            } catch {
                logger.warning("dns: cannot listen on \(host) port 53: \(error)")
            }
        }
        return DNSListeners(channels: channels, addresses: bound)
    }

    /// Closes every listener; open TCP connections end at their idle timeout or with the process.
    func close() {
        for channel in channels { channel.close(promise: nil) }
    }
}

/// A counter of open TCP connections with a limit.
private final class ConnectionSlots: Sendable {
    private let open = Mutex(0)
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Takes a slot; false when all are taken.
    func take() -> Bool {
        open.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func giveBack() { open.withLock { $0 -= 1 } }
}
