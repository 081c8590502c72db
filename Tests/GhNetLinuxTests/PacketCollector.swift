import NIOCore
import Synchronization

/// Keeps every packet a TUN read channel delivers, one `channelRead` each, for the tests to
/// wait for.
final class PacketCollector: Sendable {
    private let packets = Mutex<[[UInt8]]>([])

    /// A pipeline handler feeding this collector.
    func makeHandler() -> some ChannelInboundHandler { Handler(collector: self) }

    /// Waits (at most `timeout`, polling) for a packet `matching`, and returns it.
    func waitForPacket(timeout: Duration = .seconds(5), matching: (ReceivedPacket) -> Bool) async throws -> ReceivedPacket? {
        let deadline = ContinuousClock.now + timeout
        repeat {
            let found = packets.withLock { $0.lazy.compactMap(ReceivedPacket.init).first(where: matching) }
            if let found { return found }
            try await Task.sleep(for: .milliseconds(10))
        } while ContinuousClock.now < deadline
        return nil
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let collector: PacketCollector
        init(collector: PacketCollector) { self.collector = collector }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            collector.packets.withLock { $0.append(Array(buffer.readableBytesView)) }
        }
    }
}
