import GhNetAddress
import GhNetPackets
import GhNetTCP

/// A small but correct model of the app's kernel for the simulation: the active opener. It
/// sends a SYN with options, cumulative ACKs for every segment it receives, retransmits on a
/// timer (go-back-N), holds out-of-order data, probes a zero window, and closes with FIN. Its
/// reader drains a bounded receive buffer, so its window really closes.
///
/// It also polices the agent: data past the window it announced, or retransmitted bytes that
/// differ from the first copy, are recorded as violations.
struct KernelModel {
    /// The model's RFC 9293 states (SYN-SENT onwards).
    enum State: Equatable, CustomStringConvertible {
        case synSent, established, finWait1, finWait2, closing, timeWait, closeWait, lastAck, closed
        /// An RST arrived in the state named.
        case reset(String)

        var description: String {
            switch self {
            case .synSent: "SYN-SENT"
            case .established: "ESTABLISHED"
            case .finWait1: "FIN-WAIT-1"
            case .finWait2: "FIN-WAIT-2"
            case .closing: "CLOSING"
            case .timeWait: "TIME-WAIT"
            case .closeWait: "CLOSE-WAIT"
            case .lastAck: "LAST-ACK"
            case .closed: "CLOSED"
            case .reset(let state): "reset in \(state)"
            }
        }
    }

    /// What the model offers in its SYN and how big its receive buffer is.
    struct Settings: CustomStringConvertible {
        var mss: Int
        var windowShift: Int?
        var timestamps: Bool
        var receiveBuffer: Int

        var description: String {
            "mss \(mss), window shift \(windowShift.map(String.init) ?? "none"), timestamps \(timestamps), buffer \(receiveBuffer)"
        }
    }

    static let initialTimeout = Duration.milliseconds(200)
    static let maximumTimeout = Duration.seconds(1)

    let settings: Settings
    /// App → server addresses.
    let addresses: IPAddressPair
    let port: UInt16
    let serverPort: UInt16
    let iss: TCPSequenceNumber
    private(set) var state = State.synSent
    private(set) var violations: [String] = []

    /// What the app writes.
    let outgoing: [UInt8]

    // Sending, in offsets from `iss` (the SYN is 0).
    private(set) var closedByApp = false
    private var unacknowledged = 0
    private var next = 0
    private var highestSent = 0
    private var peerWindow = 0
    private var peerShift = 0
    private var ourShift = 0
    private var windowUpdateSequence = -1
    private var windowUpdateAcknowledgment = 0
    private var sendSize = 536
    private var timestamps = false
    private var backoff = 0
    private var retransmissionDeadline: TCPInstant?
    private var probeDeadline: TCPInstant?
    private var probeDue = false

    // Receiving, in offsets from the agent's ISN (its SYN is 0).
    private var irs = TCPSequenceNumber(0)
    private var receiveNext = 0
    private(set) var received: [UInt8] = []
    private(set) var read = 0
    private var held: [Int: [UInt8]] = [:]
    private var peerFin: Int?
    private var advertisedEdge = 0
    private var acknowledgeNow = false
    private var recentTimestamp: UInt32 = 0

    init(settings: Settings, addresses: IPAddressPair, port: UInt16, serverPort: UInt16, iss: UInt32, outgoing: [UInt8]) {
        self.settings = settings
        self.addresses = addresses
        self.port = port
        self.serverPort = serverPort
        self.iss = TCPSequenceNumber(iss)
        self.outgoing = outgoing
    }

    /// Every byte the app wrote has been acknowledged.
    var everythingAcknowledged: Bool { unacknowledged >= 1 + outgoing.count }
    /// The agent's FIN was received in order.
    var peerClosed: Bool { peerFin.map { receiveNext > $0 } ?? false }

    /// When ``timerFired(now:)`` has work.
    var nextDeadline: TCPInstant? {
        [retransmissionDeadline, probeDeadline].compactMap { $0 }.min()
    }

    // MARK: App actions

    /// The app reads up to `count` bytes; the window reopens.
    mutating func appRead(_ count: Int) {
        let before = window
        read = min(received.count, read + count)
        if before < 2 * sendSize, window >= 2 * sendSize || window >= settings.receiveBuffer / 2 { acknowledgeNow = true }
    }

    /// The app shuts down writing: FIN after the data.
    mutating func appClose() {
        guard !closedByApp else { return }
        closedByApp = true
        switch state {
        case .established: state = .finWait1
        case .closeWait: state = .lastAck
        default: break
        }
    }

    // MARK: Segments

    /// Handles a packet from the agent.
    mutating func receive(_ packet: [UInt8], now: TCPInstant) {
        let parsed: (TCPSegmentHeader, [UInt8])? = packet.withUnsafeBytes { bytes in
            guard let ip = try? IPPacket.parse(bytes), let view = try? TCPSegmentView(ip.transport(of: bytes)),
                  let header = try? TCPSegmentHeader.parse(view, addresses: ip.addresses) else { return nil }
            return (header, Array(view.payload))
        }
        guard let (header, payload) = parsed else {
            violations.append("unparsable packet from the agent")
            return
        }
        switch state {
        case .synSent: receiveInSynSent(header)
        case .closed, .reset: break
        default: receiveSynchronized(header, payload)
        }
    }

    private mutating func receiveInSynSent(_ header: TCPSegmentHeader) {
        let flags = header.flags
        guard flags.contains(.ack), TCPSequenceNumber(header.acknowledgmentNumber) == iss + 1 else { return }
        if flags.contains(.rst) {
            state = .reset("SYN-SENT")
            return
        }
        guard flags.contains(.syn) else { return }
        irs = TCPSequenceNumber(header.sequenceNumber)
        receiveNext = 1
        unacknowledged = 1
        next = 1
        let options = header.options
        if let shift = options.windowScale, let ours = settings.windowShift {
            peerShift = Int(shift)
            ourShift = ours
        }
        timestamps = settings.timestamps && options.timestamps != nil
        if let value = options.timestamps?.value { recentTimestamp = value }
        if options.sackPermitted { violations.append("SACK-permitted offered back") }
        sendSize = min(Int(options.maximumSegmentSize ?? 536), settings.mss) - (timestamps ? 12 : 0)
        peerWindow = Int(header.window)
        windowUpdateSequence = 0
        windowUpdateAcknowledgment = 1
        retransmissionDeadline = nil
        backoff = 0
        state = closedByApp ? .finWait1 : .established
        acknowledgeNow = true
    }

    private mutating func receiveSynchronized(_ header: TCPSegmentHeader, _ payload: [UInt8]) {
        let flags = header.flags
        let start = receiveNext + (TCPSequenceNumber(header.sequenceNumber) - (irs + receiveNext))
        if flags.contains(.rst) {
            if start >= receiveNext - 1, start <= max(advertisedEdge, receiveNext) { state = .reset("\(state)") }
            return
        }
        if flags.contains(.syn) {
            acknowledgeNow = true
            return
        }
        guard flags.contains(.ack) else { return }
        if let value = header.options.timestamps?.value, start <= receiveNext,
           Int32(bitPattern: value &- recentTimestamp) >= 0 {
            recentTimestamp = value
        }
        acknowledge(header, start: start)
        takeText(payload, at: start, fin: flags.contains(.fin))
        if payload.isEmpty, !flags.contains(.fin), start < receiveNext { acknowledgeNow = true }
    }

    private mutating func acknowledge(_ header: TCPSegmentHeader, start: Int) {
        let acknowledgment = unacknowledged + (TCPSequenceNumber(header.acknowledgmentNumber) - (iss + unacknowledged))
        if acknowledgment > highestSent {
            acknowledgeNow = true
            return
        }
        guard acknowledgment >= unacknowledged else { return }
        if acknowledgment > unacknowledged || windowUpdateSequence < start
            || (windowUpdateSequence == start && windowUpdateAcknowledgment <= acknowledgment) {
            peerWindow = Int(header.window) << peerShift
            windowUpdateSequence = start
            windowUpdateAcknowledgment = acknowledgment
        }
        if acknowledgment > unacknowledged {
            unacknowledged = acknowledgment
            next = max(next, acknowledgment)
            backoff = 0
            retransmissionDeadline = nil
        }
        let end = 1 + outgoing.count + 1
        guard closedByApp, unacknowledged == end else { return }
        switch state {
        case .finWait1: state = .finWait2
        case .closing: state = .timeWait
        case .lastAck: state = .closed
        default: break
        }
    }

    private mutating func takeText(_ payload: [UInt8], at start: Int, fin: Bool) {
        if !payload.isEmpty || fin { acknowledgeNow = true }
        let end = start + payload.count
        if !payload.isEmpty, end > advertisedEdge {
            violations.append("data up to \(end - 1) past the announced edge \(advertisedEdge - 1)")
        }
        if fin { peerFin = peerFin ?? end }
        // Bytes already received must match what was sent first.
        let overlap = min(end, receiveNext) - start
        if overlap > 0, !payload.isEmpty {
            let from = start - 1
            let mine = received[max(0, from)..<(from + overlap)]
            if !mine.elementsEqual(payload[(max(0, from) - from)..<overlap]) {
                violations.append("retransmitted bytes at \(from) differ")
            }
        }
        guard !peerClosed else { return }
        if start > receiveNext, !payload.isEmpty {
            if held[start] == nil || held[start]!.count < payload.count { held[start] = payload }
        } else if start <= receiveNext, end > receiveNext {
            received += payload[(receiveNext - start)...]
            receiveNext = end
            while let (offset, bytes) = held.first(where: { $0.key <= receiveNext }) {
                held[offset] = nil
                if offset + bytes.count > receiveNext {
                    received += bytes[(receiveNext - offset)...]
                    receiveNext = offset + bytes.count
                }
            }
        }
        if let peerFin, receiveNext == peerFin {
            receiveNext += 1
            switch state {
            case .established: state = .closeWait
            case .finWait1: state = .closing
            case .finWait2: state = .timeWait
            default: break
            }
        }
    }

    // MARK: Timers and output

    /// Runs the timers due at `now`.
    mutating func timerFired(now: TCPInstant) {
        if let deadline = retransmissionDeadline, deadline <= now {
            retransmissionDeadline = nil
            backoff += 1
            next = unacknowledged
        }
        if let deadline = probeDeadline, deadline <= now {
            probeDeadline = nil
            probeDue = true
        }
    }

    private var timeout: Duration {
        min(Self.initialTimeout * (1 << min(backoff, 10)), Self.maximumTimeout)
    }

    /// The window the model announces now, in bytes.
    private var window: Int { max(0, settings.receiveBuffer - (received.count - read)) }

    /// The packets to send now.
    mutating func output(now: TCPInstant) -> [[UInt8]] {
        var packets: [[UInt8]] = []
        switch state {
        case .synSent:
            if retransmissionDeadline == nil {
                var options = TCPOptions(maximumSegmentSize: UInt16(settings.mss), sackPermitted: true)
                options.windowScale = settings.windowShift.map(UInt8.init)
                if settings.timestamps { options.timestamps = TCPTimestamps(value: clock(now), echoReply: 0) }
                packets.append(packet(sequence: 0, flags: [.syn], window: UInt16(min(window, 65535)), options: options, payload: []))
                retransmissionDeadline = now + timeout
                highestSent = 1
            }
            return packets
        case .closed, .reset:
            return packets
        default:
            break
        }
        let dataEnd = 1 + outgoing.count
        let end = dataEnd + (closedByApp ? 1 : 0)
        while next < end {
            let room = unacknowledged + peerWindow - next
            var length = 0
            if next < dataEnd {
                length = min(sendSize, dataEnd - next, room)
                guard length > 0 else { break }
            }
            let fin = closedByApp && next + length == dataEnd
            let payload = Array(outgoing[(next - 1)..<(next - 1 + length)])
            var flags: TCPFlags = [.ack]
            if fin { flags.insert(.fin) }
            packets.append(acknowledging(sequence: next, flags: flags, now: now, payload: payload))
            next += length + (fin ? 1 : 0)
            highestSent = max(highestSent, next)
            if retransmissionDeadline == nil { retransmissionDeadline = now + timeout }
        }
        if next < dataEnd, unacknowledged == next, retransmissionDeadline == nil {
            if probeDue {
                probeDue = false
                packets.append(acknowledging(sequence: unacknowledged - 1, flags: [.ack], now: now, payload: []))
            }
            if probeDeadline == nil { probeDeadline = now + timeout }
        } else {
            probeDeadline = nil
            probeDue = false
        }
        if acknowledgeNow {
            packets.append(acknowledging(sequence: highestSent, flags: [.ack], now: now, payload: []))
        }
        if next > unacknowledged, retransmissionDeadline == nil { retransmissionDeadline = now + timeout }
        return packets
    }

    private func clock(_ now: TCPInstant) -> UInt32 {
        UInt32(truncatingIfNeeded: now.nanoseconds / 1_000_000) &+ 0x8000_0000
    }

    private mutating func acknowledging(sequence: Int, flags: TCPFlags, now: TCPInstant, payload: [UInt8]) -> [UInt8] {
        acknowledgeNow = false
        let field = min(window >> ourShift, 65535)
        advertisedEdge = max(advertisedEdge, receiveNext + field << ourShift)
        var options = TCPOptions()
        if timestamps { options.timestamps = TCPTimestamps(value: clock(now), echoReply: recentTimestamp) }
        return packet(sequence: sequence, flags: flags, window: UInt16(field), options: options, payload: payload)
    }

    private func packet(sequence: Int, flags: TCPFlags, window: UInt16, options: TCPOptions, payload: [UInt8]) -> [UInt8] {
        var flags = flags
        let acknowledgment: UInt32
        if flags.contains(.syn) {
            acknowledgment = 0
        } else {
            flags.insert(.ack)
            acknowledgment = (irs + receiveNext).rawValue
        }
        let header = TCPSegmentHeader(
            sourcePort: port, destinationPort: serverPort, sequenceNumber: (iss + sequence).rawValue,
            acknowledgmentNumber: acknowledgment, flags: flags, window: window, options: options)
        return payload.withUnsafeBytes { try! PacketBuilder.tcp(addresses: addresses, header: header, payload: $0) }
    }
}
