import GhNetPackets
import NIOCore

/// Inputs from the bridge side: the local side's connect outcome, server bytes and close,
/// credit from the local reader, and aborts.
extension TCPConnection {
    /// The local side connected: answer the held SYN with a SYN-ACK. `initialWindow` is the
    /// credit it granted for app → server bytes (``TCPEvent/openRequested(_:window:)``'s reply).
    /// Ignored unless ``TCPState/awaitingOpen``.
    public mutating func openSucceeded(initialWindow: UInt32) {
        guard state == .awaitingOpen else { return }
        _ = receiver.creditReceived(consumed: 0, window: Int(initialWindow))
        state = .synReceived
    }

    /// The local side's connect failed: refused → RST to the app; unreachable →
    /// ``TCPEvent/unreachable(_:quoting:)``; timed out → nothing. The connection closes either
    /// way. Ignored unless ``TCPState/awaitingOpen``.
    public mutating func openFailed(_ failure: TCPOpenFailure) {
        guard state == .awaitingOpen else { return }
        switch failure {
        case .refused: pendingReset = tcpReset(answering: syn, payloadCount: 0)
        case .unreachable(let reason): events.append(.unreachable(reason, quoting: syn))
        case .timedOut: break
        }
        close(.openFailed(failure))
    }

    /// Bytes from the far server for the app, appended to the send buffer as far as it has
    /// room (the buffer is kept, not copied); returns how many were taken. The local side never
    /// sends past its credit, so a short count means it broke the credit. Takes nothing before
    /// the open succeeded, after ``shutdownWrite()`` or once closed.
    public mutating func send(_ bytes: ByteBuffer) -> Int {
        switch state {
        case .synReceived, .established, .closeWait: sender.append(bytes)
        case .awaitingOpen, .lastAck, .finWait1, .finWait2, .closing, .timeWait, .closed: 0
        }
    }

    /// ``send(_:)-(ByteBuffer)`` of a copy of `bytes`.
    public mutating func send(_ bytes: UnsafeRawBufferPointer) -> Int {
        send(ByteBuffer(bytes: bytes))
    }

    /// The far server closed its side: send FIN after the buffered bytes (ESTABLISHED →
    /// FIN-WAIT-1, CLOSE-WAIT → LAST-ACK; in SYN-RECEIVED the FIN waits for the handshake).
    public mutating func shutdownWrite() {
        switch state {
        case .synReceived:
            sender.queueFin()
        case .established:
            sender.queueFin()
            state = .finWait1
        case .closeWait:
            sender.queueFin()
            state = .lastAck
        case .awaitingOpen, .lastAck, .finWait1, .finWait2, .closing, .timeWait, .closed:
            break
        }
    }

    /// The local reader consumed every byte before `consumed` (counted from the start of the
    /// app → server stream) and allows `window` more: the receive window may open, and a window
    /// update goes to the app when it opened enough to matter.
    public mutating func creditReceived(consumed: UInt64, window: UInt32) {
        switch state {
        case .synReceived:
            _ = receiver.creditReceived(consumed: Int(clamping: consumed), window: Int(window))
        case .established, .finWait1, .finWait2:
            if receiver.creditReceived(consumed: Int(clamping: consumed), window: Int(window)) {
                receiver.acknowledgeNow = true
            }
        case .awaitingOpen, .closeWait, .lastAck, .closing, .timeWait, .closed:
            break
        }
    }

    /// Ends the connection at once with an RST to the app (a held SYN gets the RST a refused
    /// connect gets); unsent and unacknowledged bytes are dropped.
    public mutating func abort() {
        switch state {
        case .awaitingOpen:
            pendingReset = tcpReset(answering: syn, payloadCount: 0)
        case .synReceived, .established, .closeWait, .lastAck, .finWait1, .finWait2, .closing:
            pendingReset = synchronizedReset()
        case .timeWait:
            break
        case .closed:
            return
        }
        close(.aborted)
    }

    /// Enters CLOSED: drops the buffers, stops the timers and tells the bridge.
    mutating func close(_ reason: TCPCloseReason) {
        state = .closed(reason)
        sender.clear()
        receiver.clear()
        timeWaitDeadline = nil
        events.append(.closed(reason))
    }

    /// The RST that ends a synchronized connection: numbered from the highest sequence sent
    /// (the app's RCV.NXT when it has everything, so RFC 5961 lets it through at once; otherwise
    /// the app answers with a challenge ACK, which the dispatcher answers with
    /// ``tcpReset(answering:payloadCount:)`` once the connection is gone).
    func synchronizedReset() -> TCPSegmentHeader {
        makeHeader(sequence: sender.space.number(at: sender.highestSent), flags: [.rst, .ack], window: 0, options: TCPOptions())
    }

    /// A header from the server's port to the app's, acknowledging RCV.NXT.
    func makeHeader(sequence: TCPSequenceNumber, flags: TCPFlags, window: UInt16, options: TCPOptions) -> TCPSegmentHeader {
        TCPSegmentHeader(
            sourcePort: flow.serverPort, destinationPort: flow.appPort, sequenceNumber: sequence.rawValue,
            acknowledgmentNumber: receiver.space.number(at: receiver.next).rawValue, flags: flags, window: window,
            options: options)
    }
}
