import GhNetCore
import Logging
import NIOCore

/// Reads the TUN channel (one IP packet per read) and hands each packet to the bridge.
final class TunPacketHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let bridge: AgentBridge

    init(bridge: AgentBridge) {
        self.bridge = bridge
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let packet = unwrapInboundIn(data)
        // Each read lands in an MTU-sized (64 KiB) buffer. Frames keep slices of the packet
        // until they are written, so a small packet is copied out first: a 100-byte datagram
        // must not hold 64 KiB while it waits to be written to the link.
        if packet.readableBytes < 16 * 1024 {
            var compact = context.channel.allocator.buffer(capacity: packet.readableBytes)
            compact.writeImmutableBuffer(packet)
            bridge.packetFromCodespace(compact)
        } else {
            bridge.packetFromCodespace(packet)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        bridge.logger.warning("reading the TUN device failed: \(error)")
    }
}
