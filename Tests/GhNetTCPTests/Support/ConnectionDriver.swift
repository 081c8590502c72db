import GhNetAddress
import GhNetPackets
import Testing
@testable import GhNetTCP

/// A segment the connection sent, its payload copied out.
struct SentSegment: CustomStringConvertible {
    var header: TCPSegmentHeader
    var payload: [UInt8]

    var flags: TCPFlags { header.flags }
    var sequence: UInt32 { header.sequenceNumber }
    var acknowledgment: UInt32 { header.acknowledgmentNumber }
    var window: UInt16 { header.window }
    /// Offset of the first payload byte in the agent's stream (given the unit tests' ISN).
    var dataOffset: Int { TCPSequenceNumber(sequence) - TCPSequenceNumber(App.agentISN) - 1 }
    /// Offset in the app's stream this segment acknowledges up to.
    var acknowledgedAppOffset: Int { TCPSequenceNumber(acknowledgment) - TCPSequenceNumber(App.isn) - 1 }

    var description: String {
        "\(flags) seq=\(sequence) ack=\(acknowledgment) win=\(window) len=\(payload.count)"
    }
}

/// What the bridge was told, delivered bytes copied out.
enum BridgeEvent: Equatable {
    case openRequested(window: UInt32)
    case delivered([UInt8])
    case peerHalfClosed
    case sendSpaceReleased(UInt64)
    case unreachable(UnreachableReason, sequence: UInt32)
    case closed(TCPCloseReason)
}

/// Drives one connection by hand in the unit tests: feeds it, runs its timers on a virtual
/// clock, and records what it sends and tells the bridge.
struct ConnectionDriver {
    var connection: TCPConnection
    var now = TCPInstant(nanoseconds: 1_000_000_000)
    var events: [BridgeEvent] = []

    init(
        syn: TCPSegmentHeader = App.syn(), addresses: IPAddressPair = App.addresses,
        configuration: TCPConfiguration = TCPConfiguration(), timestampOffset: UInt64 = 0
    ) {
        var random = FixedRandom(UInt64(App.agentISN), timestampOffset)
        connection = TCPConnection(syn: syn, addresses: addresses, configuration: configuration, now: now, random: &random)!
        _ = drain()
    }

    /// Makes a driver whose connection is ESTABLISHED: open succeeded with `credit`, the app
    /// acknowledged the SYN-ACK offering `window`.
    static func established(
        syn: TCPSegmentHeader = App.syn(), configuration: TCPConfiguration = TCPConfiguration(),
        credit: UInt32 = 1 << 20, window: UInt16 = 65535, timestamps: TCPTimestamps? = nil
    ) -> ConnectionDriver {
        var driver = ConnectionDriver(syn: syn, configuration: configuration)
        driver.connection.openSucceeded(initialWindow: credit)
        _ = driver.drain()
        _ = driver.receive(App.segment(window: window, timestamps: timestamps))
        driver.events.removeAll()
        return driver
    }

    var state: TCPState { connection.state }

    /// Feeds a segment from the app; returns what the connection sent in answer.
    mutating func receive(_ header: TCPSegmentHeader, _ payload: [UInt8] = []) -> [SentSegment] {
        payload.withUnsafeBytes { bytes in
            connection.segmentReceived(header, payload: bytes, now: now)
            collectEvents(payload: bytes)
        }
        return takeSegments()
    }

    /// Reads events and segments after a bridge input.
    mutating func drain() -> [SentSegment] {
        collectEvents(payload: UnsafeRawBufferPointer(start: nil, count: 0))
        return takeSegments()
    }

    /// Server bytes for the app; returns what was taken.
    mutating func send(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { connection.send($0) }
    }

    /// Moves the clock on by `duration`, running every timer that falls due on the way;
    /// returns what was sent.
    mutating func advance(_ duration: Duration) -> [SentSegment] {
        let end = now + duration
        var sent: [SentSegment] = []
        for _ in 0..<10_000 {
            guard let deadline = connection.nextDeadline, deadline <= end else {
                now = end
                return sent
            }
            now = max(now, deadline)
            connection.timerFired(now: now)
            sent += drain()
        }
        Issue.record("the timers keep firing at \(now)")
        return sent
    }

    /// The bytes delivered to the bridge so far, in order.
    var deliveredBytes: [UInt8] {
        events.flatMap { event -> [UInt8] in
            if case .delivered(let bytes) = event { return bytes } else { return [] }
        }
    }

    private mutating func collectEvents(payload: UnsafeRawBufferPointer) {
        while let event = connection.nextEvent() {
            switch event {
            case .openRequested(let flow, let window):
                #expect(flow == connection.flow)
                events.append(.openRequested(window: window))
            case .deliverFromSegment(let range):
                events.append(.delivered(Array(payload[range])))
            case .deliverReassembled(let bytes):
                events.append(.delivered(Array(bytes)))
            case .peerHalfClosed:
                events.append(.peerHalfClosed)
            case .sendSpaceReleased(let acknowledged):
                events.append(.sendSpaceReleased(acknowledged))
            case .unreachable(let reason, let syn):
                events.append(.unreachable(reason, sequence: syn.sequenceNumber))
            case .closed(let reason):
                events.append(.closed(reason))
            }
        }
    }

    private mutating func takeSegments() -> [SentSegment] {
        var sent: [SentSegment] = []
        while let segment = connection.nextSegment(now: now) {
            let payload = connection.withPayload(of: segment) { Array($0) }
            #expect(payload.count == segment.payloadCount)
            sent.append(SentSegment(header: segment.header, payload: payload))
        }
        return sent
    }
}
