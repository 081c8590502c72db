import GhNetAddress

/// The local side's per-flow decision: may the codespace reach this destination through us?
public protocol FlowPolicyCheck: Sendable {
    /// `nil` when allowed; otherwise the reason it is refused (for the log).
    func refusal(for destination: IPAddress) -> String?
}
