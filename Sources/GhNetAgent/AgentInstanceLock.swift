import Foundation
import GhNetCore
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
///
/// Newest means newest `gh-net start`, not newest transport: the holder records its run (the id
/// the local side gives every agent it starts, `--run`) in ``runPath(lockPath:)`` as `PID RUN`,
/// and an agent started for a reconnect does not take the lock from an agent of another run
/// (that run took the codespace over while this one's link was down). The record sits in a file
/// of its own so that builds which read only a pid from the lock file still read one.
final class AgentInstanceLock: Sendable {
    /// Where the lock lives: a root-only directory on the tmpfs that a reboot clears, one lock
    /// per network namespace (what the agent changes — device, routes, the resolv.conf that `ip
    /// netns exec` mounts — belongs to the namespace; agents in other namespaces of the same
    /// machine, such as the test hosts', are none of its business).
    static var defaultPath: String {
        var namespace = stat()
        let id = stat("/proc/thread-self/ns/net", &namespace) == 0 ? "net\(namespace.st_ino)" : "net"
        return "/run/gh-net/agent-\(id).lock"
    }
    /// The signal that asks a running agent to stop because a newer one takes over.
    static let takeoverSignal = StopSignals.takeover

    /// How the lock was had.
    enum Outcome: Equatable {
        /// Nobody held it.
        case free
        /// The agent `pid` held it and stopped when asked (`forced`: it had to be killed).
        case tookOver(pid: pid_t, forced: Bool)
    }

    /// Why the lock could not be had.
    enum LockError: Error, Equatable, CustomStringConvertible {
        case io(operation: String, path: String, errno: Int32)
        case stillHeld(pid: pid_t?, path: String)
        /// An agent of another gh-net run holds it, and this agent spares other runs.
        case heldByOtherRun(pid: pid_t)

        var description: String {
            switch self {
            case .io(let operation, let path, let code):
                "cannot \(operation) \(path): \(String(cString: strerror(code)))"
            case .stillHeld(let pid, let path):
                "another gh-net agent\(pid.map { " (pid \($0))" } ?? "") holds \(path) and did not stop when asked"
            case .heldByOtherRun(let pid):
                "the gh-net agent with pid \(pid) serves another gh-net run"
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

    /// Where the holder of the lock at `lockPath` records its run: `agent-net<inode>.run`.
    static func runPath(lockPath: String) -> String {
        (lockPath as NSString).deletingPathExtension + ".run"
    }

    /// Takes the lock, asking its holder to stop if there is one, and records `run` (if any) for
    /// the next agent. `sparingOtherRuns` (a reconnect): a holder that recorded a run other than
    /// `run` is left alone (``LockError/heldByOtherRun(pid:)``); one that recorded none (an older
    /// build) is taken over as ever. `patience` is how long a
    /// holder gets after the polite signal, and again after the kill. `isAgent` tells whether a
    /// pid read from the file is really a running agent (a pid is only signalled if so);
    /// `signal` delivers a signal. Both are replaceable for tests.
    static func acquire(path: String = defaultPath, patience: Duration = .seconds(20), run: String? = nil, sparingOtherRuns: Bool = false,
                        isAgent: (pid_t) -> Bool = runsAgent, signal: (pid_t, Int32) -> Void = { _ = kill($0, $1) }) async throws -> (AgentInstanceLock, Outcome) {
        let directory = (path as NSString).deletingLastPathComponent
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw LockError.io(operation: "create", path: directory, errno: errno)
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw LockError.io(operation: "open", path: path, errno: errno) }
        let lock = AgentInstanceLock(descriptor: descriptor)
        var outcome = Outcome.free
        // Whoever holds the lock is asked to stop, given `patience`, then killed and given
        // `patience` again. A holder that changes meanwhile (another new agent won the race)
        // is a new holder: it is asked politely first, never killed unasked.
        var asked: (pid: pid_t, killed: Bool, deadline: ContinuousClock.Instant)?
        // How long a holder that names no running agent (it has not written its pid yet, or is
        // no agent at all) may keep the lock.
        let giveUp = ContinuousClock.now + patience * 2
        while !lock.tryLock() {
            let now = ContinuousClock.now
            // The holder writes its pid right after locking: read it again each time.
            if let pid = lock.holderPid(), pid != getpid(), isAgent(pid) {
                if asked?.pid != pid {
                    if sparingOtherRuns, let theirs = recordedRun(of: pid, lockPath: path), theirs != run {
                        throw LockError.heldByOtherRun(pid: pid)
                    }
                    signal(pid, takeoverSignal)
                    asked = (pid, false, now + patience)
                } else if let current = asked, now >= current.deadline {
                    guard !current.killed else { throw LockError.stillHeld(pid: pid, path: path) }
                    signal(pid, SIGKILL)
                    asked = (pid, true, now + patience)
                }
            } else if now >= giveUp {
                throw LockError.stillHeld(pid: asked?.pid, path: path)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        if let asked { outcome = .tookOver(pid: asked.pid, forced: asked.killed) }
        // The run before the pid: whoever reads our pid finds our run beside it already.
        record(run: run, lockPath: path)
        let text = Array("\(getpid())\n".utf8)
        guard ftruncate(descriptor, 0) == 0, pwrite(descriptor, text, text.count, 0) == text.count else {
            throw LockError.io(operation: "write", path: path, errno: errno)
        }
        return (lock, outcome)
    }

    /// Writes `PID RUN` for this process (replacing the file whole), or removes a record left by
    /// an earlier holder when there is no run to record. Advisory: when it cannot be written,
    /// the record is removed, and this agent is taken over as one of an older build would be.
    private static func record(run: String?, lockPath: String) {
        let path = runPath(lockPath: lockPath)
        guard let run else {
            unlink(path)
            return
        }
        let temporary = path + ".\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let text = Array("\(getpid()) \(run)\n".utf8)
        let written = descriptor >= 0 ? write(descriptor, text, text.count) : -1
        if descriptor >= 0 { close(descriptor) }
        guard written == text.count, rename(temporary, path) == 0 else {
            unlink(temporary)
            unlink(path)
            return
        }
    }

    /// The run that `pid` recorded as holder, or nil when the record names another pid (an
    /// earlier holder's, or none: an older build) or is missing or malformed.
    static func recordedRun(of pid: pid_t, lockPath: String) -> String? {
        guard let data = FileManager.default.contents(atPath: runPath(lockPath: lockPath)) else { return nil }
        let words = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard words.count == 2, pid_t(words[0]) == pid else { return nil }
        return String(words[1])
    }

    /// True once ``tryLock()`` succeeded.
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

    /// True when `pid` runs gh-net's agent command, judged by its command line.
    static func runsAgent(_ pid: pid_t) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return isAgentCommandLine(Array(data))
    }

    /// True for the NUL-separated words of `/proc/PID/cmdline` of `<executable> agent …` — the
    /// agent itself, not the `sudo -n <executable> agent …` that may have started it.
    static func isAgentCommandLine(_ bytes: [UInt8]) -> Bool {
        let words = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        return words.count >= 2 && words[1] == "agent"
    }
}
