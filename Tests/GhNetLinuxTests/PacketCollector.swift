import NIOCore
import Synchronization

/// Keeps every packet a TUN read channel delivers, one `channelRead` each, for the tests to
/// wait for. On a device with checksum offload each read starts with a 10-byte device header,
/// kept apart.
final class PacketCollector: Sendable {
    private let packets = Mutex<[[UInt8]]>([])
    private let headers = Mutex<[[UInt8]]>([])
    private let headerLength: Int

    init(headerLength: Int = 0) {
        self.headerLength = headerLength
    }

    /// A pipeline handler feeding this collector.
    func makeHandler() -> some ChannelInboundHandler { Handler(collector: self) }

    /// The device header read with the first packet `matching`, once there is one.
    func header(ofPacketMatching matching: (ReceivedPacket) -> Bool) -> [UInt8]? {
        let index = packets.withLock { $0.firstIndex { ReceivedPacket($0).map(matching) ?? false } }
        return index.flatMap { index in headers.withLock { $0.indices.contains(index) ? $0[index] : nil } }
    }

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
            let bytes = Array(unwrapInboundIn(data).readableBytesView)
            let split = min(collector.headerLength, bytes.count)
            collector.headers.withLock { $0.append(Array(bytes[..<split])) }
            collector.packets.withLock { $0.append(Array(bytes[split...])) }
        }
    }
}
