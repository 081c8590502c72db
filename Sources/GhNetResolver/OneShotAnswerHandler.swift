import NIOCore

/// Completes a promise once: with the first DNS answer whose ID matches the query's, with an
/// error, or with ``DNSExchangeError/timedOut`` when the deadline passes; then closes the
/// channel. Used for both UDP (one datagram is one message) and TCP (two-byte length prefix).
final class OneShotAnswerHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    /// How messages arrive.
    enum Framing {
        /// Each read is one whole message (a connected UDP socket).
        case datagram
        /// Messages are prefixed with their length in two bytes (TCP, RFC 1035 4.2.2).
        case lengthPrefixed
    }

    private let queryID: UInt16
    private let framing: Framing
    private let promise: EventLoopPromise<[UInt8]>
    private let timeout: TimeAmount
    private var buffered: ByteBuffer?
    private var completed = false
    private var deadline: Scheduled<Void>?

    init(queryID: UInt16, framing: Framing, promise: EventLoopPromise<[UInt8]>, timeout: TimeAmount) {
        self.queryID = queryID
        self.framing = framing
        self.promise = promise
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.complete(.failure(DNSExchangeError.timedOut), context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        switch framing {
        case .datagram:
            if let message = bytes.readBytes(length: bytes.readableBytes), matches(message) {
                complete(.success(message), context: context)
            }
        case .lengthPrefixed:
            buffered.setOrWriteBuffer(&bytes)
            guard var stream = buffered, let length = stream.getInteger(at: stream.readerIndex, as: UInt16.self),
                  stream.readableBytes >= 2 + Int(length) else { return }
            stream.moveReaderIndex(forwardBy: 2)
            let message = stream.readBytes(length: Int(length)) ?? []
            complete(matches(message) ? .success(message) : .failure(DNSExchangeError.malformedAnswer), context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        complete(.failure(DNSExchangeError.unreachable("\(error)")), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        complete(.failure(DNSExchangeError.unreachable("connection closed before the answer")), context: context)
    }

    /// A response to our query: long enough, QR set, same ID.
    private func matches(_ message: [UInt8]) -> Bool {
        message.count >= 12 && message[2] & 0x80 != 0 && (UInt16(message[0]) << 8 | UInt16(message[1])) == queryID
    }

    private func complete(_ result: Result<[UInt8], any Error>, context: ChannelHandlerContext) {
        guard !completed else { return }
        completed = true
        deadline?.cancel()
        promise.completeWith(result)
        context.close(promise: nil)
    }
}
