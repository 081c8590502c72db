/// A bounded FIFO of bytes in one ring that grows on demand: the send buffer.
///
/// Storage starts empty, doubles as bytes arrive (never past ``limit``), and is given back once
/// the ring drains, so an idle connection holds at most ``retainedCapacity`` bytes. Reads hand
/// out contiguous runs, so a segment's payload is never copied before it reaches the packet.
struct ByteRing: Sendable {
    /// The most bytes the ring holds.
    let limit: Int
    /// Capacity kept when the ring empties; anything larger is freed.
    static let retainedCapacity = 16 << 10
    /// Smallest storage allocated.
    static let minimumCapacity = 4 << 10

    private var storage: [UInt8] = []
    private var head = 0
    /// Bytes held.
    private(set) var count = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// Bytes that can still be appended.
    var freeSpace: Int { limit - count }
    /// Bytes of storage allocated.
    var capacity: Int { storage.count }

    /// Appends as many of `bytes` as fit; returns how many.
    mutating func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        let accepted = min(bytes.count, freeSpace)
        guard accepted > 0, let source = bytes.baseAddress else { return 0 }
        reserve(count + accepted)
        let capacity = storage.count
        let tail = (head + count) % capacity
        let first = min(accepted, capacity - tail)
        storage.withUnsafeMutableBytes { out in
            (out.baseAddress! + tail).copyMemory(from: source, byteCount: first)
            if accepted > first {
                out.baseAddress!.copyMemory(from: source + first, byteCount: accepted - first)
            }
        }
        count += accepted
        return accepted
    }

    /// Drops the first `n` bytes.
    mutating func removeFirst(_ n: Int) {
        precondition(n >= 0 && n <= count, "ByteRing.removeFirst beyond its bytes")
        guard n > 0 else { return }
        count -= n
        if count == 0 {
            head = 0
            if storage.count > Self.retainedCapacity { storage = [] }
        } else {
            head = (head + n) % storage.count
        }
    }

    /// Bytes stored contiguously from `index` on (up to the end of the storage or of the bytes).
    func contiguousCount(from index: Int) -> Int {
        precondition(index >= 0 && index <= count, "ByteRing index out of range")
        guard index < count else { return 0 }
        let start = (head + index) % storage.count
        return min(count - index, storage.count - start)
    }

    /// Calls `body` with the `length` bytes from `index`, which must be contiguous.
    func withBytes<Result, Failure: Error>(
        from index: Int, count length: Int, _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        guard length > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        precondition(length <= contiguousCount(from: index), "ByteRing.withBytes across the wrap point")
        let start = (head + index) % storage.count
        let outcome: Swift.Result<Result, Failure> = storage.withUnsafeBytes { all in
            Swift.Result { () throws(Failure) -> Result in
                try body(UnsafeRawBufferPointer(rebasing: all[start..<(start + length)]))
            }
        }
        return try outcome.get()
    }

    /// Makes room for `needed` bytes, moving the bytes to the start of new storage.
    private mutating func reserve(_ needed: Int) {
        guard needed > storage.count else { return }
        var newCapacity = max(Self.minimumCapacity, storage.count)
        while newCapacity < needed { newCapacity *= 2 }
        newCapacity = min(newCapacity, limit)
        let oldCapacity = storage.count
        let (oldHead, oldCount) = (head, count)
        storage = storage.withUnsafeBytes { old in
            [UInt8](unsafeUninitializedCapacity: newCapacity) { new, initialized in
                let out = UnsafeMutableRawBufferPointer(new)
                if oldCount > 0 {
                    let first = min(oldCount, oldCapacity - oldHead)
                    out.baseAddress!.copyMemory(from: old.baseAddress! + oldHead, byteCount: first)
                    if oldCount > first {
                        (out.baseAddress! + first).copyMemory(from: old.baseAddress!, byteCount: oldCount - first)
                    }
                }
                initialized = newCapacity
            }
        }
        head = 0
    }
}
