import NIOCore

extension ByteBuffer {
    /// This buffer — a read, or a slice of one — in storage of its own size when its bytes use
    /// less than a quarter of the storage they are in.
    ///
    /// A read lands in a buffer sized for the largest read (256 KiB); it and its slices keep
    /// that whole buffer alive while they wait in a queue (a socket's writes, the link's output,
    /// the TCP send buffer). A small read or slice is copied, so what waits pins at most four
    /// times its own size; a full read, the bulk case, is kept as it is.
    public func compactedIfSparse() -> ByteBuffer {
        guard readableBytes * 4 < storageCapacity else { return self }
        return ByteBuffer(bytes: readableBytesView)
    }
}
