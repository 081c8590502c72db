import GhNetDNS
import NIOCore
import NIOPosix

/// Asks DNS servers a raw query and returns their raw answer: over UDP from a fresh socket per
/// query (so answers cannot be confused between clients, and the source port is random), and
/// again over TCP when the UDP answer comes back truncated. Both sides use it: the agent for the
/// codespace's own resolvers, the local side for the local machine's. Its sockets live on the
/// loop each call names, and its answers complete there.
public struct DNSExchange: Sendable {
    /// Time allowed for one server to answer over UDP.
    public var udpTimeout: Duration
    /// Time allowed to connect, send and read one answer over TCP.
    public var tcpTimeout: Duration

    public init(udpTimeout: Duration = .milliseconds(1500), tcpTimeout: Duration = .seconds(3)) {
        self.udpTimeout = udpTimeout
        self.tcpTimeout = tcpTimeout
    }

    /// Asks `servers` in order and gives the first answer that is not SERVFAIL or REFUSED (or the
    /// last such answer when no server gives a better one); fails with the last error when no
    /// server answered at all, and only with ``DNSExchangeError``. The sockets are on `loop`, and
    /// the answer completes there: a caller on `loop` gets it without a hop to another thread.
    public func ask(_ query: [UInt8], servers: [SocketAddress], on loop: any EventLoop) -> EventLoopFuture<[UInt8]> {
        ask(query, servers: servers[...], on: loop, fallback: nil, lastError: .unreachable("no server to ask"))
    }

    private func ask(_ query: [UInt8], servers: ArraySlice<SocketAddress>, on loop: any EventLoop, fallback: [UInt8]?,
                     lastError: DNSExchangeError) -> EventLoopFuture<[UInt8]> {
        guard let server = servers.first else {
            if let fallback { return loop.makeSucceededFuture(fallback) }
            return loop.makeFailedFuture(lastError)
        }
        let promise = loop.makePromise(of: [UInt8].self)
        ask(query, server: server, on: loop).whenComplete { result in
            switch result {
            case .success(let answer):
                let rcode = answer[3] & 0x0F
                guard rcode == DNSResponseCode.serverFailure.rawValue || rcode == DNSResponseCode.refused.rawValue else {
                    promise.succeed(answer)
                    return
                }
                promise.completeWith(self.ask(query, servers: servers.dropFirst(), on: loop, fallback: answer, lastError: lastError))
            case .failure(let error):
                promise.completeWith(self.ask(query, servers: servers.dropFirst(), on: loop, fallback: fallback,
                                              lastError: Self.exchangeError(error)))
            }
        }
        return promise.futureResult
    }

    /// Asks one server: UDP first, TCP when the UDP answer has TC set.
    func ask(_ query: [UInt8], server: SocketAddress, on loop: any EventLoop) -> EventLoopFuture<[UInt8]> {
        askOverUDP(query, server: server, on: loop).flatMap { answer in
            guard answer[2] & 0x02 != 0 else { return loop.makeSucceededFuture(answer) }
            return self.askOverTCP(query, server: server, on: loop).recover { _ in answer }
        }
    }

    /// The largest UDP payload over IPv4: what a read of a DNS socket must hold.
    public static let largestDatagram = 65_536

    /// One query in one datagram.
    func askOverUDP(_ query: [UInt8], server: SocketAddress, on loop: any EventLoop) -> EventLoopFuture<[UInt8]> {
        guard query.count >= 12, query.count <= 65_507 else { return loop.makeFailedFuture(DNSExchangeError.malformedAnswer) }
        let promise = loop.makePromise(of: [UInt8].self)
        let queryID = Self.id(of: query), timeout = TimeAmount(udpTimeout)
        // The query leaves as soon as the socket is there (the answer's deadline is already running).
        DatagramBootstrap(group: loop)
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
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: ByteBuffer(bytes: query)), promise: nil)
                case .failure(let error):
                    promise.fail(DNSExchangeError.unreachable("\(error)"))
                }
            }
        return promise.futureResult
    }

    /// One query over a new TCP connection.
    func askOverTCP(_ query: [UInt8], server: SocketAddress, on loop: any EventLoop) -> EventLoopFuture<[UInt8]> {
        guard query.count >= 12, query.count <= 65_535 else { return loop.makeFailedFuture(DNSExchangeError.malformedAnswer) }
        let promise = loop.makePromise(of: [UInt8].self)
        let queryID = Self.id(of: query), timeout = TimeAmount(tcpTimeout)
        var prefixed = ByteBuffer()
        prefixed.writeInteger(UInt16(query.count))
        prefixed.writeBytes(query)
        let framed = prefixed
        ClientBootstrap(group: loop)
            .connectTimeout(TimeAmount(tcpTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        OneShotAnswerHandler(queryID: queryID, framing: .lengthPrefixed, promise: promise, timeout: timeout))
                }
            }
            .connect(to: server)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    channel.writeAndFlush(framed, promise: nil)
                case .failure(let error):
                    promise.fail(DNSExchangeError.unreachable("\(error)"))
                }
            }
        return promise.futureResult
    }

    /// Any error of an exchange as a ``DNSExchangeError``.
    static func exchangeError(_ error: any Error) -> DNSExchangeError {
        (error as? DNSExchangeError) ?? .unreachable("\(error)")
    }

    private static func id(of query: [UInt8]) -> UInt16 { UInt16(query[0]) << 8 | UInt16(query[1]) }
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
