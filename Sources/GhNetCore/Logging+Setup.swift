import Foundation
import Logging

/// Process-wide logging set-up, done once at start by the CLI.
public enum LogSetup {
    /// Errors opening the trace destination.
    public struct CannotOpen: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot open trace file \(path): \(reason)" }
    }

    /// Sends every logger's output to `path` (appending), or to stderr when `path` is nil,
    /// at `level`, and returns the sink; `.none` silences logging entirely (and returns nil).
    @discardableResult
    public static func bootstrap(level: TraceLevel, destination path: String?) throws -> LineLogHandler.Sink? {
        guard let loggerLevel = level.loggerLevel else {
            LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
            return nil
        }
        let fd = try path.map { try openLogFile($0, truncate: false) } ?? STDERR_FILENO
        let sink = LineLogHandler.Sink(fd: fd)
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, sink: sink, level: loggerLevel) }
        return sink
    }

    /// Opens (creating) a log file for writing: appended to, or emptied first.
    public static func openLogFile(_ path: String, truncate: Bool) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND), 0o644)
        guard fd >= 0 else { throw CannotOpen(path: path, reason: String(cString: strerror(errno))) }
        return fd
    }
}
