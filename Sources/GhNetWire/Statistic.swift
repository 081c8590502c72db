/// One named counter in a ``Frame/statistics(_:)`` frame, e.g. `tcp.open` = 12.
public struct Statistic: Hashable, Sendable {
    /// Dotted counter name; names are free text so either side may add counters.
    public var name: String
    /// The counter's value.
    public var value: UInt64

    /// A counter from its parts.
    public init(_ name: String, _ value: UInt64) {
        self.name = name
        self.value = value
    }
}
