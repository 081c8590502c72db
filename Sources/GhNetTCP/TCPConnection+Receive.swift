import GhNetPackets

/// Segments from the app (RFC 9293 §3.10.7, "SEGMENT ARRIVES").
extension TCPConnection {
    /// A segment from the app arrived: `header` parsed and checksum-verified, `payload` its
    /// data. Read every event it produced (``nextEvent()``) before passing the next segment:
    /// ``TCPEvent/deliverFromSegment(_:)`` points into `payload`.
    public mutating func segmentReceived(_ header: TCPSegmentHeader, payload: UnsafeRawBufferPointer, now: TCPInstant) {
        precondition(!events.holdsSegmentDelivery, "read the previous segment's events before passing the next")
        switch state {
        case .awaitingOpen:
            receiveWhileAwaitingOpen(header, now: now)
        case .synReceived, .established, .closeWait, .lastAck, .finWait1, .finWait2, .closing:
            receiveSynchronized(header, payload: payload, now: now)
        case .timeWait:
            receiveInTimeWait(header, payloadCount: payload.count, now: now)
        case .closed:
            if let reset = tcpReset(answering: header, payloadCount: payload.count) { pendingReset = reset }
        }
    }

    /// While the SYN is held only SYNs matter. A retransmission is absorbed; a SYN with another
    /// sequence number means the app's kernel started over on the same port, so it replaces the
    /// held one (the connect under way is for the same destination).
    private mutating func receiveWhileAwaitingOpen(_ header: TCPSegmentHeader, now: TCPInstant) {
        guard Self.isConnectionRequest(header), header.sequenceNumber != syn.sequenceNumber else { return }
        syn = header
        (sender, receiver, timestamps) = Self.negotiate(
            syn: header, family: flow.addresses.family, configuration: configuration,
            initialSequenceNumber: initialSequenceNumber, timestampOffset: timestampOffset, now: now)
    }

    /// The synchronized states, in RFC 9293's order of checks, with RFC 5961's defences for RST
    /// and SYN and RFC 7323's PAWS.
    private mutating func receiveSynchronized(_ header: TCPSegmentHeader, payload: UnsafeRawBufferPointer, now: TCPInstant) {
        let flags = header.flags
        let number = TCPSequenceNumber(header.sequenceNumber)
        if state == .synReceived, Self.isConnectionRequest(header), number == receiver.space.initial {
            sender.resendSynAcknowledgment()
            return
        }
        let start = receiver.space.offset(of: number, near: receiver.next)
        let timestampOption = header.options.timestamps
        if let timestamps, let timestampOption, !flags.contains(.rst), timestamps.rejects(timestampOption, now: now) {
            receiver.acknowledgeNow = true
            return
        }
        let length = payload.count + (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0)
        guard receiver.accepts(start: start, length: length) else {
            if !flags.contains(.rst) { receiver.acknowledgeNow = true }
            return
        }
        if flags.contains(.rst) {
            // RFC 5961 §3.2: only an exact match resets; any other in-window RST gets a challenge ACK.
            if start == receiver.next { close(.resetByApp) } else { receiver.acknowledgeNow = true }
            return
        }
        if flags.contains(.syn) {
            // RFC 5961 §4.2: a SYN in a synchronized state gets a challenge ACK.
            receiver.acknowledgeNow = true
            return
        }
        guard flags.contains(.ack) else { return }
        if let timestampOption, start <= receiver.lastAcknowledged {
            timestamps?.update(with: timestampOption, now: now)
        }
        if state == .synReceived {
            let acknowledgment = sender.space.offset(of: TCPSequenceNumber(header.acknowledgmentNumber), near: 0)
            guard acknowledgment == 1 else {
                pendingReset = tcpReset(answering: header, payloadCount: payload.count)
                return
            }
            state = sender.finQueued ? .finWait1 : .established
        }
        guard acknowledge(header, start: start, bare: length == 0, now: now) else { return }
        guard progressClose(now: now) else { return }
        receiveText(payload, at: start, fin: flags.contains(.fin), now: now)
    }

    /// Processes the acknowledgment and window; false when the segment must be dropped.
    private mutating func acknowledge(_ header: TCPSegmentHeader, start: Int, bare: Bool, now: TCPInstant) -> Bool {
        let roundTrip = header.options.timestamps.flatMap { timestamps?.roundTrip(echoReply: $0.echoReply, now: now) }
        switch sender.acknowledge(
            TCPSequenceNumber(header.acknowledgmentNumber), windowField: header.window, segmentStart: start, bare: bare,
            timestampRoundTrip: roundTrip, now: now
        ) {
        case .accepted:
            if let released = sender.releaseToReport(step: releaseReportStep) {
                events.append(.sendSpaceReleased(acknowledged: UInt64(released)))
            }
            return true
        case .acknowledgesUnsent, .tooOld:
            receiver.acknowledgeNow = true
            return false
        }
    }

    /// Moves on once our FIN is acknowledged; false when the connection is done with the segment.
    private mutating func progressClose(now: TCPInstant) -> Bool {
        guard sender.finAcknowledged else { return true }
        switch state {
        case .finWait1:
            state = .finWait2
            return true
        case .closing:
            enterTimeWait(now: now)
            return false
        case .lastAck:
            close(.completed)
            return false
        case .awaitingOpen, .synReceived, .established, .closeWait, .finWait2, .timeWait, .closed:
            return true
        }
    }

    /// Segment text and FIN: taken in ESTABLISHED, FIN-WAIT-1 and FIN-WAIT-2; after the app's
    /// FIN there is nothing more to take.
    private mutating func receiveText(_ payload: UnsafeRawBufferPointer, at start: Int, fin: Bool, now: TCPInstant) {
        switch state {
        case .established, .finWait1, .finWait2:
            receiver.receive(
                payload, at: start, fin: fin, now: now, delayedAcknowledgmentTimeout: delayedAcknowledgmentTimeout,
                events: &events)
            guard receiver.finReceived else { return }
            switch state {
            case .established: state = .closeWait
            case .finWait1: state = .closing
            default: enterTimeWait(now: now)
            }
        case .awaitingOpen, .synReceived, .closeWait, .lastAck, .closing, .timeWait, .closed:
            break
        }
    }

    /// TIME-WAIT: a retransmitted FIN is acknowledged again and restarts the timer; an exact RST
    /// ends it (as a completed close); a new SYN with a higher sequence number — or, with timestamps, a newer TSval
    /// (RFC 6191) — ends it so that the flow can open again.
    private mutating func receiveInTimeWait(_ header: TCPSegmentHeader, payloadCount: Int, now: TCPInstant) {
        let flags = header.flags
        let number = TCPSequenceNumber(header.sequenceNumber)
        if Self.isConnectionRequest(header) {
            let newer = if let timestamps, let option = header.options.timestamps {
                Int32(bitPattern: option.value &- timestamps.recent) > 0
            } else {
                number > receiver.space.number(at: receiver.next)
            }
            if newer {
                close(.reopened)
            } else {
                receiver.acknowledgeNow = true
            }
            return
        }
        let start = receiver.space.offset(of: number, near: receiver.next)
        if flags.contains(.rst) {
            // Both directions had finished and every byte was acknowledged: the reset only ends
            // the wait early, and the stream ended cleanly (the local side is not told "reset").
            if start == receiver.next { close(.completed) }
            return
        }
        if flags.contains(.fin) {
            timeWaitDeadline = now + configuration.timeWaitDuration
            receiver.acknowledgeNow = true
        } else if !receiver.accepts(start: start, length: payloadCount) {
            receiver.acknowledgeNow = true
        }
    }

    /// Enters TIME-WAIT for ``TCPConfiguration/timeWaitDuration``.
    private mutating func enterTimeWait(now: TCPInstant) {
        state = .timeWait
        timeWaitDeadline = now + configuration.timeWaitDuration
    }
}
