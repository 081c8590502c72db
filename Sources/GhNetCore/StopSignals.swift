import Dispatch
import Foundation

/// Turns SIGINT, SIGTERM and SIGHUP into a request to stop cleanly. While it lives the default
/// action (dying at once) is replaced, so the session can say goodbye and undo its changes.
public final class StopSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    /// A SIGINT or the quit key came after the first stop (see ``waitForRepeat()``).
    private var insisted = false
    /// When the first stop came.
    private var firstAt: ContinuousClock.Instant?
    /// How long after the first stop a second one starts to count as insisting.
    private let insistAfter: Duration
    /// Each waiter with what it waits for: the first stop (false) or an insisting one (true).
    private var waiters: [UInt64: (insistence: Bool, continuation: CheckedContinuation<Int32?, Never>)] = [:]
    private var sources: [any DispatchSourceSignal] = []

    /// Starts watching the given signals. `insistAfter`: see ``waitForRepeat()``.
    public init(_ signals: [Int32] = [SIGINT, SIGTERM, SIGHUP], insistAfter: Duration = .milliseconds(500)) {
        self.insistAfter = insistAfter
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.fire(number) }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// The first signal received, if any.
    public var requested: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    /// Whether a SIGINT or the quit key now would insist (``waitForRepeat()``): the first stop
    /// came at least `insistAfter` ago.
    public var repeatWouldInsist: Bool {
        lock.lock()
        defer { lock.unlock() }
        return firstStopIsOldEnough(at: .now)
    }

    /// Whether the first stop came at least `insistAfter` before `now`; the caller holds the lock.
    private func firstStopIsOldEnough(at now: ContinuousClock.Instant) -> Bool {
        guard let firstAt else { return false }
        return now - firstAt >= insistAfter
    }

    /// Waits for the first signal and gives its number; `nil` when the waiting task is
    /// cancelled first.
    public func wait() async -> Int32? {
        await wait(insistence: false)
    }

    /// Waits until the user insists — a SIGINT or the quit key at least `insistAfter` (half a
    /// second) after the first stop: stop without waiting for the clean-up — and gives the first
    /// stop's number; `nil` when the waiting task is cancelled first. A habitual double Ctrl-C
    /// comes sooner and does not count; nor does a repeated SIGHUP or SIGTERM: a terminal that
    /// closes sends SIGHUP twice (the shell and the kernel), and a supervisor's SIGTERM means
    /// "clean up".
    public func waitForRepeat() async -> Int32? {
        await wait(insistence: true)
    }

    private func wait(insistence: Bool) async -> Int32? {
        let id = UInt64.random(in: 0...UInt64.max)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
                lock.lock()
                if insistence ? insisted : received != nil { lock.unlock(); continuation.resume(returning: received); return }
                if Task.isCancelled { lock.unlock(); continuation.resume(returning: nil); return }
                waiters[id] = (insistence, continuation)
                lock.unlock()
            }
        } onCancel: {
            lock.lock()
            let waiter = waiters.removeValue(forKey: id)
            lock.unlock()
            waiter?.continuation.resume(returning: nil)
        }
    }

    /// Waits for the first signal, at most `limit`; `nil` when none came in that time.
    public func wait(atMost limit: Duration) async -> Int32? {
        await withTimeLimit(limit) { await self.wait() }
    }

    /// The signal a newer gh-net agent sends an older one to take over (the agent watches it
    /// too; see `AgentInstanceLock`).
    public static let takeover: Int32 = SIGUSR1

    /// What ``requested`` says after ``requestStop(_:)``: the user asked from the view (`q`, Ctrl-C in raw mode).
    public static let userRequest: Int32 = 0

    /// What ``requested`` says after ``requestStop(_:)`` with it: a time limit ran out.
    public static let timeUp: Int32 = -1

    /// Asks for a stop as a signal would: the full-screen view's quit key (``userRequest``), or
    /// ``timeUp``.
    public func requestStop(_ reason: Int32 = userRequest) { fire(reason) }

    private func fire(_ number: Int32) {
        lock.lock()
        let now = ContinuousClock.now
        if received == nil {
            received = number
            firstAt = now
        } else if number == SIGINT || number == Self.userRequest, firstStopIsOldEnough(at: now) {
            insisted = true
        }
        let ready = waiters.filter { !$0.value.insistence || insisted }
        for id in ready.keys { waiters[id] = nil }
        let value = received
        lock.unlock()
        for waiter in ready.values { waiter.continuation.resume(returning: value) }
    }

    /// A name for a signal number, for log lines.
    public static func name(_ number: Int32) -> String {
        switch number {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        case takeover: return "SIGUSR1 (a newer gh-net session took over)"
        case userRequest: return "quit key"
        case timeUp: return "time limit"
        default: return "signal \(number)"
        }
    }
}
