import Foundation
import Synchronization
import Testing
@testable import GhNetAgent

/// One agent at a time, the newest winning: the lock is taken over from a holder that stops
/// when asked, and a holder that will not stop is killed, then given up on.
@Suite struct AgentInstanceLockTests {
    /// A fresh lock path in a directory the lock must create itself.
    func makePath() -> String {
        NSTemporaryDirectory() + "ghnet-lock-\(UInt64.random(in: 0...UInt64.max))/agent.lock"
    }

    /// Another holder of the lock (flock locks belong to an open file, so a second open in this
    /// process contends like another process would), with `pid` written inside.
    func hold(_ path: String, pid: pid_t) throws -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        try #require(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        let text = Array("\(pid)\n".utf8)
        try #require(pwrite(fd, text, text.count, 0) == text.count)
        return fd
    }

    func contents(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    @Test func aFreeLockIsTakenAndNamesThisProcess() async throws {
        let path = makePath()
        let (lock, outcome) = try await AgentInstanceLock.acquire(path: path, isAgent: { _ in true }, signal: { _, _ in Issue.record("nobody to signal") })
        #expect(outcome == .free)
        #expect(contents(path) == "\(getpid())\n")
        var mode = stat()
        #expect(stat((path as NSString).deletingLastPathComponent, &mode) == 0 && mode.st_mode & 0o777 == 0o700, "root-only directory")
        withExtendedLifetime(lock) {}
    }

    @Test func aHolderThatStopsWhenAskedHandsItOver() async throws {
        let path = makePath()
        _ = try await AgentInstanceLock.acquire(path: path, isAgent: { _ in true }, signal: { _, _ in }).0  // creates the directory, released at once
        let holder = try hold(path, pid: 4242)
        var signals: [(pid_t, Int32)] = []
        let (lock, outcome) = try await AgentInstanceLock.acquire(path: path, isAgent: { $0 == 4242 }, signal: { pid, signal in
            signals.append((pid, signal))
            close(holder)  // the old agent cleans up and exits
        })
        #expect(outcome == .tookOver(pid: 4242, forced: false))
        #expect(signals.count == 1 && signals.first?.0 == 4242 && signals.first?.1 == AgentInstanceLock.takeoverSignal)
        #expect(contents(path) == "\(getpid())\n")
        withExtendedLifetime(lock) {}
    }

    @Test func aHolderThatIgnoresTheRequestIsKilled() async throws {
        let path = makePath()
        _ = try await AgentInstanceLock.acquire(path: path, isAgent: { _ in true }, signal: { _, _ in }).0
        let holder = try hold(path, pid: 4343)
        var signals: [Int32] = []
        let (lock, outcome) = try await AgentInstanceLock.acquire(path: path, patience: .milliseconds(200), isAgent: { _ in true },
                                                                  signal: { _, signal in
            signals.append(signal)
            if signal == SIGKILL { close(holder) }
        })
        #expect(outcome == .tookOver(pid: 4343, forced: true))
        #expect(signals == [AgentInstanceLock.takeoverSignal, SIGKILL])
        withExtendedLifetime(lock) {}
    }

    @Test func aHolderThatSurvivesEverythingIsAnErrorAndNothingElseIsSignalled() async throws {
        let path = makePath()
        _ = try await AgentInstanceLock.acquire(path: path, isAgent: { _ in true }, signal: { _, _ in }).0
        let holder = try hold(path, pid: 4444)
        defer { close(holder) }
        var signalled: [pid_t] = []
        await #expect(throws: AgentInstanceLock.LockError.self) {
            _ = try await AgentInstanceLock.acquire(path: path, patience: .milliseconds(100), isAgent: { _ in false },
                                                    signal: { pid, _ in signalled.append(pid) })
        }
        #expect(signalled.isEmpty, "a pid that is not an agent is never signalled")
    }

    @Test func onlyAnAgentCommandLineCounts() {
        func line(_ words: String...) -> [UInt8] { Array(words.joined(separator: "\0").utf8) + [0] }
        #expect(AgentInstanceLock.isAgentCommandLine(line("/root/.cache/gh-net/gh-net-0123", "agent", "--trace", "info")))
        #expect(AgentInstanceLock.isAgentCommandLine(line("gh-net", "agent")))
        #expect(!AgentInstanceLock.isAgentCommandLine(line("sudo", "-n", "/root/.cache/gh-net/gh-net-0123", "agent")), "its sudo is not")
        #expect(!AgentInstanceLock.isAgentCommandLine(line("gh-net", "start", "--ssh", "agent")))
        #expect(!AgentInstanceLock.isAgentCommandLine(line("agent")))
        #expect(!AgentInstanceLock.isAgentCommandLine([]))
        #expect(!AgentInstanceLock.runsAgent(getpid()), "the test runner is no agent")
        #expect(!AgentInstanceLock.runsAgent(0x7FFF_FFF0), "no such process")
    }

    @Test func aNewHolderIsAskedBeforeItIsEverKilled() async throws {
        let path = makePath()
        _ = try await AgentInstanceLock.acquire(path: path, isAgent: { _ in true }, signal: { _, _ in }).0
        let first = try hold(path, pid: 5151)
        var second: Int32 = -1
        var signals: [(pid_t, Int32)] = []
        let (lock, outcome) = try await AgentInstanceLock.acquire(path: path, patience: .milliseconds(300), isAgent: { _ in true },
                                                                  signal: { pid, signal in
            signals.append((pid, signal))
            if pid == 5151 {
                // The first holder stops, and another new agent wins the lock before us.
                close(first)
                second = (try? hold(path, pid: 5252)) ?? -1
            } else if pid == 5252, signal == SIGKILL {
                close(second)
            }
        })
        #expect(signals.map(\.0) == [5151, 5252, 5252])
        #expect(signals.map(\.1) == [AgentInstanceLock.takeoverSignal, AgentInstanceLock.takeoverSignal, SIGKILL],
                "the second holder is asked politely, and killed only after its patience")
        #expect(outcome == .tookOver(pid: 5252, forced: true))
        withExtendedLifetime(lock) {}
    }
}

extension AgentInstanceLockTests {
    /// An agent in another network namespace (the test hosts' codespace, say) has a lock of its
    /// own: a thread in a fresh namespace (root only) sees another path.
    @Test func theLockIsPerNetworkNamespace() throws {
        guard getuid() == 0 else { return }
        let here = AgentInstanceLock.defaultPath
        let elsewhere = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        typealias Unshare = @convention(c) (Int32) -> Int32
        let unshare = unsafeBitCast(try #require(dlsym(dlopen(nil, RTLD_NOW), "unshare")), to: Unshare.self)
        let thread = Thread {
            // unshare(CLONE_NEWNET) moves this thread only; the namespace goes with it.
            if unshare(0x4000_0000) == 0 { elsewhere.withLock { $0 = AgentInstanceLock.defaultPath } }
            done.signal()
        }
        thread.start()
        done.wait()
        let other = try #require(elsewhere.withLock { $0 })
        #expect(here.hasPrefix("/run/gh-net/agent-net") && other.hasPrefix("/run/gh-net/agent-net"))
        #expect(here != other)
    }
}

/// Runs: a reconnect's agent leaves another run's holder alone; a fresh start does not.
extension AgentInstanceLockTests {
    /// `path` held by `pid`, which recorded `run` (nil: no record, as an older build).
    func hold(_ path: String, pid: pid_t, run: String?) async throws -> Int32 {
        _ = try await AgentInstanceLock.acquire(path: path, isAgent: { _ in true }, signal: { _, _ in }).0  // creates the directory
        let holder = try hold(path, pid: pid)
        if let run {
            try "\(pid) \(run)\n".write(toFile: AgentInstanceLock.runPath(lockPath: path), atomically: true, encoding: .utf8)
        }
        return holder
    }

    @Test func aReconnectLeavesTheHolderOfAnotherRunAlone() async throws {
        let path = makePath()
        let holder = try await hold(path, pid: 4545, run: "aaaa")
        defer { close(holder) }
        var signalled: [pid_t] = []
        await #expect(throws: AgentInstanceLock.LockError.heldByOtherRun(pid: 4545)) {
            _ = try await AgentInstanceLock.acquire(path: path, run: "bbbb", sparingOtherRuns: true, isAgent: { _ in true },
                                                    signal: { pid, _ in signalled.append(pid) })
        }
        #expect(signalled.isEmpty)
    }

    @Test func aReconnectTakesOverTheHolderOfItsOwnRun() async throws {
        let path = makePath()
        let holder = try await hold(path, pid: 4646, run: "bbbb")
        let (lock, outcome) = try await AgentInstanceLock.acquire(path: path, run: "bbbb", sparingOtherRuns: true, isAgent: { _ in true },
                                                                  signal: { _, _ in close(holder) })
        #expect(outcome == .tookOver(pid: 4646, forced: false))
        #expect(AgentInstanceLock.recordedRun(of: getpid(), lockPath: path) == "bbbb", "the new holder's record")
        withExtendedLifetime(lock) {}
    }

    @Test func aHolderThatRecordedNoRunIsTakenOverEvenByAReconnect() async throws {
        let path = makePath()
        let holder = try await hold(path, pid: 4747, run: nil)
        // A record an earlier holder left names another pid: it says nothing about this one.
        try "1 aaaa\n".write(toFile: AgentInstanceLock.runPath(lockPath: path), atomically: true, encoding: .utf8)
        let (lock, outcome) = try await AgentInstanceLock.acquire(path: path, run: "bbbb", sparingOtherRuns: true, isAgent: { _ in true },
                                                                  signal: { _, _ in close(holder) })
        #expect(outcome == .tookOver(pid: 4747, forced: false))
        withExtendedLifetime(lock) {}
    }

    @Test func aFreshStartTakesOverAnotherRun() async throws {
        let path = makePath()
        let holder = try await hold(path, pid: 4848, run: "aaaa")
        let (lock, outcome) = try await AgentInstanceLock.acquire(path: path, run: "bbbb", isAgent: { _ in true },
                                                                  signal: { _, _ in close(holder) })
        #expect(outcome == .tookOver(pid: 4848, forced: false))
        withExtendedLifetime(lock) {}
    }

    @Test func aHolderWithoutARunRemovesTheRecordItFinds() async throws {
        let path = makePath()
        do {
            let (first, _) = try await AgentInstanceLock.acquire(path: path, run: "cccc", isAgent: { _ in true }, signal: { _, _ in })
            #expect(contents(AgentInstanceLock.runPath(lockPath: path)) == "\(getpid()) cccc\n")
            withExtendedLifetime(first) {}
        }
        let (second, _) = try await AgentInstanceLock.acquire(path: path, isAgent: { _ in true }, signal: { _, _ in })
        #expect(!FileManager.default.fileExists(atPath: AgentInstanceLock.runPath(lockPath: path)))
        withExtendedLifetime(second) {}
    }
}
