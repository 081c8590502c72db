import GhNetFlows
import GhNetWire

/// The servers the local side connected to lately, for answering an app's SYN at once.
///
/// A connection to a server that accepted one in the last ``freshness`` is all but sure to be
/// accepted again, so its SYN need not wait for the local `connect()`: the app's handshake and
/// first request then cost no round trip over SSH (the local side holds the early bytes until
/// its connect ends). Any other SYN — a first contact, or a server that refused, timed out or
/// was unreachable since — waits for the real outcome, so the app sees exactly what it would
/// see on the local machine. Pure: time comes in.
///
/// Bound: at most `capacity` servers; the least recently connected is forgotten first.
struct RecentConnects {
    /// How long a successful connect vouches for the server.
    static let freshness = Duration.seconds(30)

    private var table: FlowTable<Endpoint, Void>

    init(capacity: Int = 4096) {
        table = FlowTable(capacity: capacity, idleTimeout: Self.freshness)
    }

    /// A connect to `server` succeeded at `now`.
    mutating func succeeded(_ server: Endpoint, at now: ContinuousClock.Instant) {
        _ = table.insert(server, (), now: now)
    }

    /// A connect to `server` failed: the next SYN to it waits for the outcome again.
    mutating func failed(_ server: Endpoint) {
        _ = table.remove(server)
    }

    /// Whether a SYN to `server` may be answered before the local side connected.
    mutating func vouchesFor(_ server: Endpoint, at now: ContinuousClock.Instant) -> Bool {
        _ = table.expire(now: now)
        return table.peek(server) != nil
    }
}
