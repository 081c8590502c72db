import NIOCore

extension ByteBuffer {
    /// A read or slice that keeps more storage alive than this many times its own bytes is
    /// copied by ``compactedIfSparse()``. Five, not four: a full data frame from the agent
    /// (65 483 bytes, the largest TCP payload its 65 535-byte TUN device hands it) is a little
    /// under a quarter of a 256 KiB read, and copying every one of them cost the local side about
    /// a tenth of its CPU on uploads.
    public static let sparseStorageFactor = 5

    /// This buffer — a read, or a slice of one — in storage of its own size when its storage is
    /// more than ``sparseStorageFactor`` times its bytes.
    ///
    /// A read lands in a buffer sized for the largest read (256 KiB); it and its slices keep
    /// that whole buffer alive while they wait in a queue (a socket's writes, the link's output,
    /// the TCP send buffer). A small read or slice is copied, so what waits pins at most five
    /// times its own size; a full read or a full data frame, the bulk cases, are kept as they are.
    public func compactedIfSparse() -> ByteBuffer {
        guard readableBytes * Self.sparseStorageFactor < storageCapacity else { return self }
        return ByteBuffer(bytes: readableBytesView)
    }
}
