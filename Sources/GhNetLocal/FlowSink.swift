import GhNetCore
import GhNetWire

/// Where the local side's flow handlers send frames back to the agent. The session's
/// ``FrameOutbox`` is the real one; handlers never see the transport.
public protocol FlowSink: Sendable {
    /// Queues one frame for the agent; false when it had to be dropped (the outbox is full).
    @discardableResult
    func send(_ frame: Frame) -> Bool
}

extension FrameOutbox: FlowSink {}
