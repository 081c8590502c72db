import Foundation
import GhNetCore
import Logging
import NIOCore
import NIOPosix
import Subprocess
import SystemPackage

/// The child process that carries the byte stream to the remote (`ssh …`, `gh codespace ssh …`
/// or a `--via` prefix). swift-subprocess spawns it; SwiftNIO drives its stdin/stdout as one
/// channel; its stderr is always drained line by line into the log and the last lines are
/// kept for error messages.
///
/// The child stays in our process group and keeps the controlling terminal, so ssh can ask for a
/// host-key confirmation or a passphrase on /dev/tty before anything full-screen starts. It runs
/// with SIGINT and SIGHUP ignored (a `trap` of `/bin/sh`, which then `exec`s it; ssh leaves
/// signals it finds ignored alone): Ctrl-C at the terminal, or the terminal closing, reaches the
/// whole group, and an ssh dying of it at once would cut off the goodbye that tells the agent to
/// clean up — the agent would then keep the session for the local side to come back
/// (`--resume-grace`). gh-net ends the transport itself after the goodbye (SIGTERM still works).
public final class TransportProcess: Sendable {
    /// Bytes to and from the remote program's stdin/stdout, on one event loop.
    public let link: FrameLink
    /// The last lines the child wrote on stderr.
    public let stderrTail: LineTail
    /// Process id of the child.
    public let pid: pid_t
    private let exit: Task<TerminationStatus, any Error>
    /// Completes once everything the child wrote on stderr has been read into ``stderrTail``.
    private let stderrClosed: EventLoopFuture<Void>
    /// Ends (finishes) when ``stopWaiting()`` is called: ``stop(grace:)`` then waits no longer.
    /// A stop's wait on it, cancelled when the child ends, ends it too: hence one stop per transport.
    private let hurried = AsyncStream<Void>.makeStream()

    /// Spawning failed before the child ran (e.g. the program is not on PATH).
    public struct LaunchFailed: Error, CustomStringConvertible {
        public let program: String
        public let reason: String
        public var description: String { "cannot run \(program): \(reason)" }
    }

    /// Starts `argv` with pipes for stdin, stdout and stderr; the link to its stdin/stdout runs
    /// on `loop`.
    public static func launch(argv: [String], loop: any EventLoop, logger: Logger) async throws -> TransportProcess {
        precondition(!argv.isEmpty)
        let stdinPipe = try StreamChannel.make(), stdoutPipe = try StreamChannel.make(), stderrPipe = try Pipe.make()
        let tail = LineTail(capacity: 20)
        let pidBox = PidBox()
        guard let program = Self.locate(argv[0]) else {
            throw LaunchFailed(program: argv[0], reason: argv[0].contains("/") ? "not an executable file" : "not found on PATH")
        }
        let stdinRead = stdinPipe.read, stdoutWrite = stdoutPipe.write, stderrWrite = stderrPipe.write
        let exit = Task<TerminationStatus, any Error> {
            let result = try await Subprocess.run(
                .path(FilePath("/bin/sh")),
                arguments: Arguments(["-c", "trap '' INT HUP; exec \"$@\"", "sh", program] + argv.dropFirst()),
                input: .fileDescriptor(FileDescriptor(rawValue: stdinRead), closeAfterSpawningProcess: true),
                output: .fileDescriptor(FileDescriptor(rawValue: stdoutWrite), closeAfterSpawningProcess: true),
                error: .fileDescriptor(FileDescriptor(rawValue: stderrWrite), closeAfterSpawningProcess: true)
            ) { execution in
                pidBox.set(execution.processIdentifier.value)
            }
            return result.terminationStatus
        }
        let pid: pid_t
        do {
            pid = try await pidBox.wait(orFailureOf: exit)
        } catch {
            for fd in [stdinPipe.write, stdoutPipe.read, stderrPipe.read] { close(fd) }
            throw LaunchFailed(program: argv[0], reason: "\(error)")
        }
        let remoteLogger = Logger(label: "remote")
        let stderrClosed = try await NIOPipeBootstrap(group: loop).takingOwnershipOfDescriptor(input: stderrPipe.read) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(StderrLineHandler(tail: tail, logger: remoteLogger))
                return channel.closeFuture
            }
        }
        let link = try await FrameLink.configure(NIOPipeBootstrap(group: loop))
            .takingOwnershipOfDescriptors(input: stdoutPipe.read, output: stdinPipe.write) { channel in
                channel.eventLoop.makeCompletedFuture { try FrameLink.install(on: channel, holdsInputWhenBacklogged: true) }
            }
        logger.debug("transport started", metadata: ["pid": "\(pid)", "command": "\(argv.map(ShellWords.quote).joined(separator: " "))"])
        return TransportProcess(link: link, stderrTail: tail, pid: pid, exit: exit, stderrClosed: stderrClosed)
    }

    /// The executable `name` runs: itself when it holds a slash, else the first executable file
    /// of that name on PATH; nil when there is none.
    static func locate(_ name: String) -> String? {
        if name.contains("/") { return isExecutableFile(name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + name
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    /// A regular file with an execute bit that we may execute (root may run any such file).
    private static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && info.st_mode & 0o111 != 0 && access(path, X_OK) == 0
    }

    private init(link: FrameLink, stderrTail: LineTail, pid: pid_t, exit: Task<TerminationStatus, any Error>,
                 stderrClosed: EventLoopFuture<Void>) {
        self.link = link
        self.stderrClosed = stderrClosed
        self.stderrTail = stderrTail
        self.pid = pid
        self.exit = exit
    }

    /// Waits for the child to end and gives its status (`nil` if it could not be observed).
    public func waitForExit() async -> TerminationStatus? {
        try? await exit.value
    }

    /// Waits up to `grace` for the child to end by itself (after its stdin was closed), then
    /// sends SIGTERM, and SIGKILL a second later. Gives the final status. ``stopWaiting()``, before
    /// or during the grace, ends the grace at once. Called once per transport.
    public func stop(grace: Duration) async -> TerminationStatus? {
        let exit = self.exit
        let pid = self.pid
        let hurried = self.hurried.stream
        return await withTaskGroup(of: TerminationStatus?.self) { group in
            group.addTask { try? await exit.value }
            group.addTask {
                // The grace, or less once the stream of hurries ends.
                _ = await withTimeLimit(grace) { for await _ in hurried {}; return () }
                // Cancelled once the child has ended: its pid may belong to another process by then.
                guard !Task.isCancelled else { return nil }
                kill(pid, SIGTERM)
                do { try await Task.sleep(for: .seconds(1)) } catch { return nil }
                kill(pid, SIGKILL)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            let status = first != nil ? first : try? await exit.value
            await drainStderr()
            return status
        }
    }

    /// Ends the grace of a ``stop(grace:)`` under way, or of the next one: the child is sent
    /// SIGTERM without waiting for it to end by itself (a user's second stop).
    public func stopWaiting() {
        hurried.continuation.finish()
    }

    /// Waits (at most a second: a grandchild may hold the pipe) until the child's last stderr
    /// lines are in ``stderrTail``, so the message about how it ended can quote them.
    private func drainStderr() async {
        // Not a task group: waiting on a future cannot be cancelled, and a group waits for all
        // its tasks, so a grandchild that keeps stderr open (ssh's ProxyCommand, a shell's
        // child) would hold us until it exits.
        let loop = stderrClosed.eventLoop
        let drained = loop.makePromise(of: Void.self)
        stderrClosed.cascade(to: drained)
        let deadline = loop.scheduleTask(in: .seconds(1)) { drained.succeed(()) }
        try? await drained.futureResult.get()
        deadline.cancel()
    }
}

/// One direction of the byte stream between us and the child: a Unix stream socket pair used
/// one way, read end and write end, both close-on-exec (swift-subprocess dups the child's end into
/// place).
///
/// Not a pipe: a pipe wakes its writer as soon as one page is free, so while ssh reads its 32 KiB
/// at a time from a full pipe, we were woken (and wrote 32 KiB) for every read it made — the
/// whole download path paid a wake-up per 32 KiB. A socket wakes its writer only once three
/// quarters of its buffer are free, so each wake-up moves hundreds of KiB.
private enum StreamChannel {
    /// The send buffer asked for on our end (the kernel caps it at `net.core.wmem_max`, doubled).
    static let sendBuffer: Int32 = 1 << 20

    static func make() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw TransportProcess.LaunchFailed(program: "socketpair", reason: String(cString: strerror(errno)))
        }
        for (fd, option) in [(fds[1], SO_SNDBUF), (fds[0], SO_RCVBUF)] {
            var size = sendBuffer
            _ = setsockopt(fd, SOL_SOCKET, option, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        // Used one way: fds[0] is read, fds[1] written.
        _ = shutdown(fds[0], Int32(SHUT_WR))
        _ = shutdown(fds[1], Int32(SHUT_RD))
        return (fds[0], fds[1])
    }
}

/// A pipe's two descriptors, both close-on-exec (swift-subprocess dups the child's ends into place).
private enum Pipe {
    static func make() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw TransportProcess.LaunchFailed(program: "pipe", reason: String(cString: strerror(errno)))
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        PipeCapacity.enlarge(fds[1])
        return (fds[0], fds[1])
    }
}

/// Hands the child's pid from swift-subprocess's body closure to the launcher. Whichever comes
/// first — the pid, or the spawn's failure — is kept until the launcher asks, so a spawn that
/// fails before the launcher waits is still reported.
final class PidBox: @unchecked Sendable {
    private let lock = NSLock()
    private var pid: pid_t?
    private var failure: (any Error)?
    private var waiter: CheckedContinuation<pid_t, any Error>?

    func set(_ value: pid_t) {
        lock.lock()
        if let waiter { self.waiter = nil; lock.unlock(); waiter.resume(returning: value); return }
        pid = value
        lock.unlock()
    }

    /// The pid once known; throws the spawn error if the task ends first.
    func wait(orFailureOf task: Task<TerminationStatus, any Error>) async throws -> pid_t {
        let watcher = Task {
            do { _ = try await task.value } catch { self.fail(error) }
        }
        defer { _ = watcher }
        return try await withCheckedThrowingContinuation { continuation in
            lock.lock()
            if let pid { lock.unlock(); continuation.resume(returning: pid); return }
            if let failure { lock.unlock(); continuation.resume(throwing: failure); return }
            waiter = continuation
            lock.unlock()
        }
    }

    /// The spawn failed: the waiting launcher gets `error`, or the next one to wait does.
    func fail(_ error: any Error) {
        lock.lock()
        guard let waiter else {
            if pid == nil { failure = error }
            lock.unlock()
            return
        }
        self.waiter = nil
        lock.unlock()
        waiter.resume(throwing: error)
    }
}
