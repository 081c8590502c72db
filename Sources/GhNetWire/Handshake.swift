/// The hello exchange that opens every connection, as a pure state machine.
///
/// Both sides run the same machine: call ``start()`` as soon as the transport is up and send
/// the frame it returns, then pass the first received frame to ``receive(_:)`` and carry out
/// the ``Action``. Every action is final; after ``Action/established(_:)`` the frames that
/// follow belong to the session. Both sides judge the pair of hellos by the same rules, so an
/// incompatible pair is refused by both, each printing the same explanation.
public struct Handshake: Sendable {
    /// Our hello, sent by ``start()``.
    private let ours: Hello
    /// Capabilities the peer must have for this side to proceed.
    private let required: Capabilities
    private var state: State

    /// A handshake that will announce `hello` and refuse peers lacking any of
    /// `requiredCapabilities`.
    public init(hello: Hello, requiredCapabilities: Capabilities = []) {
        self.ours = hello
        self.required = requiredCapabilities
        self.state = .idle
    }

    /// Whether the handshake completed and the session may run.
    public var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    /// Begins the handshake. Returns our hello, to send before anything else. Call once.
    public mutating func start() -> Frame {
        guard case .idle = state else { preconditionFailure("Handshake.start() called in state \(state)") }
        state = .awaitingPeerHello
        return .hello(ours)
    }

    /// Judges the first frame the peer sent. Call once, after ``start()``.
    public mutating func receive(_ frame: Frame) -> Action {
        guard case .awaitingPeerHello = state else {
            preconditionFailure(
                "Handshake.receive(_:) called in state \(state); frames after the handshake belong to the session")
        }
        let action: Action
        switch frame {
        case .hello(let peer):
            action = judge(peer)
        case .refuse(let reason), .goodbye(let reason):
            action = .peerRefused(reason: reason)
        default:
            action = .protocolViolation(reason: "expected a hello from the \(ours.role.peer), received \(frame.kind)")
        }
        if case .established(let agreement) = action {
            state = .established(agreement)
        } else {
            state = .closed
        }
        return action
    }

    private func judge(_ peer: Hello) -> Action {
        let (local, agent) = ours.role == .local ? (ours, peer) : (peer, ours)
        guard peer.role != ours.role else {
            return .refuse(
                reason: "gh-net handshake failed: both ends say they are the \(ours.role) (\(ours.build) and "
                    + "\(peer.build)); the transport command must start `gh-net agent` on the remote host")
        }
        guard let version = ours.versions.negotiate(with: peer.versions) else {
            let older = local.versions.current < agent.versions.current ? local : agent
            return .refuse(
                reason: "gh-net protocol mismatch: the local side runs \(local.build) speaking protocol "
                    + "\(local.versions), the agent runs \(agent.build) speaking protocol \(agent.versions); "
                    + older.role.updateAdvice)
        }
        let missing = required.subtracting(peer.capabilities)
        guard missing.isEmpty else {
            return .refuse(
                reason: "gh-net capability mismatch: the \(peer.role) runs \(peer.build), which lacks \(missing) "
                    + "that the \(ours.role) (\(ours.build)) requires; " + peer.role.updateAdvice)
        }
        guard local.session != .none else {
            return .protocolViolation(reason: "the local side's hello carries no session id")
        }
        let capabilities = ours.capabilities.intersection(peer.capabilities)
        return .established(
            Agreement(
                version: version,
                capabilities: capabilities,
                peer: peer,
                session: local.session,
                isResumed: capabilities.contains(.resume) && agent.session == local.session
            ))
    }
}

extension Handshake {
    /// Where the handshake stands.
    private enum State: Sendable {
        /// Created; our hello has not been sent yet.
        case idle
        /// Our hello is sent; the peer's first frame has not arrived.
        case awaitingPeerHello
        /// The hellos matched; the session runs on these terms.
        case established(Agreement)
        /// The handshake ended without a session (refused either way, or a protocol violation);
        /// the connection is being closed.
        case closed
    }

    /// What the I/O layer must do after ``Handshake/receive(_:)``. Every action is final.
    public enum Action: Hashable, Sendable {
        /// The hellos match: start the session on these terms. The peer judges our hello by
        /// the same rules, but may require capabilities we lack, so it can still answer with
        /// ``Frame/refuse(reason:)``; the session treats that like ``Frame/goodbye(reason:)``.
        case established(Agreement)
        /// The peer is incompatible: send ``Frame/refuse(reason:)`` with `reason`, show `reason`
        /// to the user, and close.
        case refuse(reason: String)
        /// The peer refused us or said goodbye before its hello: show `reason` and close.
        case peerRefused(reason: String)
        /// The peer broke the protocol: send ``Frame/goodbye(reason:)`` with `reason`, log it,
        /// and close.
        case protocolViolation(reason: String)
    }

    /// The terms a session runs on, settled by the two hellos.
    public struct Agreement: Hashable, Sendable {
        /// The protocol version both sides speak: the highest in both ranges.
        public var version: UInt16
        /// The capabilities both sides announced.
        public var capabilities: Capabilities
        /// The peer's hello: its build identity, its log level (the agent adopts the local
        /// side's) and the session it holds.
        public var peer: Hello
        /// The session id, which is the local side's.
        public var session: SessionID
        /// True when both sides support ``Capabilities/resume`` and the agent still holds the
        /// local side's session: both keep their streams and retransmit what the other has not
        /// acknowledged. When false, the agent drops any streams of an older session.
        public var isResumed: Bool
    }
}

extension Hello.Role {
    /// What the user must do when this side is too old.
    fileprivate var updateAdvice: String {
        switch self {
        case .local: "update gh-net on the local machine"
        case .agent: "update the agent (gh-net on the remote host)"
        }
    }
}
