/// Why asking one DNS server failed.
public enum DNSExchangeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No answer within the time allowed.
    case timedOut
    /// The server could not be reached (refused, unreachable, socket error).
    case unreachable(String)
    /// The server sent something that is not an answer to the query.
    case malformedAnswer

    public var description: String {
        switch self {
        case .timedOut: "timed out"
        case .unreachable(let detail): "unreachable: \(detail)"
        case .malformedAnswer: "malformed answer"
        }
    }
}
