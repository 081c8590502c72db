import Foundation
import GhNetAddress
import GhNetRoutes
import Logging
import Synchronization

/// The local side's routes: it reads this machine's routing table (the kernel's route files,
/// never `ip` output) and interface addresses, works out what to advertise to the agent
/// (``Advertisement``) and decides each new flow (``FlowPolicy``). ``refresh()`` re-reads and
/// reports a changed advertisement, so VPNs coming and going are picked up while running.
final class LocalRoutes: FlowPolicyCheck {
    private struct State {
        var input: String?
        var policy: FlowPolicy?
        var advertised: [IPPrefix]?
    }

    private let state = Mutex(State())
    private let extra: [IPPrefix]
    private let excluded: [IPPrefix]
    private let logger: Logger

    init(extra: [IPPrefix], excluded: [IPPrefix], logger: Logger) {
        self.extra = extra
        self.excluded = excluded
        self.logger = logger
    }

    /// Re-reads the routing table; gives the prefixes to advertise when they changed since the
    /// last call (always on the first call), else nil.
    func refresh() -> [IPPrefix]? {
        let v4 = (try? String(contentsOfFile: "/proc/net/route", encoding: .utf8)) ?? ""
        let v6 = (try? String(contentsOfFile: "/proc/net/ipv6_route", encoding: .utf8)) ?? ""
        let addresses = InterfaceAddresses.current()
        let input = v4 + v6 + addresses.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined()
        if state.withLock({ $0.input == input }) { return nil }
        let table = RoutingTable(procNetRoute: v4, procNetIPv6Route: v6, interfaceAddresses: addresses)
        let advertisement = Advertisement(table: table, routes: extra, excluding: excluded)
        let policy = FlowPolicy(table: table, advertisement: advertisement)
        let changed = state.withLock { state -> Bool in
            state.input = input
            state.policy = policy
            let changed = state.advertised != advertisement.prefixes
            state.advertised = advertisement.prefixes
            return changed
        }
        for skipped in advertisement.skipped { logger.debug("not advertised: \(skipped)") }
        guard changed else { return nil }
        let list = advertisement.prefixes.map(\.description).joined(separator: ", ")
        logger.info("advertising \(advertisement.prefixes.count) prefixes: \(list.isEmpty ? "none" : list)")
        return advertisement.prefixes
    }

    func refusal(for destination: IPAddress) -> String? {
        guard let policy = state.withLock({ $0.policy }) else { return "the routing table has not been read yet" }
        switch policy.decide(destination) {
        case .allowed: return nil
        case .refused(let why): return why.description
        }
    }
}
