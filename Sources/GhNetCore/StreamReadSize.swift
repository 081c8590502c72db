import NIOCore

/// How the stream's pipe is read: reads that grow with the traffic up to 1 MiB (the pipe's
/// size, see ``PipeCapacity``), so a bulk transfer arrives in few, large chunks that hold many
/// whole frames (``FrameReader`` decodes them without copying).
public enum StreamReadSize {
    /// The allocator for the stream's pipe channel.
    public static var allocator: AdaptiveRecvByteBufferAllocator {
        AdaptiveRecvByteBufferAllocator(minimum: 4096, initial: 64 * 1024, maximum: 1 << 20)
    }
}
