/// Severity of a log line, in increasing order; mirrors swift-log's `Logger.Level`.
///
/// Used twice on the wire: in ``Hello`` the local side announces its level and the agent logs
/// at that level, and ``Frame/log(level:message:)`` carries agent log lines to the local side.
public enum LogLevel: UInt8, CaseIterable, Hashable, Sendable {
    /// Everything, including per-frame traces.
    case trace = 0
    /// Diagnostics for developers.
    case debug = 1
    /// Normal operation.
    case info = 2
    /// Noteworthy but normal events.
    case notice = 3
    /// Something went wrong but the session goes on.
    case warning = 4
    /// An operation failed.
    case error = 5
    /// The session cannot go on.
    case critical = 6
}
