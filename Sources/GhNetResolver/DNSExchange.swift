import GhNetDNS
import NIOCore
import NIOPosix

/// Asks DNS servers a raw query and returns their raw answer: over UDP from a fresh socket per
/// query (so answers cannot be confused between clients, and the source port is random), and
/// again over TCP when the UDP answer comes back truncated. Both sides use it: the agent for the
/// codespace's own resolvers, the local side for the local machine's.
public struct DNSExchange: Sendable {
    private let group: any EventLoopGroup
    /// Time allowed for one server to answer over UDP.
    public var udpTimeout: Duration
    /// Time allowed to connect, send and read one answer over TCP.
    public var tcpTimeout: Duration

    public init(group: any EventLoopGroup, udpTimeout: Duration = .milliseconds(1500), tcpTimeout: Duration = .seconds(3)) {
        self.group = group
        self.udpTimeout = udpTimeout
        self.tcpTimeout = tcpTimeout
    }

    /// Asks `servers` in order and returns the first answer that is not SERVFAIL or REFUSED (or
    /// the last such answer when no server gives a better one); throws the last error when no
    /// server answered at all.
    public func ask(_ query: [UInt8], servers: [SocketAddress]) async throws(DNSExchangeError) -> [UInt8] {
        var lastError = DNSExchangeError.unreachable("no server to ask")
        var fallback: [UInt8]?
        for server in servers {
            do {
                let answer = try await ask(query, server: server)
                let rcode = answer[3] & 0x0F
                if rcode == DNSResponseCode.serverFailure.rawValue || rcode == DNSResponseCode.refused.rawValue {
                    fallback = answer
                    continue
                }
                return answer
            } catch {
                lastError = error
            }
        }
        if let fallback { return fallback }
        throw lastError
    }

    /// Asks one server: UDP first, TCP when the UDP answer has TC set.
    public func ask(_ query: [UInt8], server: SocketAddress) async throws(DNSExchangeError) -> [UInt8] {
        let answer = try await askOverUDP(query, server: server)
        guard answer[2] & 0x02 != 0 else { return answer }
        return (try? await askOverTCP(query, server: server)) ?? answer
    }

    /// The largest UDP payload over IPv4: what a read of a DNS socket must hold.
    public static let largestDatagram = 65_536

    /// One query in one datagram.
    public func askOverUDP(_ query: [UInt8], server: SocketAddress) async throws(DNSExchangeError) -> [UInt8] {
        guard query.count >= 12, query.count <= 65_507 else { throw .malformedAnswer }
        let loop = group.next()
        let promise = loop.makePromise(of: [UInt8].self)
        let queryID = Self.id(of: query), timeout = TimeAmount(udpTimeout)
        do {
            // The query leaves on the loop as soon as the socket is there (the answer's deadline
            // is already running), not after this task is scheduled again.
            try await DatagramBootstrap(group: loop)
                // Whole answers: NIO's default reads cut a datagram at 2 KiB without saying so,
                // and a cut answer (no TC bit) is malformed.
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.largestDatagram))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            AddressedEnvelopeUnwrapper(),
                            OneShotAnswerHandler(queryID: queryID, framing: .datagram, promise: promise, timeout: timeout))
                    }
                }
                .connect(to: server)
                .map { channel in
                    channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: ByteBuffer(bytes: query)), promise: nil)
                }
                .get()
        } catch {
            promise.fail(DNSExchangeError.unreachable("\(error)"))
        }
        return try await Self.result(of: promise)
    }

    /// One query over a new TCP connection.
    public func askOverTCP(_ query: [UInt8], server: SocketAddress) async throws(DNSExchangeError) -> [UInt8] {
        guard query.count >= 12, query.count <= 65_535 else { throw .malformedAnswer }
        let loop = group.next()
        let promise = loop.makePromise(of: [UInt8].self)
        let queryID = Self.id(of: query), timeout = TimeAmount(tcpTimeout)
        var prefixed = ByteBuffer()
        prefixed.writeInteger(UInt16(query.count))
        prefixed.writeBytes(query)
        let framed = prefixed
        do {
            try await ClientBootstrap(group: loop)
                .connectTimeout(TimeAmount(tcpTimeout))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            OneShotAnswerHandler(queryID: queryID, framing: .lengthPrefixed, promise: promise, timeout: timeout))
                    }
                }
                .connect(to: server)
                .map { channel in channel.writeAndFlush(framed, promise: nil) }
                .get()
        } catch {
            promise.fail(DNSExchangeError.unreachable("\(error)"))
        }
        return try await Self.result(of: promise)
    }

    private static func id(of query: [UInt8]) -> UInt16 { UInt16(query[0]) << 8 | UInt16(query[1]) }

    private static func result(of promise: EventLoopPromise<[UInt8]>) async throws(DNSExchangeError) -> [UInt8] {
        do {
            return try await promise.futureResult.get()
        } catch let error as DNSExchangeError {
            throw error
        } catch {
            throw .unreachable("\(error)")
        }
    }
}

/// Turns a datagram channel's envelopes into their payloads for ``OneShotAnswerHandler``; a
/// connected socket only receives from its server.
final class AddressedEnvelopeUnwrapper: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias InboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(wrapInboundOut(unwrapInboundIn(data).data))
    }
}
