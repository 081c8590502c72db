import Foundation
import GhNetDNS
import Logging
import Synchronization

/// Points the codespace's `/etc/resolv.conf` at the agent while it runs and puts the original
/// back afterwards. The file is rewritten in place (never replaced by a rename: it is often a bind
/// mount, and a symlink is followed to its target). The hooked file carries the original bytes
/// itself (see ``ResolvConf``), so an agent that died without restoring it (SIGKILL, a crash, a
/// power cut) leaves everything the next agent needs to restore it, byte for byte.
final class ResolvConfHook: Sendable {
    /// Why the hook could not be installed.
    enum HookError: Error, CustomStringConvertible {
        /// The file cannot be read or written.
        case io(path: String, operation: String, errno: Int32)
        /// Another running agent holds the hook.
        case heldBy(pid: Int32)

        var description: String {
            switch self {
            case .io(let path, let operation, let code): "cannot \(operation) \(path): \(String(cString: strerror(code)))"
            case .heldBy(let pid): "another gh-net agent (pid \(pid)) holds the DNS hook"
            }
        }
    }

    /// The file the hook edits.
    let path: String
    /// The original bytes while the hook is installed.
    private let original = Mutex<[UInt8]?>(nil)

    init(path: String = "/etc/resolv.conf") {
        self.path = path
    }

    /// Restores the original file if an agent that is no longer running left it hooked. Runs at
    /// every agent start, before anything else, whether or not this run hooks DNS.
    func recoverAfterCrash(logger: Logger) {
        guard let bytes = try? read() else { return }
        let conf = ResolvConf(bytes: bytes)
        guard let owner = conf.hookOwner, !Self.isAgentRunning(pid: owner) else { return }
        guard let carried = conf.carriedOriginal else {
            logger.error("dns: \(path) was left hooked by agent pid \(owner), but the original it carries is damaged; left as is")
            return
        }
        do {
            try writeInPlace(carried)
            logger.warning("dns: restored \(path), left hooked by agent pid \(owner), which did not stop cleanly")
        } catch {
            logger.error("dns: cannot restore \(path) left hooked by agent pid \(owner): \(error)")
        }
    }

    /// Writes the hooked file listing `nameservers`; returns the original's nameservers (the
    /// upstream resolvers), without any of `nameservers` themselves.
    func install(nameservers: [String]) throws(HookError) -> [String] {
        var bytes = try read()
        if let owner = ResolvConf(bytes: bytes).hookOwner {
            guard owner == getpid() else { throw .heldBy(pid: owner) }
            // Hooked by this agent already (a new DNS configuration): start again from the
            // original it carries, so that stays the file from before the first install.
            guard let carried = ResolvConf(bytes: bytes).carriedOriginal else { throw .io(path: path, operation: "read the original", errno: EINVAL) }
            bytes = carried
        }
        let conf = ResolvConf(bytes: bytes)
        try writeInPlace(Array(conf.hooked(nameservers: nameservers, pid: getpid()).utf8))
        original.withLock { $0 = bytes }
        return conf.nameservers.filter { !nameservers.contains($0) }
    }

    /// Puts the original back, unless the file is no longer this agent's hook (someone replaced
    /// it meanwhile: theirs is kept). Safe to call more than once.
    func restore(logger: Logger) {
        guard let bytes = original.withLock({ value in defer { value = nil }; return value }) else { return }
        do {
            let current = ResolvConf(bytes: try read())
            guard current.hookOwner == getpid() else {
                logger.warning("dns: \(path) was replaced while hooked; leaving the new file as it is")
                return
            }
            try writeInPlace(bytes)
            logger.info("dns: \(path) restored")
        } catch {
            logger.error("dns: cannot restore \(path): \(error)")
        }
    }

    /// True when `pid` is a live gh-net process (its command line names gh-net).
    static func isAgentRunning(pid: Int32) -> Bool {
        guard pid > 0, pid != getpid(), kill(pid, 0) == 0 || errno == EPERM,
              let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: commandLine, as: UTF8.self).contains("gh-net")
    }

    private func read() throws(HookError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "read", errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw .io(path: path, operation: "read", errno: errno) }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            guard bytes.count <= 1 << 20 else { throw .io(path: path, operation: "read (over 1 MiB)", errno: EFBIG) }
        }
    }

    /// Overwrites the file's contents from offset 0, then cuts it to length: the file (and any
    /// bind mount or symlink onto it) stays the same file.
    private func writeInPlace(_ bytes: [UInt8]) throws(HookError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open for writing", errno: errno) }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + written, $0.count - written, off_t(written)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw .io(path: path, operation: "write", errno: errno) }
            written += count
        }
        guard ftruncate(fd, off_t(bytes.count)) == 0 else { throw .io(path: path, operation: "truncate", errno: errno) }
        _ = fsync(fd)
    }
}
