import GhNetAddress

// Big-endian loads and stores at byte offsets. Callers check bounds first (the views validate
// their lengths once, at init); these helpers only fix the byte order and alignment.

extension UnsafeRawBufferPointer {
    func uint16(at offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    func uint32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    func ipv6Address(at offset: Int) -> IPv6Bytes {
        IPv6Bytes(
            high: UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
            low: UInt64(bigEndian: loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
        )
    }

    /// The bytes in `range`, re-based to start at index 0.
    func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[range])
    }
}

extension UnsafeMutableRawBufferPointer {
    func store(_ value: UInt16, at offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt16.self)
    }

    func store(_ value: UInt32, at offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
    }

    func store(_ value: IPv6Bytes, at offset: Int) {
        storeBytes(of: value.high.bigEndian, toByteOffset: offset, as: UInt64.self)
        storeBytes(of: value.low.bigEndian, toByteOffset: offset + 8, as: UInt64.self)
    }

    /// Copies `bytes` to `offset`; the caller has checked that they fit.
    func copy(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        guard !bytes.isEmpty, let base = baseAddress, let source = bytes.baseAddress else { return }
        (base + offset).copyMemory(from: source, byteCount: bytes.count)
    }

    /// The bytes in `range`, re-based to start at index 0.
    func slice(_ range: Range<Int>) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: self[range])
    }

    /// Throws unless at least `needed` bytes are available.
    func requireCapacity(_ needed: Int) throws(PacketBuildError) {
        guard count >= needed else { throw .bufferTooSmall(needed: needed, available: count) }
    }
}
