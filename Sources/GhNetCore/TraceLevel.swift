import GhNetWire
import Logging

/// The verbosity a user picks with `--trace`, with the original tool's value names.
public enum TraceLevel: String, CaseIterable, Sendable {
    /// No log output at all.
    case none
    /// Everything, including per-frame detail.
    case trace
    /// Diagnostic detail: the bootstrap, handshakes, paths taken.
    case debug
    /// What a user wants to know: connected, disconnected, what was skipped.
    case info
    /// Something went wrong but gh-net carries on.
    case warn
    /// Something failed.
    case error

    /// The swift-log level this maps to; `nil` for ``none`` (nothing is logged).
    public var loggerLevel: Logger.Level? {
        switch self {
        case .none: return nil
        case .trace: return .trace
        case .debug: return .debug
        case .info: return .info
        case .warn: return .warning
        case .error: return .error
        }
    }

    /// The trace level matching a swift-log level.
    public init(_ level: Logger.Level) {
        switch level {
        case .trace: self = .trace
        case .debug: self = .debug
        case .info, .notice: self = .info
        case .warning: self = .warn
        case .error, .critical: self = .error
        }
    }

    /// The level announced in the hello (the wire has no "none"; it maps to critical).
    public var wireLevel: LogLevel {
        switch self {
        case .none: return .critical
        case .trace: return .trace
        case .debug: return .debug
        case .info: return .info
        case .warn: return .warning
        case .error: return .error
        }
    }
}

extension LogLevel {
    /// The swift-log level for a level received on the wire.
    public var loggerLevel: Logger.Level {
        switch self {
        case .trace: return .trace
        case .debug: return .debug
        case .info: return .info
        case .notice: return .notice
        case .warning: return .warning
        case .error: return .error
        case .critical: return .critical
        }
    }
}
