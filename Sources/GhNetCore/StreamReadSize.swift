import NIOCore

/// How the transport's stream is read: reads that grow with the traffic up to 256 KiB, so a bulk
/// transfer arrives in few, large chunks holding several frames, which ``FrameStreamDecoder``
/// hands out as slices. Not larger: a slice keeps its whole read buffer alive, so the read size
/// bounds what a large payload waiting in a queue can pin (small payloads are copied out).
public enum StreamReadSize {
    /// The allocator for the stream's channel.
    public static var allocator: AdaptiveRecvByteBufferAllocator {
        AdaptiveRecvByteBufferAllocator(minimum: 4096, initial: 64 * 1024, maximum: 256 * 1024)
    }
}
