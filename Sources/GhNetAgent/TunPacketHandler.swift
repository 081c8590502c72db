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
        bridge.packetFromCodespace(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        bridge.logger.warning("reading the TUN device failed: \(error)")
    }
}
