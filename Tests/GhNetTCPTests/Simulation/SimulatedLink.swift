import GhNetTCP

/// One direction of the simulated path: IP packets (as bytes) delayed by a base latency plus
/// random jitter (which reorders them), sometimes dropped, sometimes duplicated. Seeded, so a
/// run repeats exactly.
struct SimulatedLink {
    /// How the link misbehaves.
    struct Behaviour: CustomStringConvertible {
        var loss: Double
        var duplication: Double
        var latency: Duration
        var jitter: Duration

        var description: String {
            "loss \(loss), duplication \(duplication), latency \(latency), jitter \(jitter)"
        }
    }

    let behaviour: Behaviour
    private var random: SplitMix64
    /// Packets in flight with their arrival time; `order` keeps equal times stable.
    private var inFlight: [(arrival: TCPInstant, order: Int, packet: [UInt8])] = []
    private var sent = 0

    init(behaviour: Behaviour, seed: UInt64) {
        self.behaviour = behaviour
        random = SplitMix64(seed: seed)
    }

    /// Puts a packet on the link at `now`.
    mutating func send(_ packet: [UInt8], now: TCPInstant) {
        if random.chance(behaviour.loss) { return }
        let copies = random.chance(behaviour.duplication) ? 2 : 1
        for _ in 0..<copies {
            let jitter = behaviour.jitter == .zero
                ? Duration.zero
                : .nanoseconds(Int64.random(in: 0...Int64(behaviour.jitter.nanosecondsValue), using: &random))
            sent += 1
            inFlight.append((now + behaviour.latency + jitter, sent, packet))
        }
    }

    /// When the next packet arrives.
    var nextArrival: TCPInstant? {
        inFlight.min { ($0.arrival, $0.order) < ($1.arrival, $1.order) }?.arrival
    }

    /// Takes the next packet due by `now`.
    mutating func receive(now: TCPInstant) -> [UInt8]? {
        guard let index = inFlight.indices.min(by: {
            (inFlight[$0].arrival, inFlight[$0].order) < (inFlight[$1].arrival, inFlight[$1].order)
        }), inFlight[index].arrival <= now else { return nil }
        return inFlight.remove(at: index).packet
    }

    /// Nothing is in flight.
    var isIdle: Bool { inFlight.isEmpty }
}

extension Duration {
    /// Whole nanoseconds.
    var nanosecondsValue: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
    }
}
