import NIOCore

/// Queries arriving on the UDP listener: each datagram is one query, answered to its sender.
final class DNSDatagramQueryHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let forwarder: DNSForwarder

    init(forwarder: DNSForwarder) { self.forwarder = forwarder }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let sender = envelope.remoteAddress
        let channel = context.channel
        let query = envelope.data.getBytes(at: envelope.data.readerIndex, length: envelope.data.readableBytes) ?? []
        forwarder.handle(query: query, overTCP: false, on: context.eventLoop) { answer in
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: sender, data: ByteBuffer(bytes: answer)), promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A datagram socket reports ICMP errors for earlier sends (a client gone away); keep serving.
    }
}

/// Splits a TCP DNS stream into messages by their two-byte length prefix (RFC 1035 4.2.2); a
/// zero length is a protocol error that closes the connection.
struct DNSLengthPrefixDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]

    struct ZeroLengthMessage: Error {}

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
              buffer.readableBytes >= 2 + Int(length) else { return .needMoreData }
        guard length > 0 else { throw ZeroLengthMessage() }
        buffer.moveReaderIndex(forwardBy: 2)
        context.fireChannelRead(wrapInboundOut(buffer.readBytes(length: Int(length)) ?? []))
        return .continue
    }
}

/// Queries arriving on one TCP connection: answered with a length prefix, in the order their
/// answers are ready (clients match them by ID, RFC 7766). The connection closes when idle
/// (``DNSListeners/tcpIdleTimeout``), on a framing error, or when over the connection limit.
final class DNSStreamQueryHandler: ChannelInboundHandler {
    typealias InboundIn = [UInt8]

    private let forwarder: DNSForwarder
    private let admit: @Sendable () -> Bool
    private let release: @Sendable () -> Void
    private var admitted = false

    init(forwarder: DNSForwarder, admit: @escaping @Sendable () -> Bool, release: @escaping @Sendable () -> Void) {
        self.forwarder = forwarder
        self.admit = admit
        self.release = release
    }

    func channelActive(context: ChannelHandlerContext) {
        admitted = admit()
        if !admitted { context.close(promise: nil) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if admitted { release() }
        admitted = false
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard admitted else { return }
        let channel = context.channel
        forwarder.handle(query: unwrapInboundIn(data), overTCP: true, on: context.eventLoop) { answer in
            var framed = ByteBuffer()
            framed.writeInteger(UInt16(min(answer.count, 0xFFFF)))
            framed.writeBytes(answer.prefix(0xFFFF))
            channel.writeAndFlush(framed, promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
