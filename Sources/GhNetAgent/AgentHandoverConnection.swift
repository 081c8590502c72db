import Foundation

/// One end of a hand-over connection (a Unix stream socket) while the two agents talk: whole
/// reads and writes, every wait bounded by `deadline` and cut short when `interrupt` (if any)
/// becomes readable.
struct AgentHandoverConnection {
    /// How long a whole exchange may take before the other side counts as gone.
    static let patience = Duration.seconds(5)

    /// The connected socket (not owned: the caller closes it).
    let descriptor: Int32
    /// When waiting gives up.
    let deadline: ContinuousClock.Instant
    /// A descriptor that becomes readable when waiting should stop at once (the listener stopping).
    let interrupt: Int32?

    /// A new close-on-exec Unix stream socket, or -1 with errno set.
    static func makeSocket() -> Int32 {
        socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    }

    /// Calls `body` with the socket address of `path`, or returns nil when `path` is empty or too
    /// long for one (errno ENAMETOOLONG).
    static func withAddress<Result>(of path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            errno = ENAMETOOLONG
            return nil
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    /// Waits until the socket has something to read (data, end of file or an error); false when
    /// the deadline passed or `interrupt` fired first.
    func waitReadable() -> Bool {
        while true {
            let left = deadline - .now
            guard left > .zero else { return false }
            var watched = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
            if let interrupt { watched.append(pollfd(fd: interrupt, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&watched, nfds_t(watched.count), Int32((left / .milliseconds(1)).rounded(.up)))
            guard ready >= 0 || errno == EINTR else { return false }
            if watched.count > 1 && watched[1].revents != 0 { return false }
            if watched[0].revents != 0 { return true }
        }
    }

    /// Exactly `count` bytes, or nil at end of file, on an error, or when waiting gave up.
    func read(count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            guard waitReadable() else { return nil }
            let got = bytes.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + filled, count - filled, 0) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return nil }
            filled += got
        }
        return bytes
    }

    /// Sends all of `bytes` (never raising SIGPIPE); false on an error.
    func write(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let done = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if done < 0 && errno == EINTR { continue }
            guard done > 0 else { return false }
            sent += done
        }
        return true
    }
}
