import GhNetAddress
import GhNetCore
import GhNetPackets
import GhNetTCP
import GhNetWire
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing
@testable import GhNetAgent

/// The agent's TCP side with early data: which SYNs are answered before the local side
/// connected, and what the local side hears when such a connection ends early.
@Suite struct TCPEndpointsEarlyDataTests {
    /// Frames for the local side and packets for the app, as the endpoints emit them.
    final class Wire: FrameSink, @unchecked Sendable {
        let frames = Mutex<[Frame]>([])
        let packets = Mutex<[[UInt8]]>([])

        func send(_ frame: Frame) -> Bool {
            frames.withLock { $0.append(frame) }
            return true
        }

        /// The TCP headers written to the app so far, in order.
        var segments: [TCPSegmentHeader] {
            packets.withLock { $0 }.compactMap { bytes in
                bytes.withUnsafeBytes { raw -> TCPSegmentHeader? in
                    guard let ip = try? IPPacket.parse(raw), let view = try? TCPSegmentView(ip.transport(of: raw)) else { return nil }
                    return try? TCPSegmentHeader.parse(view, addresses: ip.addresses)
                }
            }
        }
    }

    let server = IPAddress("198.18.2.10")!
    let app = IPAddress("198.18.0.2")!

    func makeEndpoints(earlyData: Bool) -> (TCPEndpoints, Wire, EmbeddedEventLoop) {
        let loop = EmbeddedEventLoop()
        let wire = Wire()
        let endpoints = TCPEndpoints(loop: loop, sink: wire, mtu: 1500, offloadChecksums: false, earlyData: earlyData,
                                     logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) { head, tail, _ in
            wire.packets.withLock { $0.append(Array(head) + Array(tail)) }
            return true
        }
        return (endpoints, wire, loop)
    }

    func addresses() -> IPAddressPair { IPAddressPair(source: app, destination: server)! }

    func syn(port: UInt16) -> TCPSegmentHeader {
        TCPSegmentHeader(sourcePort: port, destinationPort: 80, sequenceNumber: 1000, acknowledgmentNumber: 0, flags: [.syn],
                         window: 65535, options: TCPOptions(maximumSegmentSize: 1460))
    }

    /// The stream of the newest `tcpOpen`.
    func openedStream(_ wire: Wire) -> StreamID? {
        wire.frames.withLock { $0 }.compactMap { frame -> StreamID? in
            if case .tcpOpen(let stream, _, _, _) = frame { return stream }
            return nil
        }.last
    }

    /// A first connection to the server that the local side connects: the server now vouches.
    func connectOnce(_ endpoints: TCPEndpoints, _ wire: Wire) throws {
        endpoints.segment(syn(port: 40000), addresses: addresses(), payload: ByteBuffer())
        #expect(wire.segments.isEmpty, "a first contact's SYN is held")
        let stream = try #require(openedStream(wire))
        endpoints.frame(.tcpOpenResult(stream: stream, result: .connected(local: Endpoint(app, port: 1), window: 65536)))
        #expect(wire.segments.last?.flags == [.syn, .ack])
    }

    @Test func aServerThatJustAcceptedHasTheNextSYNAnsweredAtOnce() throws {
        let (endpoints, wire, _) = makeEndpoints(earlyData: true)
        try connectOnce(endpoints, wire)
        let before = wire.segments.count
        endpoints.segment(syn(port: 40001), addresses: addresses(), payload: ByteBuffer())
        #expect(wire.segments.count == before + 1 && wire.segments.last?.flags == [.syn, .ack], "answered before the open result")
        #expect(wire.segments.last?.destinationPort == 40001)
    }

    @Test func withoutTheCapabilityEverySYNWaits() throws {
        let (endpoints, wire, _) = makeEndpoints(earlyData: false)
        try connectOnce(endpoints, wire)
        let before = wire.segments.count
        endpoints.segment(syn(port: 40001), addresses: addresses(), payload: ByteBuffer())
        #expect(wire.segments.count == before)
    }

    @Test func anAppThatResetsBeforeTheConnectEndedResetsTheLocalStreamToo() throws {
        let (endpoints, wire, _) = makeEndpoints(earlyData: true)
        try connectOnce(endpoints, wire)
        endpoints.segment(syn(port: 40001), addresses: addresses(), payload: ByteBuffer())
        let stream = try #require(openedStream(wire))
        let synAck = try #require(wire.segments.last)
        // The app completes the handshake with its request, then resets.
        let request = ByteBuffer(string: "POST /order")
        endpoints.segment(TCPSegmentHeader(sourcePort: 40001, destinationPort: 80, sequenceNumber: 1001,
                                           acknowledgmentNumber: synAck.sequenceNumber &+ 1, flags: [.ack, .psh], window: 65535),
                          addresses: addresses(), payload: request)
        #expect(wire.frames.withLock { $0 }.contains(.data(stream: stream, offset: 0, payload: request)), "the early bytes went to the local side")
        endpoints.segment(TCPSegmentHeader(sourcePort: 40001, destinationPort: 80, sequenceNumber: 1001 + 11,
                                           acknowledgmentNumber: 0, flags: [.rst], window: 0),
                          addresses: addresses(), payload: ByteBuffer())
        #expect(wire.frames.withLock { $0 }.last == .reset(stream: stream, reason: .aborted),
                "the local side, still connecting, must drop the early bytes instead of writing them")
    }

    @Test func aConnectThatFailsAfterAnEarlyAnswerResetsTheAppAndTheNextSYNWaits() throws {
        let (endpoints, wire, _) = makeEndpoints(earlyData: true)
        try connectOnce(endpoints, wire)
        endpoints.segment(syn(port: 40001), addresses: addresses(), payload: ByteBuffer())
        let stream = try #require(openedStream(wire))
        let framesBefore = wire.frames.withLock { $0.count }
        endpoints.frame(.tcpOpenResult(stream: stream, result: .refused))
        #expect(wire.segments.last?.flags.contains(.rst) == true, "the app's accepted connection is reset")
        #expect(wire.frames.withLock { $0.count } == framesBefore, "the local side already forgot the stream: nothing more to say")
        let before = wire.segments.count
        endpoints.segment(syn(port: 40002), addresses: addresses(), payload: ByteBuffer())
        #expect(wire.segments.count == before, "after a failure the next SYN waits for the real outcome")
    }
}

/// How the local side hears of a connection the agent gives up.
extension TCPEndpointsEarlyDataTests {
    func resets(_ wire: Wire) -> [ResetReason] {
        wire.frames.withLock { $0 }.compactMap { frame -> ResetReason? in
            if case .reset(_, let reason) = frame { return reason }
            return nil
        }
    }

    @Test func dataBeyondTheCreditIsOneResetSaidOnce() throws {
        let (endpoints, wire, _) = makeEndpoints(earlyData: false)
        try connectOnce(endpoints, wire)
        let stream = try #require(openedStream(wire))
        // The credit granted in the open is 64 KiB: 100 KiB at once is beyond it.
        endpoints.frame(.data(stream: stream, offset: 0, payload: ByteBuffer(repeating: 1, count: 100 << 10)))
        #expect(resets(wire) == [.flowControlViolation])
    }
}

/// The one timer per connection, armed lazily: an early task finds nothing due and arms the
/// next; nothing is lost or late. The endpoints read the embedded loop's virtual clock.
extension TCPEndpointsEarlyDataTests {
    @Test func aSYNACKTheAppNeverAcknowledgesIsSentAgainAtEachTimeout() throws {
        let (endpoints, wire, loop) = makeEndpoints(earlyData: false)
        try connectOnce(endpoints, wire)
        let first = try #require(wire.segments.last)
        loop.advanceTime(by: .milliseconds(999))
        #expect(wire.segments.count == 1, "nothing is due before the initial timeout")
        loop.advanceTime(by: .milliseconds(1))
        #expect(wire.segments.count == 2, "sent again at 1 s")
        loop.advanceTime(by: .seconds(2))
        #expect(wire.segments.count == 3, "and again after the doubled timeout: the timer was armed anew")
        #expect(wire.segments.allSatisfy { $0.flags == [.syn, .ack] && $0.sequenceNumber == first.sequenceNumber })
    }

    @Test func aDeadlineThatMovedLaterIsNeitherMissedNorEarly() throws {
        let (endpoints, wire, loop) = makeEndpoints(earlyData: false)
        try connectOnce(endpoints, wire)
        let stream = try #require(openedStream(wire))
        let synAck = try #require(wire.segments.last)
        let server = synAck.sequenceNumber &+ 1
        endpoints.segment(TCPSegmentHeader(sourcePort: 40000, destinationPort: 80, sequenceNumber: 1001, acknowledgmentNumber: server,
                                           flags: [.ack], window: 65535), addresses: addresses(), payload: ByteBuffer())
        // One byte to the app, its timer armed; acknowledged 100 ms later, when a second byte
        // goes: the deadline moves later, and the task armed for the first stays.
        endpoints.frame(.data(stream: stream, offset: 0, payload: ByteBuffer(string: "a")))
        loop.advanceTime(by: .milliseconds(100))
        endpoints.segment(TCPSegmentHeader(sourcePort: 40000, destinationPort: 80, sequenceNumber: 1001, acknowledgmentNumber: server &+ 1,
                                           flags: [.ack], window: 65535), addresses: addresses(), payload: ByteBuffer())
        endpoints.frame(.data(stream: stream, offset: 1, payload: ByteBuffer(string: "b")))
        let sent = wire.segments.count
        // That task fires within the minimum timeout of the second byte: nothing is due yet.
        loop.advanceTime(by: TimeAmount(TCPConfiguration().minimumRetransmissionTimeout) - .milliseconds(1))
        #expect(wire.segments.count == sent, "no retransmission before the second byte's timeout")
        // The early task armed the real deadline: the second byte goes again.
        loop.advanceTime(by: .seconds(5))
        let again = wire.segments.dropFirst(sent)
        #expect(!again.isEmpty && again.allSatisfy { $0.sequenceNumber == server &+ 1 }, "\(again)")
    }
}
