import NIOCore
import NIOPosix
import Synchronization

/// What a fake UDP server sends back for one query: the datagrams, in order (none: it stays silent).
typealias UDPBehaviour = @Sendable (_ query: [UInt8]) -> [[UInt8]]
/// What a fake TCP server sends back for one query: one message, nil to close without answering,
/// or an empty message to keep the connection open and say nothing.
typealias TCPBehaviour = @Sendable (_ query: [UInt8]) -> [UInt8]?

/// Counts the queries a fake server received.
final class QueryCounter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}

/// Every channel a test opens, closed when the test ends (even when it throws).
final class Channels: Sendable {
    private let open = Mutex<[any Channel]>([])

    func add(_ channel: any Channel) { open.withLock { $0.append(channel) } }

    func closeAll() async {
        for channel in open.withLock({ value in defer { value = [] }; return value }) {
            try? await channel.close()
        }
    }
}

/// Runs `body` with a fresh ``Channels`` and closes everything it registered afterwards.
func withChannels<T>(_ body: (Channels) async throws -> T) async throws -> T {
    let channels = Channels()
    do {
        let result = try await body(channels)
        await channels.closeAll()
        return result
    } catch {
        await channels.closeAll()
        throw error
    }
}

/// A DNS server on 127.0.0.1 that answers over UDP the way the test says.
struct FakeUDPServer {
    let channel: any Channel
    let queries: QueryCounter

    var address: SocketAddress { channel.localAddress! }
    var port: Int { channel.localAddress!.port! }

    static func start(on channels: Channels, port: Int = 0, _ behaviour: @escaping UDPBehaviour) async throws -> FakeUDPServer {
        let counter = QueryCounter()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UDPAnswerer(behaviour: behaviour, counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        channels.add(channel)
        return FakeUDPServer(channel: channel, queries: counter)
    }
}

/// A DNS server on 127.0.0.1 that answers over TCP (two-byte length prefix) the way the test says.
struct FakeTCPServer {
    let channel: any Channel
    let queries: QueryCounter

    var address: SocketAddress { channel.localAddress! }
    var port: Int { channel.localAddress!.port! }

    static func start(on channels: Channels, port: Int = 0, _ behaviour: @escaping TCPBehaviour) async throws -> FakeTCPServer {
        let counter = QueryCounter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                channels.add(child)
                return child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(TCPAnswerer(behaviour: behaviour, counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        channels.add(channel)
        return FakeTCPServer(channel: channel, queries: counter)
    }
}

/// A UDP server and a TCP server on the same port of 127.0.0.1 (a real DNS server's shape).
func startUDPAndTCP(on channels: Channels, udp: @escaping UDPBehaviour, tcp: @escaping TCPBehaviour) async throws
    -> (udp: FakeUDPServer, tcp: FakeTCPServer) {
    var lastError: (any Error)?
    for _ in 0..<10 {
        let udpServer = try await FakeUDPServer.start(on: channels, udp)
        do {
            return (udpServer, try await FakeTCPServer.start(on: channels, port: udpServer.port, tcp))
        } catch {
            // The TCP port is taken by someone else: try another port.
            lastError = error
            try? await udpServer.channel.close()
        }
    }
    throw lastError!
}

/// A UDP port of 127.0.0.1 where nothing listens (bound, then closed again).
func unusedUDPPort() async throws -> Int {
    let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    return port
}

final class UDPAnswerer: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let behaviour: UDPBehaviour
    private let counter: QueryCounter

    init(behaviour: @escaping UDPBehaviour, counter: QueryCounter) {
        self.behaviour = behaviour
        self.counter = counter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        counter.increment()
        for reply in behaviour(Array(envelope.data.readableBytesView)) {
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: reply))), promise: nil)
        }
        context.flush()
    }
}

final class TCPAnswerer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let behaviour: TCPBehaviour
    private let counter: QueryCounter
    private var buffer = ByteBuffer()

    init(behaviour: @escaping TCPBehaviour, counter: QueryCounter) {
        self.behaviour = behaviour
        self.counter = counter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
              buffer.readableBytes >= 2 + Int(length) else { return }
        buffer.moveReaderIndex(forwardBy: 2)
        let query = buffer.readBytes(length: Int(length)) ?? []
        counter.increment()
        guard let answer = behaviour(query) else {
            context.close(promise: nil)
            return
        }
        guard !answer.isEmpty else { return }
        var framed = ByteBuffer()
        framed.writeInteger(UInt16(answer.count))
        framed.writeBytes(answer)
        context.writeAndFlush(wrapOutboundOut(framed), promise: nil)
    }
}

/// Small DNS messages for the fake servers.
enum Messages {
    /// A query (RD set) for one question.
    static func query(_ name: String = "db.corp.example", type: UInt16 = 1, id: UInt16 = .random(in: 0...UInt16.max)) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            bytes.append(UInt8(label.utf8.count))
            bytes += label.utf8
        }
        bytes += [0, UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
        return bytes
    }

    /// An answer to `query` (same ID and question) with one A record per address.
    static func answer(to query: [UInt8], rcode: UInt8 = 0, truncated: Bool = false, addresses: [[UInt8]] = []) -> [UInt8] {
        var bytes: [UInt8] = [query[0], query[1], 0x80 | (query[2] & 0x79) | (truncated ? 0x02 : 0), 0x80 | (rcode & 0x0F),
                              0, 1, 0, UInt8(addresses.count), 0, 0, 0, 0]
        bytes += query[12...]
        for address in addresses {
            bytes += [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, UInt8(address.count)] + address
        }
        return bytes
    }

    /// `message` with another ID.
    static func withID(_ message: [UInt8], _ id: UInt16) -> [UInt8] {
        var copy = message
        copy[0] = UInt8(id >> 8)
        copy[1] = UInt8(id & 0xFF)
        return copy
    }

    static func id(of message: [UInt8]) -> UInt16 { UInt16(message[0]) << 8 | UInt16(message[1]) }
}
