import Foundation
import GhNetCore
import Synchronization

/// The transports handed over to this agent, newest first taken; every one it replaces, and
/// every one left at the end, is released (its `gh-net agent` process exits).
final class HandoverInbox: Sendable {
    private let state = Mutex<(pending: AdoptedTransport?, inUse: AdoptedTransport?)>((nil, nil))

    /// A new transport arrived (from the listener's thread).
    func deliver(_ transport: AdoptedTransport) {
        let replaced = state.withLock { state in
            defer { state.pending = transport }
            return state.pending
        }
        replaced.map(Self.discard)
    }

    /// The next transport, waiting until `deadline` at most; nil then or at a stop signal.
    func next(before deadline: ContinuousClock.Instant, stop: StopSignals) async -> AdoptedTransport? {
        while ContinuousClock.now < deadline {
            if let transport = state.withLock({ state -> AdoptedTransport? in
                guard let pending = state.pending else { return nil }
                let previous = state.inUse
                state.pending = nil
                state.inUse = pending
                previous?.release()
                return pending
            }) {
                return transport
            }
            if await stop.wait(atMost: .milliseconds(100)) != nil { return nil }
        }
        return nil
    }

    /// Lets every process whose transport this agent held go.
    func releaseAll() {
        let (pending, inUse) = state.withLock { state in
            defer { state = (nil, nil) }
            return state
        }
        pending.map(Self.discard)
        inUse?.release()
    }

    private static func discard(_ transport: AdoptedTransport) {
        close(transport.input)
        close(transport.output)
        close(transport.errorOutput)
        transport.release()
    }
}
