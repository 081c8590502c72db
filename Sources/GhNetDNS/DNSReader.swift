/// A bounds-checked cursor over a whole DNS message. Every read either succeeds or throws
/// `DNSParseError`; nothing reads outside `bytes`.
struct DNSReader {
    /// A valid name is at most 255 bytes on the wire.
    static let maxNameLength = 255
    /// More jumps than a name has labels (at most 127) means a pointer-to-pointer chain that
    /// no real encoder produces; stopping there keeps the work per name small.
    static let maxPointerJumps = 128

    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    /// Throws unless `count` bytes are available at `offset`.
    func require(_ count: Int, at offset: Int) throws(DNSParseError) {
        guard count <= bytes.count - offset else {
            throw .truncated(offset: offset, needed: count, length: bytes.count)
        }
    }

    mutating func readUInt8() throws(DNSParseError) -> UInt8 {
        try require(1, at: offset)
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16() throws(DNSParseError) -> UInt16 {
        try require(2, at: offset)
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func readUInt32() throws(DNSParseError) -> UInt32 {
        let high = try readUInt16()
        return UInt32(high) << 16 | UInt32(try readUInt16())
    }

    mutating func readBytes(_ count: Int) throws(DNSParseError) -> [UInt8] {
        try require(count, at: offset)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Reads a possibly compressed name and leaves the cursor just after it (after the first
    /// pointer, if any). Each pointer must point strictly before the segment being read, so
    /// targets decrease and the walk ends; anything else is classified as a loop, a forward
    /// pointer or an out-of-range pointer.
    mutating func readName() throws(DNSParseError) -> DNSName {
        let start = offset
        var labels: [[UInt8]] = []
        var wireLength = 1  // the root label
        var position = offset
        var segmentStart = offset
        var visited: [Int] = [offset]
        var resumeAt: Int?
        while true {
            try require(1, at: position)
            let length = Int(bytes[position])
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    offset = resumeAt ?? position + 1
                    return DNSName(labels: labels)
                }
                wireLength += length + 1
                guard wireLength <= Self.maxNameLength else { throw .nameTooLong(offset: start) }
                try require(length, at: position + 1)
                labels.append(Array(bytes[position + 1..<position + 1 + length]))
                position += 1 + length
            case 0xC0:
                try require(2, at: position)
                let target = (length & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < bytes.count else {
                    throw .pointerOutOfRange(offset: position, target: target, length: bytes.count)
                }
                if target >= segmentStart {
                    if visited.contains(target) || target <= position {
                        throw .pointerLoop(offset: position, target: target)
                    }
                    throw .forwardPointer(offset: position, target: target)
                }
                guard visited.count <= Self.maxPointerJumps else { throw .pointerChainTooLong(offset: start) }
                if resumeAt == nil { resumeAt = position + 2 }
                visited.append(target)
                segmentStart = target
                position = target
            default:
                throw .badLabelType(offset: position, byte: UInt8(length))
            }
        }
    }
}
