import Dispatch
import Foundation
import Glibc
import Synchronization
import Testing

/// Whether the namespace tests can run: they need root. (As root, a missing `/dev/net/tun` or
/// `ip(8)` fails the tests rather than skipping them.)
enum NamespaceSupport {
    static let ipTool: String? = {
        let candidates: [String] = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        return candidates.first { access($0, X_OK) == 0 }
    }()
    static let available = getuid() == 0
    static let skipReason: Comment = "needs root to create throwaway network namespaces (ghnet-<hex>-<role>)"
}

/// A throwaway network namespace `ghnet-<random hex>-<role>` with a dedicated thread inside it.
/// Sockets, netlink clients and TUN devices belong to the namespace of the thread that creates
/// them, so tests create them through ``run(_:)``; once created, they are used from anywhere.
/// ``with(role:_:)`` deletes the namespace whatever the test does.
///
/// Nothing here blocks a thread of Swift's cooperative pool (two threads on a two-core machine):
/// running `ip` and waiting for the namespace thread happen on threads of their own, or every
/// other suite running in parallel would stall meanwhile (their timeouts then fire early).
final class NetworkNamespace: Sendable {
    let name: String
    private let thread: NamespaceThread

    /// Creates a namespace, runs `body` with it, and deletes it again, also when `body` throws.
    static func with<T: Sendable>(role: String, _ body: (NetworkNamespace) async throws -> T) async throws -> T {
        let namespace = try await onOwnThread { try NetworkNamespace(role: role) }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(namespace))
        } catch {
            result = .failure(error)
        }
        try? await onOwnThread { namespace.destroy() }
        return try result.get()
    }

    /// Runs blocking `work` on a new thread and waits for it without holding a pool thread.
    private static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    private init(role: String) throws {
        name = "ghnet-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))-\(role)"
        try Self.ip(["netns", "add", name])
        do {
            thread = try NamespaceThread(enteringNamespaceAt: "/run/netns/\(name)")
        } catch {
            try? Self.ip(["netns", "delete", name])
            throw error
        }
    }

    /// Runs `work` on the thread inside the namespace.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await thread.run(work)
    }

    /// Runs `ip -n <name> ARGS…` (test set-up the code under test does not do itself).
    func ip(_ arguments: String...) async throws {
        let all = ["-n", name] + arguments
        try await Self.onOwnThread { try Self.ip(all) }
    }

    /// True while `/run/netns/<name>` exists.
    var exists: Bool { access("/run/netns/\(name)", F_OK) == 0 }

    private func destroy() {
        thread.stop()
        try? Self.ip(["netns", "delete", name])
    }

    /// Runs iproute2's `ip` with `arguments`, failing on a non-zero exit.
    private static func ip(_ arguments: [String]) throws {
        guard let tool = NamespaceSupport.ipTool else { throw NamespaceError(text: "ip(8) from iproute2 is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NamespaceError(text: "ip \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }
}

/// A failure of the namespace set-up itself.
struct NamespaceError: Error, CustomStringConvertible {
    let text: String
    var description: String { text }
}

/// One thread that has entered a network namespace with `setns(2)` and runs jobs there, one at
/// a time, until stopped.
///
/// A thread inherits the network namespace of the thread that creates it, and resuming a Swift
/// continuation may make the runtime start a worker thread right there: that worker would then
/// open its sockets in the test namespace for the rest of the process (other suites' loopback
/// servers would never hear from it). So each job's result is handed over from the original
/// namespace, and the thread steps back into the test namespace afterwards.
private final class NamespaceThread: Sendable {
    private typealias SetNamespace = @convention(c) (Int32, Int32) -> Int32
    /// CLONE_NEWNET (linux/sched.h).
    private static let cloneNewNet: Int32 = 0x4000_0000
    /// Work to run in the namespace; it gives back how to deliver its result (run outside it).
    private typealias Job = @Sendable () -> @Sendable () -> Void
    private let jobs = Mutex<(queue: [Job], stopped: Bool)>(([], false))
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(enteringNamespaceAt path: String) throws {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "setns") else { throw NamespaceError(text: "no setns in libc") }
        let setNamespace = unsafeBitCast(symbol, to: SetNamespace.self)
        let entered = DispatchSemaphore(value: 0)
        let failure = Mutex<String?>(nil)
        let thread = Thread { [self] in
            let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            if original < 0 || descriptor < 0 || setNamespace(descriptor, Self.cloneNewNet) != 0 {
                failure.withLock { $0 = "entering \(path): \(String(cString: strerror(errno)))" }
                if original >= 0 { close(original) }
                if descriptor >= 0 { close(descriptor) }
                entered.signal()
                finished.signal()
                return
            }
            entered.signal()
            serve { deliver in
                _ = setNamespace(original, Self.cloneNewNet)
                deliver()
                _ = setNamespace(descriptor, Self.cloneNewNet)
            }
            close(original)
            close(descriptor)
        }
        thread.start()
        entered.wait()
        if let text = failure.withLock({ $0 }) { throw NamespaceError(text: text) }
    }

    private func serve(deliveringOutside: (@Sendable () -> Void) -> Void) {
        while true {
            wake.wait()
            let (job, stopped) = jobs.withLock { state -> (Job?, Bool) in
                state.queue.isEmpty ? (nil, state.stopped) : (state.queue.removeFirst(), false)
            }
            if let job { deliveringOutside(job()) } else if stopped { break }
        }
        finished.signal()
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            jobs.withLock {
                $0.queue.append {
                    let result = Result { try work() }
                    return { continuation.resume(with: result) }
                }
            }
            wake.signal()
        }
    }

    /// Ends the thread (after jobs already queued) and waits for it, at most 10 s.
    func stop() {
        jobs.withLock { $0.stopped = true }
        wake.signal()
        _ = finished.wait(timeout: .now() + 10)
    }
}
