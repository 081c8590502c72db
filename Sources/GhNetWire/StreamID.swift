/// Identifies one TCP stream multiplexed over the connection.
///
/// The agent allocates stream identifiers, in increasing order, when it sends
/// ``Frame/tcpOpen(stream:source:destination:window:)``. An identifier stays bound to its stream
/// until both sides have finished with it (reset, or both half-closes acknowledged) and is never
/// reused within a session.
public struct StreamID: RawRepresentable, Hashable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// The identifier as carried on the wire.
    public let rawValue: UInt32

    /// Wraps a wire identifier.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Wraps an identifier written as an integer literal (convenient in tests and logs).
    public init(integerLiteral value: UInt32) { self.rawValue = value }

    /// `#` and the decimal identifier, e.g. `#42`.
    public var description: String { "#\(rawValue)" }
}
