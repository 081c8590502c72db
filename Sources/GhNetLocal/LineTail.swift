import Foundation

/// The last few lines a child printed, kept for error messages. Bounded: at most `capacity`
/// lines of at most 512 bytes each; older lines are dropped.
public final class LineTail: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private let capacity: Int

    public init(capacity: Int) { self.capacity = capacity }

    /// Adds a line, dropping the oldest when full.
    public func append(_ line: String) {
        let trimmed = line.count > 512 ? String(line.prefix(512)) + "…" : line
        lock.lock()
        defer { lock.unlock() }
        lines.append(trimmed)
        if lines.count > capacity { lines.removeFirst(lines.count - capacity) }
    }

    /// The kept lines, oldest first.
    public var snapshot: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }
}
