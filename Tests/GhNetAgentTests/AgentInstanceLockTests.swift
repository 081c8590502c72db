import Foundation
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
        #expect(!AgentInstanceLock.runsAgent(getpid()), "the test runner is no agent")
        #expect(!AgentInstanceLock.runsAgent(0x7FFF_FFF0), "no such process")
    }
}

extension AgentInstanceLockTests {
    @Test func theLockIsPerNetworkNamespace() throws {
        var namespace = stat()
        try #require(stat("/proc/self/ns/net", &namespace) == 0)
        #expect(AgentInstanceLock.defaultPath == "/run/gh-net/agent-net\(namespace.st_ino).lock")
    }
}
