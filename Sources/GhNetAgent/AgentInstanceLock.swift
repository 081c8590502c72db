import Foundation
import Synchronization

/// One agent per codespace (network namespace) at a time, the newest winning: the agent holds an
/// exclusive `flock` on ``defaultPath`` (its pid written inside) for as long as it runs. A new agent — the local
/// side reconnecting after a lost link, or a second `gh-net start` against the same codespace —
/// finds the lock held and asks the holder to stop with ``takeoverSignal``; the holder says
/// goodbye to its local side (which then ends instead of reconnecting, so two laptops never take
/// turns) and removes its device, routes and DNS hook; its exit releases the lock. A holder that
/// does not let go within the patience is killed (the next agent start then restores the DNS
/// hook it left behind; the kernel removes its device and routes with it).
///
/// Without this, an agent whose link died silently would still be running, waiting to notice,
/// when the reconnected one starts: both would route the same prefixes, and the old one's exit
/// would put back a resolv.conf under the new one.
final class AgentInstanceLock: Sendable {
    /// Where the lock lives: a root-only directory on the tmpfs that a reboot clears, one lock
    /// per network namespace (what the agent changes — device, routes, the resolv.conf that `ip
    /// netns exec` mounts — belongs to the namespace; agents in other namespaces of the same
    /// machine, such as the test hosts', are none of its business).
    static var defaultPath: String {
        var namespace = stat()
        let id = stat("/proc/self/ns/net", &namespace) == 0 ? "net\(namespace.st_ino)" : "net"
        return "/run/gh-net/agent-\(id).lock"
    }
    /// The signal that asks a running agent to stop because a newer one takes over.
    static let takeoverSignal = SIGUSR1

    /// How the lock was had.
    enum Outcome: Equatable {
        /// Nobody held it.
        case free
        /// The agent `pid` held it and stopped when asked (`forced`: it had to be killed).
        case tookOver(pid: pid_t, forced: Bool)
    }

    /// Why the lock could not be had.
    enum LockError: Error, CustomStringConvertible {
        case io(operation: String, path: String, errno: Int32)
        case stillHeld(pid: pid_t?, path: String)

        var description: String {
            switch self {
            case .io(let operation, let path, let code):
                "cannot \(operation) \(path): \(String(cString: strerror(code)))"
            case .stillHeld(let pid, let path):
                "another gh-net agent\(pid.map { " (pid \($0))" } ?? "") holds \(path) and did not stop when asked"
            }
        }
    }

    /// The open lock file; closing it (at exit) releases the lock.
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Takes the lock, asking its holder to stop if there is one. `patience` is how long a
    /// holder gets after the polite signal, and again after the kill. `isAgent` tells whether a
    /// pid read from the file is really a running agent (a pid is only signalled if so);
    /// `signal` delivers a signal. Both are replaceable for tests.
    static func acquire(path: String = defaultPath, patience: Duration = .seconds(20),
                        isAgent: (pid_t) -> Bool = runsAgent, signal: (pid_t, Int32) -> Void = { _ = kill($0, $1) }) async throws -> (AgentInstanceLock, Outcome) {
        let directory = (path as NSString).deletingLastPathComponent
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw LockError.io(operation: "create", path: directory, errno: errno)
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw LockError.io(operation: "open", path: path, errno: errno) }
        let lock = AgentInstanceLock(descriptor: descriptor)
        var outcome = Outcome.free
        if !lock.tryLock() {
            var asked: pid_t?
            for force in [false, true] {
                let deadline = ContinuousClock.now + patience
                var signalled = false
                while !lock.tryLock() {
                    // The holder writes its pid right after locking: read it again until it
                    // names a running agent, and signal that one once.
                    if !signalled, let pid = lock.holderPid(), pid != getpid(), isAgent(pid) {
                        signal(pid, force ? SIGKILL : takeoverSignal)
                        (signalled, asked) = (true, pid)
                    }
                    guard ContinuousClock.now < deadline else { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                if lock.locked {
                    outcome = .tookOver(pid: asked ?? 0, forced: force)
                    break
                }
            }
            guard lock.locked else { throw LockError.stillHeld(pid: asked, path: path) }
        }
        let text = Array("\(getpid())\n".utf8)
        guard ftruncate(descriptor, 0) == 0, pwrite(descriptor, text, text.count, 0) == text.count else {
            throw LockError.io(operation: "write", path: path, errno: errno)
        }
        return (lock, outcome)
    }

    /// True once ``tryLock()`` succeeded.
    private var locked: Bool { lockedState.withLock { $0 } }
    private let lockedState = Mutex(false)

    /// One non-blocking attempt.
    private func tryLock() -> Bool {
        lockedState.withLock { locked in
            if !locked, flock(descriptor, LOCK_EX | LOCK_NB) == 0 { locked = true }
            return locked
        }
    }

    /// The pid the holder wrote, if the file holds one.
    private func holderPid() -> pid_t? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &bytes, bytes.count, 0)
        guard count > 0 else { return nil }
        let text = String(decoding: bytes[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pid = pid_t(text), pid > 0 else { return nil }
        return pid
    }

    /// True when `pid` runs `… agent …` (gh-net's agent command), judged by its command line.
    static func runsAgent(_ pid: pid_t) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return words.count >= 2 && words[1] == "agent"
    }
}
