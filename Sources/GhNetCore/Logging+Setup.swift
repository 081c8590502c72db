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
    /// at `level`; `.none` silences logging entirely.
    public static func bootstrap(level: TraceLevel, destination path: String?) throws {
        guard let loggerLevel = level.loggerLevel else {
            LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
            return
        }
        var fd = STDERR_FILENO
        if let path {
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw CannotOpen(path: path, reason: String(cString: strerror(errno))) }
        }
        let sink = LineLogHandler.Sink(fd: fd)
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, sink: sink, level: loggerLevel) }
    }
}
