import GhNetAddress
import GhNetCore
import GhNetDNS
import GhNetResolver
import GhNetWire
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The agent's DNS hook as a whole: listeners on the TUN addresses, the forwarder behind them,
/// and the resolv.conf edit that sends the codespace there. Started by the local side's
/// `dnsConfig` frame; ``stop()`` undoes it (resolv.conf first, so no query is sent to a closed
/// listener).
final class DNSHook: Sendable {
    /// Where the hook stands.
    private enum Phase {
        /// No `dnsConfig` yet, or it said off.
        case off
        /// Listening, with resolv.conf pointing at the listeners.
        case on(DNSListeners)
        /// Stopped for good (the bridge is ending).
        case stopped
    }

    let forwarder: DNSForwarder
    private let resolvConf: ResolvConfHook
    private let addresses: [IPAddress]
    private let logger: Logger
    private let phase = Mutex<Phase>(.off)
    /// The codespace's original resolvers, once the hook is on.
    private let upstream = Mutex<[SocketAddress]>([])

    init(addresses: [IPAddress], sink: any FrameSink, resolvConf: ResolvConfHook, logger: Logger) {
        self.addresses = addresses
        self.resolvConf = resolvConf
        self.logger = logger
        self.forwarder = DNSForwarder(exchange: DNSExchange(), sink: sink, logger: logger)
    }

    /// Applies a `dnsConfig` frame: starts the hook, changes its domains, or leaves it off.
    func apply(enabled: Bool, domains: [String]) async {
        let localDomains = domains.compactMap { DNSName(dotted: $0) }
        guard enabled else {
            logger.info("dns: hook off (--dns false); the codespace's resolv.conf is left as it is")
            return
        }
        if case .on = phase.withLock({ $0 }) {
            forwarder.configure(upstream: upstream.withLock { $0 }, localDomains: localDomains)
            return
        }
        guard case .off = phase.withLock({ $0 }) else { return }
        let listeners = await DNSListeners.start(on: addresses, forwarder: forwarder, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        guard case .off = phase.withLock({ $0 }) else {
            // Stopped while the listeners started: hook nothing.
            listeners.close()
            return
        }
        guard !listeners.addresses.isEmpty else {
            logger.warning("dns: no address to listen on; the codespace's DNS is left as it is")
            return
        }
        let originals: [String]
        do {
            originals = try resolvConf.install(nameservers: listeners.addresses)
        } catch {
            listeners.close()
            logger.warning("dns: cannot hook \(resolvConf.path): \(error); the codespace's DNS is left as it is")
            return
        }
        // glibc's default when resolv.conf names no server.
        let upstreamNames = originals.isEmpty ? ["127.0.0.1"] : originals
        let servers = upstreamNames.compactMap { SocketAddress.nameserver($0) }
        upstream.withLock { $0 = servers }
        forwarder.configure(upstream: servers, localDomains: localDomains)
        let installed = phase.withLock { value -> Bool in
            guard case .off = value else { return false }
            value = .on(listeners)
            return true
        }
        if !installed {
            resolvConf.restore(logger: logger)
            listeners.close()
            return
        }
        let domainText = localDomains.isEmpty ? "" : "; straight to the local side: \(localDomains.map(\.description).joined(separator: " "))"
        logger.info("dns: \(resolvConf.path) points at \(listeners.addresses.joined(separator: " ")); codespace resolvers first: \(upstreamNames.joined(separator: " "))\(domainText)")
    }

    /// Restores resolv.conf, closes the listeners and fails queries still waiting.
    func stop() {
        let previous = phase.withLock { value in defer { value = .stopped }; return value }
        guard case .on(let listeners) = previous else { return }
        resolvConf.restore(logger: logger)
        listeners.close()
        forwarder.cancelAll()
    }
}
