/// Time: the one deadline the I/O layer schedules, and what happens when it passes.
extension TCPConnection {
    /// The earliest instant at which ``timerFired(now:)`` has work: the retransmission, persist,
    /// delayed-acknowledgment or TIME-WAIT timer. `nil` when none runs. Read it after draining
    /// the segments of every input; it may move earlier or later.
    public var nextDeadline: TCPInstant? {
        earliest(
            earliest(sender.retransmissionDeadline, sender.persistDeadline),
            earliest(receiver.delayedAcknowledgmentDeadline, timeWaitDeadline))
    }

    /// Runs the timers due at `now` (calling it early or twice is harmless); then drain events
    /// and segments as after any input.
    public mutating func timerFired(now: TCPInstant) {
        if let deadline = timeWaitDeadline, deadline <= now {
            close(.completed)
            return
        }
        if let deadline = receiver.delayedAcknowledgmentDeadline, deadline <= now {
            receiver.delayedAcknowledgmentExpired()
        }
        if let deadline = sender.retransmissionDeadline, deadline <= now,
           !sender.retransmissionTimerExpired(limit: configuration.maximumRetransmissions) {
            pendingReset = synchronizedReset()
            close(.retransmissionsExhausted)
            return
        }
        if let deadline = sender.persistDeadline, deadline <= now {
            // Probes the app never answered, as many as retransmissions: it is gone.
            guard sender.unansweredProbes < configuration.maximumRetransmissions else {
                pendingReset = synchronizedReset()
                close(.retransmissionsExhausted)
                return
            }
            sender.persistTimerExpired()
        }
    }

    private func earliest(_ a: TCPInstant?, _ b: TCPInstant?) -> TCPInstant? {
        guard let a else { return b }
        guard let b else { return a }
        return min(a, b)
    }
}
