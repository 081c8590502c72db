import Foundation
import Logging

/// A swift-log handler that writes one timestamped line per event to a file descriptor:
/// `2026-11-25T09:30:01.123Z info  local: handshake complete protocol=1`.
///
/// Lines are written with one `write(2)` each under a lock, so lines from several threads never
/// interleave. It is used for stderr (`--gui false`, the agent) and for the `--trace-dest` file.
public struct LineLogHandler: LogHandler {
    /// Where lines go; shared by every logger made from the same bootstrap. It can be pointed
    /// elsewhere while the program runs (the full-screen view sends the log to a file while it
    /// owns the terminal), and it keeps the last warning for the view's bottom line.
    public final class Sink: @unchecked Sendable {
        private var fd: Int32
        private var warning: String?
        private let lock = NSLock()

        /// Wraps an open descriptor; the sink never closes it.
        public init(fd: Int32) { self.fd = fd }

        /// From now on, lines go to `fd` (which the caller keeps open).
        public func redirect(to fd: Int32) {
            lock.lock()
            defer { lock.unlock() }
            self.fd = fd
        }

        /// The message of the last warning or error logged, if any.
        public var lastWarning: String? {
            lock.lock()
            defer { lock.unlock() }
            return warning
        }

        func noteWarning(_ message: String) {
            lock.lock()
            defer { lock.unlock() }
            warning = message
        }

        /// Writes `line` plus a newline in one call; errors (a closed pipe) are ignored.
        public func write(_ line: String) {
            var bytes = Array(line.utf8)
            bytes.append(0x0A)
            lock.lock()
            defer { lock.unlock() }
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }

    private let label: String
    private let sink: Sink
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// A handler for `label` writing to `sink` at `level`.
    public init(label: String, sink: Sink, level: Logger.Level) {
        self.label = label
        self.sink = sink
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let fields = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        let name = TraceLevel(event.level).rawValue
        let level = name + String(repeating: " ", count: max(0, 5 - name.count))
        sink.write("\(LineLogHandler.timestamp()) \(level) \(label): \(event.message)\(fields)")
        if event.level >= .warning { sink.noteWarning("\(label): \(event.message)") }
    }

    /// UTC time with milliseconds, ISO 8601.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return timestamp(seconds: now.tv_sec, milliseconds: now.tv_nsec / 1_000_000)
    }

    /// `seconds` since the epoch and `milliseconds` as `1970-01-01T00:00:00.000Z` (built by
    /// hand: `String(format:)` cost a few percent of the local side's time per connection).
    static func timestamp(seconds: Int, milliseconds: Int) -> String {
        var seconds = seconds
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(Int(parts.tm_year) + 1900, 4))-\(padded(Int(parts.tm_mon) + 1, 2))-\(padded(Int(parts.tm_mday), 2))T"
            + "\(padded(Int(parts.tm_hour), 2)):\(padded(Int(parts.tm_min), 2)):\(padded(Int(parts.tm_sec), 2)).\(padded(milliseconds, 3))Z"
    }
}
