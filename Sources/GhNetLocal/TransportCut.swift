import GhNetCore
import Synchronization

/// What a second stop does while gh-net ends the session (a goodbye waiting for its answer, a
/// last attempt to reach the codespace): the links of the transports under way close at once,
/// and no further attempt starts. The codespace then keeps its routes and DNS hook until its
/// resume grace ends, and gh-net says so as it exits.
final class TransportCut: Sendable {
    private struct State {
        var cut = false
        var links: [ObjectIdentifier: FrameLink] = [:]
    }

    private let state = Mutex(State())

    /// True once ``cut()`` ran.
    var isCut: Bool { state.withLock { $0.cut } }

    /// A transport's link, closed by a cut while it is registered; after a cut it is closed at once.
    func register(_ link: FrameLink) {
        let closeNow = state.withLock { state -> Bool in
            guard !state.cut else { return true }
            state.links[ObjectIdentifier(link)] = link
            return false
        }
        if closeNow { Task { await link.close() } }
    }

    /// The transport is over.
    func unregister(_ link: FrameLink) {
        _ = state.withLock { $0.links.removeValue(forKey: ObjectIdentifier(link)) }
    }

    /// Closes every registered link, and any registered from now on.
    func cut() async {
        let links = state.withLock { state -> [FrameLink] in
            state.cut = true
            return Array(state.links.values)
        }
        for link in links { await link.close() }
    }
}
