/// Netlink aligns every message and attribute to 4 bytes.
func netlinkAligned(_ length: Int) -> Int { (length + 3) & ~3 }

/// Builds netlink bytes: integers in the host's byte order (netlink's order), 4-byte padding.
struct HostOrderWriter {
    private(set) var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    mutating func append(contentsOf raw: some Sequence<UInt8>) {
        bytes.append(contentsOf: raw)
    }

    mutating func padToAlignment() {
        bytes.append(contentsOf: repeatElement(0, count: netlinkAligned(bytes.count) - bytes.count))
    }

    /// Appends one attribute (`struct rtattr` and its value), padded.
    mutating func appendAttribute(_ type: UInt16, _ value: some Collection<UInt8>) {
        append(UInt16(4 + value.count))
        append(type)
        append(contentsOf: value)
        padToAlignment()
    }

    mutating func appendAttribute(_ type: UInt16, uint32 value: UInt32) {
        var encoded = HostOrderWriter()
        encoded.append(value)
        appendAttribute(type, encoded.bytes)
    }
}

extension ArraySlice<UInt8> {
    /// The host-order integer at `offset` bytes from the start, or nil if it does not fit.
    func hostOrderInteger<T: FixedWidthInteger>(at offset: Int, as type: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= count - size else { return nil }
        let start = startIndex + offset
        return self[start..<start + size].withUnsafeBytes { $0.loadUnaligned(as: T.self) }
    }

    /// The host-order integer at `offset`, or a typed error naming the message that is too short.
    func requireInteger<T: FixedWidthInteger>(at offset: Int, messageType: UInt16, as type: T.Type = T.self) throws(NetlinkDecodingError) -> T {
        guard let value = hostOrderInteger(at: offset, as: T.self) else {
            throw .truncatedBody(messageType: messageType, needed: offset + MemoryLayout<T>.size, available: count)
        }
        return value
    }
}
