import Foundation
import GhNetAddress
import GhNetCore
import GhNetWire
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import GhNetLocal

/// UDP flows on real loopback sockets: a flow survives its socket being closed by an error,
/// and a flow that only receives is not idle.
@Suite(.serialized) struct UDPRelaySocketTests {
    final class Recorder: FrameSink, @unchecked Sendable {
        let frames = Mutex<[Frame]>([])
        func send(_ frame: Frame) -> Bool { frames.withLock { $0.append(frame) }; return true }
        var isWritable: Bool { true }
    }

    struct AllowAll: FlowPolicyCheck {
        func refusal(for destination: IPAddress) -> String? { nil }
    }

    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let got = Mutex<[String]>([])
        let senders = Mutex<[SocketAddress]>([])
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            got.withLock { $0.append(String(buffer: envelope.data)) }
            senders.withLock { $0.append(envelope.remoteAddress) }
        }
    }

    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func freePort(_ loop: any EventLoop) async throws -> Int {
        let probe = try await DatagramBootstrap(group: loop).bind(host: "127.0.0.1", port: 0).get()
        let port = probe.localAddress!.port!
        try await probe.close()
        return port
    }

    func server(_ loop: any EventLoop, port: Int, _ collector: Collector) async throws -> any Channel {
        try await DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(collector) } }
            .bind(host: "127.0.0.1", port: port).get()
    }

    /// The app sends to a server that is not up yet; two of its datagrams reach the relay in one
    /// loop turn (one read of the link). Then the server comes up: the app's next datagram must reach it.
    @Test(arguments: [false, true])
    func flowSurvivesRefusal(twoInOneTurn: Bool) async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let port = try await freePort(loop)
        let agent = Recorder()
        let relay = UDPRelay(loop: loop, sink: agent, policy: AllowAll(), monitor: ActivityMonitor(capacity: 100, logger: Self.logger),
                             logger: Self.logger)
        let source = Endpoint(IPAddress("198.19.0.2")!, port: 40000)
        let destination = Endpoint(IPAddress("127.0.0.1")!, port: UInt16(port))
        func send(_ texts: [String]) async throws {
            try await loop.submit { for t in texts { relay.forward(source: source, destination: destination, payload: ByteBuffer(string: t)) } }.get()
            try await Task.sleep(for: .milliseconds(200))
        }
        try await send(["a"])
        if twoInOneTurn { try await send(["b", "c"]) } else { try await send(["b"]); try await send(["c"]) }
        let collector = Collector()
        let up = try await server(loop, port: port, collector)
        try await send(["d"])
        #expect(collector.got.withLock { $0 } == ["d"], "two datagrams in one loop turn: \(twoInOneTurn)")
        try await up.close()
        relay.closeAll()
    }

    /// A flow that keeps receiving (a one-way stream, `iperf3 -u -R`) is not idle.
    @Test func flowReceivingIsNotIdle() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let port = try await freePort(loop)
        let collector = Collector()
        let up = try await server(loop, port: port, collector)
        let agent = Recorder()
        let relay = UDPRelay(loop: loop, sink: agent, policy: AllowAll(), monitor: ActivityMonitor(capacity: 100, logger: Self.logger),
                             logger: Self.logger, idleTimeout: .seconds(1))
        let source = Endpoint(IPAddress("198.19.0.2")!, port: 40000)
        let destination = Endpoint(IPAddress("127.0.0.1")!, port: UInt16(port))
        try await loop.submit { relay.forward(source: source, destination: destination, payload: ByteBuffer(string: "start")) }.get()
        try await Task.sleep(for: .milliseconds(200))
        let client = try #require(collector.senders.withLock { $0.first })
        for i in 0..<10 {   // the server streams for 2 s; the relay's once-a-second sweep runs meanwhile
            try await up.writeAndFlush(AddressedEnvelope(remoteAddress: client, data: ByteBuffer(string: "s\(i)")))
            try await Task.sleep(for: .milliseconds(200))
            try await loop.submit { relay.expireIdle() }.get()
        }
        try await Task.sleep(for: .milliseconds(200))
        let received = agent.frames.withLock { $0 }.filter { if case .udpDatagram = $0 { true } else { false } }.count
        #expect(received == 10)
        try await up.close()
        relay.closeAll()
    }
}
