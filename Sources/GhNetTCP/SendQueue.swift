import NIOCore

/// The send buffer: the server → app bytes not yet acknowledged, kept in the buffers they came
/// in (the data frames' payloads, slices of what was read from the link), never copied.
///
/// Small pieces (a server that writes a few bytes at a time) are gathered into one buffer of up
/// to ``gatherLimit`` bytes, so that they leave as full segments and the queue stays short.
///
/// Bound: at most ``limit`` bytes; ``append(_:)`` takes only what fits. What it holds is
/// released as the app acknowledges it. A run handed out for a segment never crosses from one
/// buffer into the next (a segment then ends early, which TCP allows).
struct SendQueue: Sendable {
    /// Pieces smaller than this are gathered.
    static let smallPiece = 16 * 1024
    /// The most bytes gathered into one buffer.
    static let gatherLimit = 64 * 1024

    /// The most bytes the queue holds.
    let limit: Int
    private var chunks = CircularBuffer<ByteBuffer>(initialCapacity: 8)
    /// The last buffer was gathered from small pieces (or is one): the next small piece joins it.
    private var gathering = false
    /// Bytes held.
    private(set) var count = 0
    /// Buffers held.
    var bufferCount: Int { chunks.count }
    /// Bytes of storage the held buffers keep alive (what the queue costs in memory).
    var storageBytes: Int { chunks.reduce(0) { $0 + $1.storageCapacity } }

    init(limit: Int) {
        self.limit = limit
    }

    /// Bytes that can still be appended.
    var freeSpace: Int { limit - count }

    /// Appends as many of `bytes` as fit, keeping the buffer itself; returns how many.
    mutating func append(_ bytes: ByteBuffer) -> Int {
        let accepted = min(bytes.readableBytes, freeSpace)
        guard accepted > 0 else { return 0 }
        var piece = accepted == bytes.readableBytes ? bytes : bytes.getSlice(at: bytes.readerIndex, length: accepted)!
        let small = accepted < Self.smallPiece
        // The writer index counts every byte the buffer ever stored, acknowledged ones too, so a
        // gathered buffer whose front the app keeps acknowledging still stops at the limit.
        if small, gathering, let last = chunks.indices.last, chunks[last].writerIndex + accepted <= Self.gatherLimit {
            chunks.modify(last) { $0.writeBuffer(&piece) }
        } else {
            chunks.append(piece)
            gathering = small
        }
        count += accepted
        return accepted
    }

    /// Drops the first `n` bytes.
    mutating func removeFirst(_ n: Int) {
        precondition(n >= 0 && n <= count, "SendQueue.removeFirst beyond its bytes")
        var left = n
        while left > 0 {
            let first = chunks[chunks.startIndex].readableBytes
            if first <= left {
                chunks.removeFirst()
                left -= first
            } else {
                chunks[chunks.startIndex].moveReaderIndex(forwardBy: left)
                left = 0
            }
        }
        count -= n
    }

    /// Bytes stored contiguously from `index` on (up to the end of the buffer holding it).
    func contiguousCount(from index: Int) -> Int {
        precondition(index >= 0 && index <= count, "SendQueue index out of range")
        guard index < count else { return 0 }
        let (chunk, offset) = locate(index)
        return chunks[chunk].readableBytes - offset
    }

    /// Calls `body` with the `length` bytes from `index`, which must be contiguous.
    func withBytes<Result, Failure: Error>(
        from index: Int, count length: Int, _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        guard length > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let (chunk, offset) = locate(index)
        precondition(length <= chunks[chunk].readableBytes - offset, "SendQueue.withBytes across two buffers")
        let outcome: Swift.Result<Result, Failure> = chunks[chunk].withUnsafeReadableBytes { all in
            Swift.Result { () throws(Failure) -> Result in
                try body(UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)]))
            }
        }
        return try outcome.get()
    }

    /// The buffer holding byte `index`, and where in it.
    private func locate(_ index: Int) -> (CircularBuffer<ByteBuffer>.Index, Int) {
        var remaining = index
        var chunk = chunks.startIndex
        while remaining >= chunks[chunk].readableBytes {
            remaining -= chunks[chunk].readableBytes
            chunk = chunks.index(after: chunk)
        }
        return (chunk, remaining)
    }
}
