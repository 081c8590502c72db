import NIOCore
import NIOPosix

extension DatagramBootstrap {
    /// A bootstrap whose channels read whole datagrams up to the IP maximum (NIO's default would
    /// cut them at 2 KiB) into the handler `makeHandler` creates on the channel's event loop.
    static func wholeDatagrams(group: any EventLoopGroup, makeHandler: @escaping @Sendable () -> any ChannelHandler) -> DatagramBootstrap {
        DatagramBootstrap(group: group)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(makeHandler()) }
            }
    }
}
