import GhNetLocal
import GhNetUI

extension ViewModel {
    /// The connected view's model from what the monitor saw at one moment. `quitAgainStopsAtOnce`:
    /// see `StopSignals.repeatWouldInsist`.
    public init(snapshot: ActivityMonitor.Snapshot, link: ActivityMonitor.LinkState, stopping: Bool, quitAgainStopsAtOnce: Bool = false,
                target: String, rate: (up: UInt64, down: UInt64), lastWarning: String?, logPath: String?) {
        let now = snapshot.taken
        var state: String
        var uptime = Duration.zero
        switch link {
        case .connecting: state = "connecting"
        case .connected(let since):
            state = "connected"
            uptime = now - since
        case .reconnecting(let attempt): state = attempt == 1 ? "reconnecting" : "reconnecting (attempt \(attempt))"
        case .ended: state = "disconnected"
        }
        if stopping && link != .ended { state = "stopping" }
        self.init(
            target: target,
            state: state,
            uptime: uptime,
            totals: Traffic(up: snapshot.totalUp, down: snapshot.totalDown),
            rate: Traffic(up: rate.up, down: rate.down),
            flows: snapshot.flows.map { record in
                Flow(proto: record.proto.rawValue, source: record.source, destination: record.destination,
                     state: record.state.description, bytes: Traffic(up: record.bytesUp, down: record.bytesDown),
                     upAgo: record.lastUp.map { now - $0 }, downAgo: record.lastDown.map { now - $0 })
            },
            flowCount: snapshot.flowCount,
            lookups: snapshot.lookups.map { lookup in
                Lookup(name: lookup.name, type: lookup.type, outcome: lookup.outcome, answers: lookup.answers, ttl: lookup.ttl,
                       ago: now - lookup.at)
            },
            lastWarning: lastWarning,
            logPath: logPath,
            quitAgainStopsAtOnce: stopping && quitAgainStopsAtOnce && link != .ended
        )
    }
}
