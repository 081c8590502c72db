import GhNetCore
import GhNetPackets
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
        var packet = unwrapInboundIn(data)
        var checksumTrusted = false
        if bridge.readsDeviceHeaders {
            guard let header = packet.withUnsafeReadableBytes({ VirtioNetHeader.parse($0) }) else {
                bridge.count("read shorter than a device header")
                return
            }
            // Segmentation offload is never switched on, so a super-packet is not expected.
            guard !header.isSegmented else {
                bridge.count("segmentation-offload packet")
                return
            }
            packet.moveReaderIndex(forwardBy: VirtioNetHeader.length)
            checksumTrusted = header.checksumTrusted
        }
        // Each read lands in an MTU-sized (64 KiB) buffer. Frames keep slices of the packet
        // until they are written, so a small packet is copied out first: a 100-byte datagram
        // must not hold 64 KiB while it waits to be written to the link.
        bridge.packetFromCodespace(packet.compactedIfSparse(), checksumTrusted: checksumTrusted)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        bridge.logger.warning("reading the TUN device failed: \(error)")
    }
}
