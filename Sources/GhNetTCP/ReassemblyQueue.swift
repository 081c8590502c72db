/// Out-of-order data from the app, held until the gap before it fills (RFC 9293 §3.10.7.4,
/// "segment text"), within two bounds: total bytes and number of separate ranges.
///
/// Ranges never overlap: an arriving segment stores only the parts not already held. When a
/// bound would be passed, the part that does not fit is dropped (the app's kernel sends it
/// again); held bytes are never evicted, so the bytes nearest the gap survive first.
struct ReassemblyQueue: Sendable {
    /// Most bytes held.
    let maximumBytes: Int
    /// Most separate ranges held.
    let maximumRanges: Int

    /// Held ranges, by stream offset, ascending and disjoint.
    private var ranges: [(start: Int, bytes: [UInt8])] = []
    /// Bytes held.
    private(set) var byteCount = 0

    init(maximumBytes: Int, maximumRanges: Int) {
        self.maximumBytes = maximumBytes
        self.maximumRanges = maximumRanges
    }

    /// Nothing is held.
    var isEmpty: Bool { ranges.isEmpty }
    /// Number of separate ranges held.
    var rangeCount: Int { ranges.count }

    /// Holds the parts of `bytes` (whose first byte is at stream offset `start`) not held yet, as
    /// far as the bounds allow.
    mutating func insert(_ bytes: UnsafeRawBufferPointer, at start: Int) {
        let end = start + bytes.count
        var position = start
        var index = 0
        while position < end {
            // Skip ranges wholly before `position`, then find the gap [position, gapEnd).
            while index < ranges.count, ranges[index].start + ranges[index].bytes.count <= position { index += 1 }
            var gapEnd = end
            if index < ranges.count {
                let next = ranges[index]
                if next.start <= position {
                    position = next.start + next.bytes.count
                    continue
                }
                gapEnd = min(end, next.start)
            }
            let length = min(gapEnd - position, maximumBytes - byteCount)
            guard length > 0, ranges.count < maximumRanges else { return }
            let piece = UnsafeRawBufferPointer(rebasing: bytes[(position - start)..<(position - start + length)])
            ranges.insert((position, [UInt8](piece)), at: index)
            byteCount += length
            guard length == gapEnd - position else { return }
            position = gapEnd
            index += 1
        }
    }

    /// Removes and returns the held bytes that continue the stream at `offset`, if the first
    /// range reaches it; ranges wholly before `offset` are discarded on the way.
    mutating func popContiguous(at offset: Int) -> ArraySlice<UInt8>? {
        while let first = ranges.first, first.start <= offset {
            ranges.removeFirst()
            byteCount -= first.bytes.count
            let end = first.start + first.bytes.count
            if end > offset { return first.bytes[(offset - first.start)...] }
        }
        return nil
    }

    /// Drops what is held at or past stream offset `offset` (where the peer's FIN put the end
    /// of its stream: bytes held beyond it can never be delivered).
    mutating func discard(from offset: Int) {
        while let last = ranges.last, last.start + last.bytes.count > offset {
            ranges.removeLast()
            byteCount -= last.bytes.count
            if last.start < offset {
                let kept = Array(last.bytes[..<(offset - last.start)])
                ranges.append((last.start, kept))
                byteCount += kept.count
                return
            }
        }
    }

    /// Drops everything.
    mutating func removeAll() {
        ranges.removeAll()
        byteCount = 0
    }
}
