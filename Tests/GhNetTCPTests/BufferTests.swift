import NIOCore
import Testing
@testable import GhNetTCP

/// The send queue and the out-of-order queue on their own.
@Suite struct BufferTests {
    /// Bytes as a buffer of their own.
    private func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

    private func read(_ queue: SendQueue, from index: Int, count: Int) -> [UInt8] {
        queue.withBytes(from: index, count: count) { Array($0) }
    }

    @Test func theSendQueueIsBoundedAndTakesOnlyWhatFits() {
        var queue = SendQueue(limit: 100_000)
        #expect(queue.append(buffer(pattern(1000))) == 1000)
        #expect(queue.append(buffer(pattern(200_000, from: 1000))) == 99_000)
        #expect(queue.count == 100_000 && queue.freeSpace == 0)
        #expect(queue.append(buffer([1])) == 0)
        #expect(read(queue, from: 500, count: 500) == pattern(500, from: 500))
        #expect(read(queue, from: 1000, count: 99_000) == pattern(99_000, from: 1000))
        queue.removeFirst(100_000)
        #expect(queue.count == 0 && queue.contiguousCount(from: 0) == 0)
        #expect(queue.append(buffer([1, 2, 3])) == 3)
    }

    @Test func runsStopAtTheEndOfTheBufferTheyStartIn() {
        var queue = SendQueue(limit: 1 << 20)
        _ = queue.append(buffer(pattern(40_000)))
        _ = queue.append(buffer(pattern(20_000, from: 40_000)))
        #expect(queue.bufferCount == 2)
        #expect(queue.contiguousCount(from: 0) == 40_000)
        #expect(queue.contiguousCount(from: 39_999) == 1)
        #expect(queue.contiguousCount(from: 40_000) == 20_000)
        queue.removeFirst(30_000)
        #expect(queue.count == 30_000)
        #expect(queue.contiguousCount(from: 0) == 10_000)
        #expect(read(queue, from: 0, count: 10_000) + read(queue, from: 10_000, count: 20_000) == pattern(30_000, from: 30_000))
        queue.removeFirst(15_000)
        #expect(queue.contiguousCount(from: 0) == 15_000)
        #expect(read(queue, from: 0, count: 15_000) == pattern(15_000, from: 45_000))
    }

    /// A server writing a few bytes at a time: the pieces leave as full segments, and the queue
    /// holds a buffer per 64 KiB, not one per piece.
    @Test func smallPiecesAreGatheredIntoOneBuffer() {
        var queue = SendQueue(limit: 1 << 20)
        var offset = 0
        for _ in 0..<2000 {
            #expect(queue.append(buffer(pattern(100, from: offset))) == 100)
            offset += 100
        }
        #expect(queue.count == 200_000)
        #expect(queue.bufferCount == 4, "200 000 bytes in buffers of at most 64 KiB")
        #expect(queue.contiguousCount(from: 0) == 65_500)
        #expect(read(queue, from: 0, count: 65_500) == pattern(65_500))
        #expect(read(queue, from: 65_500, count: 65_500) == pattern(65_500, from: 65_500))
        // A large piece is kept as it came, and small ones after it start a new gathering.
        _ = queue.append(buffer(pattern(30_000, from: offset)))
        _ = queue.append(buffer(pattern(10, from: offset + 30_000)))
        _ = queue.append(buffer(pattern(10, from: offset + 30_010)))
        #expect(queue.bufferCount == 6)
        queue.removeFirst(200_000)
        #expect(read(queue, from: 0, count: 30_000) == pattern(30_000, from: offset))
        #expect(read(queue, from: 30_000, count: 20) == pattern(20, from: offset + 30_000))
    }

    @Test func theBuffersAreKeptNotCopied() {
        var queue = SendQueue(limit: 1 << 20)
        let original = buffer(pattern(5000))
        _ = queue.append(original)
        let start = original.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress!) }
        #expect(queue.withBytes(from: 100, count: 10) { UInt(bitPattern: $0.baseAddress!) } == start + 100)
    }

    private func insert(_ queue: inout ReassemblyQueue, at start: Int, count: Int) {
        pattern(count, from: start).withUnsafeBytes { queue.insert($0, at: start) }
    }

    @Test func theQueueStoresEachByteOnceAndHandsOutRuns() {
        var queue = ReassemblyQueue(maximumBytes: 10_000, maximumRanges: 10)
        insert(&queue, at: 100, count: 100)
        insert(&queue, at: 300, count: 100)
        insert(&queue, at: 50, count: 400)
        #expect(queue.byteCount == 400)
        #expect(queue.rangeCount == 5)
        let early = queue.popContiguous(at: 0)
        #expect(early == nil)
        var assembled: [UInt8] = []
        var offset = 50
        while let run = queue.popContiguous(at: offset) {
            assembled += run
            offset += run.count
        }
        #expect(assembled == pattern(400, from: 50))
        #expect(queue.isEmpty && queue.byteCount == 0)
    }

    @Test func theQueueHandsOutOnlyTheUnseenPartOfARun() {
        var queue = ReassemblyQueue(maximumBytes: 10_000, maximumRanges: 10)
        insert(&queue, at: 100, count: 100)
        insert(&queue, at: 300, count: 100)
        let first = queue.popContiguous(at: 150).map(Array.init)
        let second = queue.popContiguous(at: 350).map(Array.init)
        #expect(first == pattern(50, from: 150))
        #expect(second == pattern(50, from: 350))
        #expect(queue.isEmpty)
    }

    /// A server trickling small writes while the app acknowledges as fast: the queue never
    /// empties, and the buffer it gathers into must not grow with everything ever sent.
    @Test func aGatheredBufferStopsAtTheLimitWhileItsFrontIsAcknowledged() {
        var queue = SendQueue(limit: 1 << 20)
        _ = queue.append(buffer(pattern(100)))
        var sent = 100
        for _ in 0..<20_000 {
            _ = queue.append(buffer(pattern(100, from: sent)))
            sent += 100
            queue.removeFirst(100)
        }
        #expect(queue.count == 100)
        #expect(read(queue, from: 0, count: 100) == pattern(100, from: sent - 100))
        #expect(queue.storageBytes <= 4 * SendQueue.gatherLimit, "2 MB went through; \(queue.storageBytes) bytes kept")
    }

    @Test func theQueueDiscardsWhatLiesPastAnOffset() {
        var queue = ReassemblyQueue(maximumBytes: 10_000, maximumRanges: 10)
        insert(&queue, at: 100, count: 100)
        insert(&queue, at: 300, count: 100)
        insert(&queue, at: 500, count: 100)
        queue.discard(from: 350)
        #expect(queue.byteCount == 150 && queue.rangeCount == 2)
        #expect(queue.popContiguous(at: 100).map(Array.init) == pattern(100, from: 100))
        #expect(queue.popContiguous(at: 300).map(Array.init) == pattern(50, from: 300))
        #expect(queue.isEmpty)
        insert(&queue, at: 100, count: 100)
        queue.discard(from: 100)
        #expect(queue.isEmpty && queue.byteCount == 0)
    }

    @Test func theQueueKeepsToItsBounds() {
        var bytes = ReassemblyQueue(maximumBytes: 150, maximumRanges: 10)
        insert(&bytes, at: 100, count: 100)
        insert(&bytes, at: 300, count: 100)
        #expect(bytes.byteCount == 150)
        let head = bytes.popContiguous(at: 100).map(Array.init)
        let cut = bytes.popContiguous(at: 300).map(Array.init)
        #expect(head == pattern(100, from: 100))
        #expect(cut == pattern(50, from: 300))

        var ranges = ReassemblyQueue(maximumBytes: 1000, maximumRanges: 2)
        insert(&ranges, at: 100, count: 100)
        insert(&ranges, at: 300, count: 100)
        insert(&ranges, at: 500, count: 10)
        insert(&ranges, at: 0, count: 50)
        #expect(ranges.rangeCount == 2)
        #expect(ranges.byteCount == 200)

        var gaps = ReassemblyQueue(maximumBytes: 1000, maximumRanges: 3)
        insert(&gaps, at: 0, count: 10)
        insert(&gaps, at: 20, count: 10)
        insert(&gaps, at: 0, count: 100)
        #expect(gaps.rangeCount == 3)
        #expect(gaps.byteCount == 30)
    }
}
