import Testing
@testable import GhNetTCP

/// The send ring and the out-of-order queue on their own.
@Suite struct BufferTests {
    private func append(_ ring: inout ByteRing, _ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { ring.append($0) }
    }

    private func read(_ ring: ByteRing, from index: Int, count: Int) -> [UInt8] {
        ring.withBytes(from: index, count: count) { Array($0) }
    }

    @Test func theRingIsBoundedGrowsOnDemandAndFreesWhenEmpty() {
        var ring = ByteRing(limit: 100_000)
        #expect(ring.capacity == 0)
        #expect(append(&ring, pattern(1000)) == 1000)
        #expect(ring.capacity == ByteRing.minimumCapacity)
        #expect(append(&ring, pattern(200_000, from: 1000)) == 99_000)
        #expect(ring.count == 100_000 && ring.freeSpace == 0)
        #expect(ring.capacity == 100_000)
        #expect(read(ring, from: 500, count: 1000) == pattern(1000, from: 500))
        ring.removeFirst(100_000)
        #expect(ring.capacity == 0)
        #expect(append(&ring, [1, 2, 3]) == 3)
    }

    @Test func runsStopAtTheWrapPoint() {
        var ring = ByteRing(limit: 4096)
        _ = append(&ring, pattern(4000))
        ring.removeFirst(3000)
        _ = append(&ring, pattern(2000, from: 4000))
        #expect(ring.count == 3000)
        #expect(ring.capacity == 4096)
        #expect(ring.contiguousCount(from: 0) == 1096)
        #expect(ring.contiguousCount(from: 1096) == 1904)
        #expect(read(ring, from: 0, count: 1096) + read(ring, from: 1096, count: 1904) == pattern(3000, from: 3000))
        // Growing straightens the ring.
        var big = ByteRing(limit: 1 << 20)
        _ = append(&big, pattern(4000))
        big.removeFirst(3000)
        _ = append(&big, pattern(2000, from: 4000))
        _ = append(&big, pattern(10_000, from: 6000))
        #expect(big.contiguousCount(from: 0) == big.count)
        #expect(read(big, from: 0, count: big.count) == pattern(13_000, from: 3000))
    }

    @Test func aSmallRingKeepsItsStorageWhenEmpty() {
        var ring = ByteRing(limit: 1 << 20)
        _ = append(&ring, pattern(100))
        ring.removeFirst(100)
        #expect(ring.capacity == ByteRing.minimumCapacity)
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
