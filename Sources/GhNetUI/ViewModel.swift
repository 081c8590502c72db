/// Everything the connected view shows at one moment. The local side builds one per redraw from
/// its flow registry and DNS log; ``ConnectedLayout`` turns it into text.
public struct ViewModel: Sendable, Equatable {
    /// Bytes in each direction: `up` from the codespace to the destination, `down` back.
    public struct Traffic: Sendable, Equatable {
        public var up: UInt64
        public var down: UInt64
        public init(up: UInt64 = 0, down: UInt64 = 0) {
            self.up = up
            self.down = down
        }
    }

    /// One NAT record: a codespace flow and what it carried.
    public struct Flow: Sendable, Equatable {
        /// `TCP`, `UDP` or `ICMP`.
        public var proto: String
        /// The codespace app's endpoint, e.g. `198.18.0.2:40312` or `[2001:db8::2]:40312`.
        public var source: String
        /// Where it goes, e.g. `198.18.2.10:80`.
        public var destination: String
        /// `connecting`, `open`, `closing`, `closed`, `refused`, `active`, `expired`, ...
        public var state: String
        public var bytes: Traffic
        /// Time since the last byte in each direction; nil when none has moved yet.
        public var upAgo: Duration?
        public var downAgo: Duration?

        public init(proto: String, source: String, destination: String, state: String, bytes: Traffic,
                    upAgo: Duration?, downAgo: Duration?) {
            self.proto = proto
            self.source = source
            self.destination = destination
            self.state = state
            self.bytes = bytes
            self.upAgo = upAgo
            self.downAgo = downAgo
        }
    }

    /// One DNS lookup the bridge answered.
    public struct Lookup: Sendable, Equatable {
        /// The name asked for, without the final dot.
        public var name: String
        /// `A`, `AAAA`, `MX`, ...
        public var type: String
        /// `NOERROR`, `NXDOMAIN`, `NODATA`, `SERVFAIL`, ...
        public var outcome: String
        /// The answers in presentation form (`198.18.2.10`, `10 mail.corp.example.`); empty for a negative answer.
        public var answers: [String]
        /// The smallest TTL of the answers, nil when there are none.
        public var ttl: UInt32?
        /// Time since the lookup.
        public var ago: Duration

        public init(name: String, type: String, outcome: String, answers: [String], ttl: UInt32?, ago: Duration) {
            self.name = name
            self.type = type
            self.outcome = outcome
            self.answers = answers
            self.ttl = ttl
            self.ago = ago
        }
    }

    /// What the bridge is connected to, e.g. `codespace fuzzy-potato-123` or `root@cs`.
    public var target: String
    /// `connecting`, `connected`, `reconnecting`, `stopping`, ...
    public var state: String
    public var uptime: Duration
    /// Bytes moved since the start.
    public var totals: Traffic
    /// Current bytes per second.
    public var rate: Traffic
    /// NAT records, newest first (the model may hold more than fit; the layout cuts).
    public var flows: [Flow]
    /// How many NAT records exist in all (at least `flows.count`).
    public var flowCount: Int
    /// DNS lookups, newest first.
    public var lookups: [Lookup]
    /// The last warning or error logged, shown at the bottom.
    public var lastWarning: String?
    /// Where the log goes while the view is up.
    public var logPath: String?
    /// The user asked to stop, gh-net is still cleaning up, and the quit key again would now stop
    /// it without waiting: the key help says so.
    public var quitAgainStopsAtOnce: Bool

    public init(target: String, state: String, uptime: Duration, totals: Traffic, rate: Traffic, flows: [Flow], flowCount: Int,
                lookups: [Lookup], lastWarning: String?, logPath: String?, quitAgainStopsAtOnce: Bool = false) {
        self.target = target
        self.state = state
        self.uptime = uptime
        self.totals = totals
        self.rate = rate
        self.flows = flows
        self.flowCount = flowCount
        self.lookups = lookups
        self.lastWarning = lastWarning
        self.logPath = logPath
        self.quitAgainStopsAtOnce = quitAgainStopsAtOnce
    }
}
