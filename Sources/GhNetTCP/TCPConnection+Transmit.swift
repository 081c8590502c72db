import GhNetPackets

/// Segments for the app: what goes out next, built on demand so that one poll after a batch of
/// inputs sends one acknowledgment for all of them.
extension TCPConnection {
    /// The next segment to write to the app, or `nil` when there is nothing to send now. Call
    /// it until it returns `nil` after every input, and write each segment (with
    /// ``withPayload(of:_:)``) before calling it again.
    public mutating func nextSegment(now: TCPInstant) -> TCPOutgoingSegment? {
        if let reset = pendingReset {
            pendingReset = nil
            return TCPOutgoingSegment(header: reset)
        }
        switch state {
        case .awaitingOpen, .closed:
            return nil
        case .synReceived:
            if sender.next == 0 { return synAcknowledgment(now: now) }
            return receiver.acknowledgeNow ? acknowledgment(now: now) : nil
        case .timeWait:
            return receiver.acknowledgeNow ? acknowledgment(now: now) : nil
        case .established, .closeWait, .lastAck, .finWait1, .finWait2, .closing:
            if let (start, length, fin) = sender.nextTransmission() {
                return dataSegment(from: start, length: length, fin: fin, now: now)
            }
            if sender.persistDue {
                sender.probed()
                return windowProbe(now: now)
            }
            sender.updatePersistTimer(now: now)
            return receiver.acknowledgeNow ? acknowledgment(now: now) : nil
        }
    }

    /// The SYN-ACK: our MSS, window scale (only if the app offered it), timestamps (likewise);
    /// SACK-permitted is never offered. Its window field is not scaled (RFC 7323 §2.2).
    private mutating func synAcknowledgment(now: TCPInstant) -> TCPOutgoingSegment {
        var options = TCPOptions(maximumSegmentSize: UInt16(configuration.maximumSegmentSize(family: flow.addresses.family)))
        if syn.options.windowScale != nil { options.windowScale = UInt8(receiver.windowShift) }
        options.timestamps = timestamps?.option(at: now)
        let window = receiver.synAcknowledgmentWindow()
        receiver.acknowledgmentSent()
        let header = makeHeader(sequence: sender.space.number(at: 0), flags: [.syn, .ack], window: window, options: options)
        sender.transmitted(from: 0, length: 0, fin: false, now: now)
        return TCPOutgoingSegment(header: header)
    }

    /// Data (and maybe the FIN) from sequence offset `start`; PSH when it empties the buffer.
    private mutating func dataSegment(from start: Int, length: Int, fin: Bool, now: TCPInstant) -> TCPOutgoingSegment {
        var flags: TCPFlags = [.ack]
        if fin { flags.insert(.fin) }
        if length > 0, start + length == sender.dataEnd { flags.insert(.psh) }
        let header = acknowledgingHeader(sequence: sender.space.number(at: start), flags: flags, now: now)
        sender.transmitted(from: start, length: length, fin: fin, now: now)
        return TCPOutgoingSegment(header: header, payloadOffset: start - 1, payloadCount: length)
    }

    /// A zero-window probe: a bare segment one below SND.UNA, which the app's kernel answers
    /// with an ACK carrying its current window (the form Linux uses; it needs no byte in flight).
    private mutating func windowProbe(now: TCPInstant) -> TCPOutgoingSegment {
        TCPOutgoingSegment(header: acknowledgingHeader(
            sequence: sender.space.number(at: sender.unacknowledged - 1), flags: [.ack], now: now))
    }

    /// A bare acknowledgment (also a window update). Its sequence number is the highest sent,
    /// as Linux's SND.NXT would be: after a go-back-N timeout our SND.NXT is behind what the app
    /// has received, and the app would find an acknowledgment numbered from it too old to read.
    private mutating func acknowledgment(now: TCPInstant) -> TCPOutgoingSegment {
        TCPOutgoingSegment(header: acknowledgingHeader(sequence: sender.space.number(at: sender.highestSent), flags: [.ack], now: now))
    }

    /// A header acknowledging RCV.NXT with the window to announce and our timestamps; every
    /// pending acknowledgment is satisfied by it.
    private mutating func acknowledgingHeader(sequence: TCPSequenceNumber, flags: TCPFlags, now: TCPInstant) -> TCPSegmentHeader {
        let window = receiver.windowField()
        receiver.acknowledgmentSent()
        var options = TCPOptions()
        options.timestamps = timestamps?.option(at: now)
        return makeHeader(sequence: sequence, flags: flags, window: window, options: options)
    }
}
