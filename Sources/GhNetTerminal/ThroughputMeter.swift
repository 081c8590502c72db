/// Current throughput from running byte totals: the rate over the last ``window`` of samples
/// (a few seconds), so one burst does not make the header flicker. Pure; holds a bounded
/// number of samples.
public struct ThroughputMeter: Sendable {
    private struct Sample {
        var at: ContinuousClock.Instant
        var up: UInt64
        var down: UInt64
    }

    /// How far back the rate looks.
    public let window: Duration
    /// The most samples kept (older ones go first).
    static let maximumSamples = 64
    private var samples: [Sample] = []

    /// How many samples are kept now.
    var sampleCount: Int { samples.count }

    public init(window: Duration = .seconds(2)) {
        self.window = window
    }

    /// Adds the totals seen at `now` and gives bytes per second up and down since the oldest
    /// sample inside the window (zero until two samples exist).
    public mutating func record(up: UInt64, down: UInt64, at now: ContinuousClock.Instant) -> (up: UInt64, down: UInt64) {
        samples.append(Sample(at: now, up: up, down: down))
        while samples.count > 2, let second = samples.dropFirst().first, now - second.at >= window { samples.removeFirst() }
        if samples.count > Self.maximumSamples { samples.removeFirst(samples.count - Self.maximumSamples) }
        guard let oldest = samples.first, samples.count >= 2 else { return (0, 0) }
        let elapsed = now - oldest.at
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        guard seconds > 0 else { return (0, 0) }
        func perSecond(_ new: UInt64, _ old: UInt64) -> UInt64 { new >= old ? UInt64(Double(new - old) / seconds) : 0 }
        return (perSecond(up, oldest.up), perSecond(down, oldest.down))
    }
}
