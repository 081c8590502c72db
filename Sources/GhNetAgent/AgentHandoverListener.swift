import CGhNetFDPass
import Foundation
import Synchronization

/// The running agent's side of a hand-over: a root-only Unix socket next to the instance lock
/// where a new `gh-net agent` (started by a new SSH transport) offers its stdin, stdout and
/// stderr, so that this agent, which kept all state, goes on over the new transport.
///
/// One connection at a time on a thread of its own (hand-overs are rare): the peer must be root
/// (`SO_PEERCRED`); it sends an ``AgentHandoverRequest``; `decide` answers, sent back as one byte,
/// 1 (accept) or 0 (decline); after an accept the peer sends exactly 3 descriptors with a big-endian
/// u32 length and that many bytes it had already read (at most ``maximumAlreadyRead``), which
/// `adopt` receives as an ``AdoptedTransport``. The whole exchange has
/// ``AgentHandoverConnection/patience``; malformed input, a wrong user or a timeout closes that
/// connection and nothing else.
final class AgentHandoverListener: Sendable {
    /// Next to ``AgentInstanceLock/defaultPath``, one socket per network namespace:
    /// `/run/gh-net/agent-net<inode>.sock`.
    static var defaultPath: String {
        (AgentInstanceLock.defaultPath as NSString).deletingPathExtension + ".sock"
    }

    /// The most already-read bytes a hand-over carries.
    static let maximumAlreadyRead = 64 * 1024

    /// Why the listener could not start.
    enum ListenError: Error, CustomStringConvertible {
        /// `operation` on `path` failed with `errno`.
        case io(operation: String, path: String, errno: Int32)

        var description: String {
            switch self {
            case .io(let operation, let path, let code):
                "cannot \(operation) \(path): \(String(cString: strerror(code)))"
            }
        }
    }

    /// Whether ``stop()`` was called, and the accept loop's thread once it runs.
    private struct State {
        var stopped = false
        var loopThread: pthread_t?
    }

    /// Where the socket is bound.
    private let path: String
    /// The socket file's device and inode, to unlink only our own.
    private let file: (device: dev_t, inode: ino_t)
    /// The listening socket (closed by the accept loop when it ends).
    private let listening: Int32
    /// Read end of the stop signal: becomes readable (end of file) when ``stop()`` closes ``wakeWriter``.
    private let wakeReader: Int32
    /// Write end of the stop signal.
    private let wakeWriter: Int32
    private let state = Mutex(State())
    /// Signalled when the accept loop has ended and closed its descriptors.
    private let finished = DispatchSemaphore(value: 0)

    private init(path: String, file: (device: dev_t, inode: ino_t), listening: Int32, wake: [Int32]) {
        self.path = path
        self.file = file
        self.listening = listening
        self.wakeReader = wake[0]
        self.wakeWriter = wake[1]
    }

    /// Listens at `path` (creating its directory with mode 0700 if missing, replacing a stale
    /// socket file; the socket gets mode 0600) and serves hand-overs on a thread of its own until
    /// ``stop()``. `decide` says whether to take a request; `adopt` receives what was taken.
    /// Both run on the listener's thread.
    static func start(path: String = defaultPath, decide: @escaping @Sendable (AgentHandoverRequest) -> Bool,
                      adopt: @escaping @Sendable (AdoptedTransport) -> Void) throws -> AgentHandoverListener {
        let directory = (path as NSString).deletingLastPathComponent
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw ListenError.io(operation: "create", path: directory, errno: errno)
        }
        var existing = stat()
        if lstat(path, &existing) == 0 && existing.st_mode & S_IFMT == S_IFSOCK { unlink(path) }
        let listening = AgentHandoverConnection.makeSocket()
        guard listening >= 0 else { throw ListenError.io(operation: "create a socket for", path: path, errno: errno) }
        func failure(_ operation: String) -> ListenError {
            let code = errno
            close(listening)
            return .io(operation: operation, path: path, errno: code)
        }
        guard AgentHandoverConnection.withAddress(of: path, { bind(listening, $0, $1) }) == 0 else { throw failure("bind") }
        var bound = stat()
        guard chmod(path, 0o600) == 0, stat(path, &bound) == 0 else { throw failure("set up") }
        guard listen(listening, 8) == 0 else { throw failure("listen on") }
        var wake: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &wake) == 0 else {
            throw failure("create a stop signal for")
        }
        let listener = AgentHandoverListener(path: path, file: (bound.st_dev, bound.st_ino), listening: listening, wake: wake)
        let thread = Thread { listener.acceptLoop(decide: decide, adopt: adopt) }
        thread.name = "gh-net handover"
        thread.start()
        return listener
    }

    /// Stops accepting (a hand-over under way is abandoned), closes the listening socket and
    /// unlinks the path if it is still this socket's. Adopted transports stay as they are.
    /// Idempotent. Waits for the accept loop to end, unless called from `decide` or `adopt`.
    func stop() {
        let (first, onLoop) = state.withLock { state in
            defer { state.stopped = true }
            return (!state.stopped, state.loopThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false)
        }
        guard first else { return }
        var current = stat()
        if stat(path, &current) == 0 && current.st_dev == file.device && current.st_ino == file.inode { unlink(path) }
        close(wakeWriter)
        if !onLoop { finished.wait() }
    }

    /// Accepts and serves one connection after another until ``stop()``.
    private func acceptLoop(decide: @Sendable (AgentHandoverRequest) -> Bool, adopt: @Sendable (AdoptedTransport) -> Void) {
        state.withLock { $0.loopThread = pthread_self() }
        defer {
            close(listening)
            close(wakeReader)
            finished.signal()
        }
        while true {
            var watched = [pollfd(fd: listening, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&watched, 2, -1)
            if watched[1].revents != 0 { return }
            guard ready > 0 || errno == EINTR else {
                backOff()
                continue
            }
            guard watched[0].revents != 0 else { continue }
            let connection = ghnet_accept_cloexec(listening)
            guard connection >= 0 else {
                // A peer that gave up before being accepted is nothing; running out of
                // descriptors or memory would otherwise spin.
                if errno != ECONNABORTED && errno != EAGAIN { backOff() }
                continue
            }
            if let transport = receive(on: connection, decide: decide) {
                adopt(transport)
            } else {
                close(connection)
            }
        }
    }

    /// Waits 100 ms, or less if ``stop()`` comes first.
    private func backOff() {
        var watched = pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0)
        _ = poll(&watched, 1, 100)
    }

    /// One hand-over on `connection`: the transport taken, or nil when it was declined or failed
    /// (the caller then closes `connection`).
    private func receive(on connection: Int32, decide: @Sendable (AgentHandoverRequest) -> Bool) -> AdoptedTransport? {
        var uid: uid_t = 0
        guard ghnet_peer_uid(connection, &uid) == 0, uid == 0 else { return nil }
        let link = AgentHandoverConnection(descriptor: connection, deadline: .now + AgentHandoverConnection.patience, interrupt: wakeReader)
        guard let header = link.read(count: AgentHandoverRequest.headerLength),
              let buildLength = AgentHandoverRequest.buildLength(header: header[...]),
              let build = link.read(count: buildLength),
              let request = AgentHandoverRequest.decode(header + build) else { return nil }
        let accepted = decide(request)
        guard link.write([accepted ? 1 : 0]), accepted else { return nil }
        guard let (descriptors, alreadyRead) = receiveDescriptors(over: link) else { return nil }
        return AdoptedTransport(input: descriptors[0], output: descriptors[1], errorOutput: descriptors[2],
                                alreadyRead: alreadyRead, connection: connection)
    }

    /// Exactly 3 descriptors and the already-read bytes after them, or nil (with any descriptors
    /// that came closed). The descriptors come with the first bytes of the length, which may
    /// come with part of the data or alone.
    private func receiveDescriptors(over link: AgentHandoverConnection) -> ([Int32], [UInt8])? {
        guard link.waitReadable() else { return nil }
        var descriptors = [Int32](repeating: -1, count: 3)
        var received: Int32 = 0
        var lengthBytes = [UInt8](repeating: 0, count: 4)
        let got = ghnet_recv_fds(link.descriptor, &descriptors, Int32(descriptors.count), &received, &lengthBytes, lengthBytes.count)
        descriptors.removeLast(descriptors.count - Int(received))
        guard got > 0, descriptors.count == 3, let rest = link.read(count: lengthBytes.count - got) else {
            descriptors.forEach { close($0) }
            return nil
        }
        let length = (lengthBytes[..<got] + rest).reduce(0) { $0 << 8 | Int($1) }
        guard length <= Self.maximumAlreadyRead, let alreadyRead = link.read(count: length) else {
            descriptors.forEach { close($0) }
            return nil
        }
        return (descriptors, alreadyRead)
    }
}
