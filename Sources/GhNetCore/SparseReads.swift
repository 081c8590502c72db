import NIOCore

extension ByteBuffer {
    /// This read, in storage of its own size when it filled less than a quarter of its buffer.
    ///
    /// A read lands in a buffer sized for the largest read (256 KiB); its slices keep that whole
    /// buffer alive while they wait in a queue (a socket's writes, the link's output). A small
    /// read is copied, so what waits pins at most four times its own size; a full read, the bulk
    /// case, is kept as it is.
    public func compactedIfSparse() -> ByteBuffer {
        guard readableBytes * 4 < capacity else { return self }
        return ByteBuffer(bytes: readableBytesView)
    }
}
