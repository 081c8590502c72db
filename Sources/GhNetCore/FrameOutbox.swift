import GhNetWire
import NIOCore
import Synchronization

extension Frame {
    /// Frames that may be lost like datagrams on a congested link: the app above retries.
    var isDatagram: Bool {
        switch self {
        case .udpDatagram, .icmpEchoRequest, .icmpEchoReply, .icmpError, .dnsQuery, .dnsAnswer, .dnsFailure: true
        default: false
        }
    }
}

/// Frames waiting to go to the peer, from any thread (NIO handlers, tasks), drained by one
/// writer task that encodes everything waiting into one gathering write (few, large writes on
/// the SSH pipe instead of one per frame; bulk payloads are not copied, see ``FrameBatch``).
///
/// Bound: at most `capacity` datagram frames (UDP, ICMP echo, DNS) wait; when that many frames
/// wait, a new datagram frame is dropped and counted — what a congested link does to datagrams,
/// and the apps retry. Stream and control frames are never dropped (losing one would break its
/// stream's byte order or credit): their number is bounded by what produces them — every data
/// frame by its stream's credit window, every credit, half-close or reset by the stream table.
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
            guard !state.finished, state.queue.count < capacity || !frame.isDatagram else {
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
        while true {
            guard let frames = await next() else { return }
            var batch = FrameBatch()
            for frame in frames {
                do {
                    try batch.append(frame)
                } catch {
                    session.logger.warning("dropping a frame that cannot be encoded: \(error)")
                }
            }
            try await session.sendEncoded(batch.buffers)
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
