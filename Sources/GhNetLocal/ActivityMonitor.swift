import Foundation
import GhNetUI
import Logging
import Synchronization

/// What the bridge is doing right now, for the connected view and the event log: one NAT record
/// per flow (TCP stream, UDP flow, ping flow) with its state and the bytes it carried each way,
/// the lookups this machine answered, and running totals.
///
/// The relays report to it (``opened(_:source:destination:state:)``, ``carried(_:up:)``,
/// ``carried(_:down:)``, ``changed(_:to:)``, ``ended(_:as:)``, ``answered(_:)``); the view
/// reads a ``Snapshot``. Every open and end is also one info log line, so `--gui false` shows the
/// same events as plain lines.
///
/// Bounds: at most `capacity` records. An ended record stays for a short time (``linger(after:)``)
/// so the view can show how it ended, then goes; when the table is full a new flow first pushes
/// out the oldest ended record, and if none has ended, the oldest record (it stops being shown;
/// the flow itself is unaffected). At most ``lookupCapacity`` lookups are kept, oldest dropped.
public final class ActivityMonitor: Sendable {
    /// The transport of a flow.
    public enum FlowProtocol: String, Sendable {
        case tcp = "TCP"
        case udp = "UDP"
        case icmp = "ICMP"
    }

    /// Where a flow is in its life, as shown in the NAT panel.
    public enum FlowState: Sendable, Equatable, CustomStringConvertible {
        /// TCP: the local `connect()` is running; the app's SYN is held.
        case connecting
        /// TCP: connected, both directions open.
        case open
        /// TCP: one direction has finished (a FIN), the other still carries data.
        case halfClosed
        /// UDP and ping: the NAT record exists and carries datagrams.
        case active
        /// TCP: both directions finished cleanly.
        case closed
        /// TCP: the connection was reset (by either end, or because the link ended).
        case reset
        /// UDP and ping: idle for the timeout (or pushed out of a full table); the socket is closed.
        case expired
        /// The flow could not be set up: `refused`, `unreachable`, `timed out`, `blocked` (policy)…
        case failed(String)

        public var description: String {
            switch self {
            case .connecting: "connecting"
            case .open: "open"
            case .halfClosed: "half-closed"
            case .active: "active"
            case .closed: "closed"
            case .reset: "reset"
            case .expired: "expired"
            case .failed(let why): why
            }
        }
    }

    /// The state of the link to the agent, as the header shows it.
    public enum LinkState: Sendable, Equatable {
        /// Starting the transport, delivering the agent, handshaking.
        case connecting
        /// The handshake completed at `since`; flows are served.
        case connected(since: ContinuousClock.Instant)
        /// A session that was up was lost; waiting before, or making, new attempt `attempt`
        /// (1 for the first since the loss).
        case reconnecting(attempt: Int)
        /// The session is over (stopped, or the link failed).
        case ended
    }

    /// A flow's handle for the reports that follow its opening; reports for a record that is no
    /// longer kept are ignored.
    public struct FlowID: Hashable, Sendable {
        let value: UInt64
    }

    /// One NAT record as the view shows it.
    public struct FlowRecord: Sendable, Equatable {
        public var proto: FlowProtocol
        /// The codespace app's side, e.g. `198.18.0.2:40312`.
        public var source: String
        /// Where it goes, e.g. `198.18.2.10:80`.
        public var destination: String
        public var state: FlowState
        /// Bytes from the codespace to the destination.
        public var bytesUp: UInt64 = 0
        /// Bytes from the destination back to the codespace.
        public var bytesDown: UInt64 = 0
        public var lastUp: ContinuousClock.Instant?
        public var lastDown: ContinuousClock.Instant?
        public var opened: ContinuousClock.Instant
        /// When an ended record is removed.
        var removeAt: ContinuousClock.Instant?

        mutating func carried(_ count: UInt64, up: Bool, at now: ContinuousClock.Instant) {
            if up {
                bytesUp &+= count
                lastUp = now
            } else {
                bytesDown &+= count
                lastDown = now
            }
        }
    }

    /// One lookup answered by this machine for the codespace.
    public struct Lookup: Sendable, Equatable {
        /// The name asked for, without the final dot.
        public var name: String
        /// `A`, `AAAA`, `MX`…
        public var type: String
        /// `NOERROR`, `NXDOMAIN`, `NODATA`, `SERVFAIL`…
        public var outcome: String
        /// The answers in presentation form.
        public var answers: [String]
        /// The smallest TTL of the answers.
        public var ttl: UInt32?
        public var at: ContinuousClock.Instant

        public init(name: String, type: String, outcome: String, answers: [String], ttl: UInt32?, at: ContinuousClock.Instant) {
            self.name = name
            self.type = type
            self.outcome = outcome
            self.answers = answers
            self.ttl = ttl
            self.at = at
        }
    }

    /// What the view needs at one moment.
    public struct Snapshot: Sendable {
        /// The newest records first, at most the number asked for.
        public var flows: [FlowRecord]
        /// How many records exist.
        public var flowCount: Int
        /// The newest lookups first, at most the number asked for.
        public var lookups: [Lookup]
        /// Bytes since the start, from the codespace (up) and to it (down).
        public var totalUp: UInt64
        public var totalDown: UInt64
        public var taken: ContinuousClock.Instant
    }

    private struct State {
        var records: [UInt64: FlowRecord] = [:]
        var nextID: UInt64 = 1
        var lookups: [Lookup] = []
        var totalUp: UInt64 = 0
        var totalDown: UInt64 = 0
        var link = LinkState.connecting
    }

    /// The most records kept.
    public let capacity: Int
    /// The most lookups kept.
    public static let lookupCapacity = 256
    private let state = Mutex(State())
    private let logger: Logger

    public init(capacity: Int = 32_768, logger: Logger) {
        self.capacity = max(1, capacity)
        self.logger = logger
    }

    /// How long an ended record stays visible: a clean TCP close briefly, a failure or an expired
    /// datagram flow long enough to be read.
    static func linger(after state: FlowState) -> Duration {
        switch state {
        case .closed: .seconds(3)
        case .failed, .reset: .seconds(20)
        default: .seconds(5)
        }
    }

    /// The link moved on.
    public func linkChanged(to new: LinkState) {
        state.withLock { $0.link = new }
    }

    /// Where the link is now.
    public var link: LinkState { state.withLock { $0.link } }

    /// A new flow; logged.
    public func opened(_ proto: FlowProtocol, source: String, destination: String, state initial: FlowState) -> FlowID {
        let now = ContinuousClock.now
        let id = state.withLock { state -> UInt64 in
            if state.records.count >= capacity { Self.makeRoom(in: &state) }
            let id = state.nextID
            state.nextID += 1
            state.records[id] = FlowRecord(proto: proto, source: source, destination: destination, state: initial, opened: now)
            return id
        }
        logger.info("\(proto.rawValue.lowercased()) \(source) → \(destination) \(initial)")
        return FlowID(value: id)
    }

    /// A flow that never got going (refused by policy, no route…): one ended record, one log line.
    public func failed(_ proto: FlowProtocol, source: String, destination: String, reason: String) {
        let now = ContinuousClock.now
        state.withLock { state in
            if state.records.count >= capacity { Self.makeRoom(in: &state) }
            var record = FlowRecord(proto: proto, source: source, destination: destination, state: .failed(reason), opened: now)
            record.removeAt = now + Self.linger(after: record.state)
            state.records[state.nextID] = record
            state.nextID += 1
        }
        logger.info("\(proto.rawValue.lowercased()) \(source) → \(destination) \(reason)")
    }

    /// Drops the oldest ended record, else the oldest record.
    private static func makeRoom(in state: inout State) {
        var victim: UInt64?
        var oldestEnded: UInt64?
        for (id, record) in state.records {
            if victim == nil || id < victim! { victim = id }
            if record.removeAt != nil, oldestEnded == nil || id < oldestEnded! { oldestEnded = id }
        }
        if let id = oldestEnded ?? victim { state.records[id] = nil }
    }

    /// `count` bytes went from the codespace to the destination.
    public func carried(_ id: FlowID, up count: Int) {
        carried(id, count, up: true)
    }

    /// `count` bytes came back from the destination to the codespace.
    public func carried(_ id: FlowID, down count: Int) {
        carried(id, count, up: false)
    }

    private func carried(_ id: FlowID, _ count: Int, up: Bool) {
        let now = ContinuousClock.now
        state.withLock { state in
            if up { state.totalUp &+= UInt64(count) } else { state.totalDown &+= UInt64(count) }
            state.records[id.value]?.carried(UInt64(count), up: up, at: now)
        }
    }

    /// A live flow moved on (e.g. connecting → open).
    public func changed(_ id: FlowID, to new: FlowState) {
        state.withLock { state in
            guard state.records[id.value]?.removeAt == nil else { return }
            state.records[id.value]?.state = new
        }
    }

    /// The flow is over; its record lingers a moment, then goes. Logged with what it carried.
    /// Only the first end counts.
    public func ended(_ id: FlowID, as final: FlowState) {
        let now = ContinuousClock.now
        let record = state.withLock { state -> FlowRecord? in
            guard var record = state.records[id.value], record.removeAt == nil else { return nil }
            record.state = final
            record.removeAt = now + Self.linger(after: final)
            state.records[id.value] = record
            return record
        }
        guard let record else { return }
        let seconds = Double((now - record.opened).components.attoseconds) / 1e18 + Double((now - record.opened).components.seconds)
        logger.info("""
            \(record.proto.rawValue.lowercased()) \(record.source) → \(record.destination) \(final) \
            (up \(Format.bytes(record.bytesUp)), down \(Format.bytes(record.bytesDown)), \(Format.oneDecimal(seconds)) s)
            """)
    }

    /// This machine answered a lookup for the codespace; logged.
    public func answered(_ lookup: Lookup) {
        state.withLock { state in
            state.lookups.append(lookup)
            if state.lookups.count > Self.lookupCapacity { state.lookups.removeFirst(state.lookups.count - Self.lookupCapacity) }
        }
        let answers = lookup.answers.isEmpty ? "" : ": " + lookup.answers.joined(separator: ", ")
        let ttl = lookup.ttl.map { " (ttl \($0))" } ?? ""
        logger.info("dns \(lookup.name) \(lookup.type) \(lookup.outcome)\(answers)\(ttl)")
    }

    /// Removes ended records whose time is up; call about once a second.
    public func sweep(now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            state.records = state.records.filter { _, record in record.removeAt.map { $0 > now } ?? true }
        }
    }

    /// The newest `maxFlows` records and `maxLookups` lookups, and the totals.
    public func snapshot(maxFlows: Int, maxLookups: Int) -> Snapshot {
        let now = ContinuousClock.now
        return state.withLock { state in
            let ids = state.records.keys.sorted(by: >).prefix(max(0, maxFlows))
            return Snapshot(flows: ids.map { state.records[$0]! }, flowCount: state.records.count,
                            lookups: Array(state.lookups.suffix(max(0, maxLookups)).reversed()),
                            totalUp: state.totalUp, totalDown: state.totalDown, taken: now)
        }
    }
}
