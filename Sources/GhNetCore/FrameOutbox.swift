import GhNetWire
import NIOCore
import Synchronization

/// Frames waiting to go to the peer, from any thread (NIO handlers, tasks), drained by one
/// writer task that encodes everything waiting into one buffer per write (few, large writes on
/// the SSH pipe instead of one per frame).
///
/// Bound: at most `capacity` frames wait. When full, a new datagram frame (UDP, ICMP) is
/// dropped and counted — what a congested link does to datagrams; stream frames are already
/// bounded by their credit windows, so they never meet a full outbox in normal operation, and
/// if one does it is dropped and counted too (the session then reports it).
public final class FrameOutbox: Sendable {
    private struct State {
        var queue: [Frame] = []
        var waiter: CheckedContinuation<Void, Never>?
        var finished = false
        var dropped: UInt64 = 0
    }

    private let state = Mutex(State())
    /// The most frames that may wait.
    public let capacity: Int

    public init(capacity: Int = 8192) {
        self.capacity = capacity
    }

    /// Queues a frame; false (and counted) when the outbox is full or finished.
    @discardableResult
    public func send(_ frame: Frame) -> Bool {
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            guard !state.finished, state.queue.count < capacity else {
                state.dropped += 1
                return (false, nil)
            }
            state.queue.append(frame)
            let waiter = state.waiter
            state.waiter = nil
            return (true, waiter)
        }
        waiter?.resume()
        return accepted
    }

    /// Frames dropped because the outbox was full.
    public var droppedCount: UInt64 { state.withLock { $0.dropped } }

    /// Stops accepting frames and wakes the writer so it can end.
    public func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Writes frames as they come until ``finish()`` (or cancellation); each round encodes every
    /// waiting frame into one buffer.
    public func drain(into session: FrameSession) async throws {
        let encoder = FrameEncoder()
        while true {
            let batch = await next()
            guard let batch else { return }
            var buffer = ByteBuffer()
            for frame in batch {
                do {
                    try encoder.encode(frame, into: &buffer)
                } catch {
                    session.logger.warning("dropping a frame that cannot be encoded: \(error)")
                }
            }
            try await session.sendEncoded(buffer)
        }
    }

    /// Everything waiting, or nil once finished and empty (or cancelled).
    private func next() async -> [Frame]? {
        while true {
            if Task.isCancelled { return nil }
            let ready = state.withLock { state -> [Frame]?? in
                if !state.queue.isEmpty {
                    let batch = state.queue
                    state.queue.removeAll(keepingCapacity: true)
                    return .some(batch)
                }
                return state.finished ? .some(nil) : .none
            }
            if let ready { return ready }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if !state.queue.isEmpty || state.finished || Task.isCancelled { return true }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    let waiter = state.waiter
                    state.waiter = nil
                    return waiter
                }
                waiter?.resume()
            }
        }
    }
}
