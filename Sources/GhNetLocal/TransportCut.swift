import GhNetCore
import Synchronization

/// What a second stop does while gh-net ends the session (a goodbye waiting for its answer, a
/// last attempt to reach the codespace, a transport slow to exit): the links of the transports
/// under way close at once, each one's `onCut` runs (its process is not waited for), and no
/// further attempt starts. The codespace then keeps its routes and DNS hook until its
/// resume grace ends, and gh-net says so as it exits.
final class TransportCut: Sendable {
    private struct State {
        var cut = false
        var links: [ObjectIdentifier: (link: FrameLink, onCut: @Sendable () -> Void)] = [:]
    }

    private let state = Mutex(State())

    /// True once ``cut()`` ran.
    var isCut: Bool { state.withLock { $0.cut } }

    /// A transport's link, closed by a cut while it is registered (and `onCut` run); after a cut
    /// both happen at once.
    func register(_ link: FrameLink, onCut: @escaping @Sendable () -> Void) {
        let closeNow = state.withLock { state -> Bool in
            guard !state.cut else { return true }
            state.links[ObjectIdentifier(link)] = (link, onCut)
            return false
        }
        if closeNow {
            onCut()
            Task { await link.close() }
        }
    }

    /// The transport is over.
    func unregister(_ link: FrameLink) {
        _ = state.withLock { $0.links.removeValue(forKey: ObjectIdentifier(link)) }
    }

    /// Closes every registered link and runs its `onCut`, and so for any registered from now on.
    func cut() async {
        let transports = state.withLock { state in
            state.cut = true
            return Array(state.links.values)
        }
        for transport in transports {
            transport.onCut()
            await transport.link.close()
        }
    }
}
