import GhNetAddress

/// The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of
/// the data taken as big-endian 16-bit words.
///
/// Accumulate with `add(_:)` (byte chunks of any length, in order) and read
/// ``checksum`` to store it, or run it over data that already holds a checksum and test
/// ``verifies``. Bytes are summed 64 bits at a time in native order and folded once (RFC 1071
/// §2: the sum does not depend on byte order up to a final swap).
public struct InternetChecksum: Sendable {
    /// Running sum of 16-bit big-endian words; folded on read, far from overflowing before.
    private var sum: UInt64 = 0
    /// True after an odd number of bytes: the next byte is the low half of a word.
    private var odd = false

    /// An empty sum.
    public init() {}

    /// A sum that starts with `pseudoHeader`.
    public init(pseudoHeader: PseudoHeader) {
        switch pseudoHeader.addresses {
        case .v4(let source, let destination):
            add(source)
            add(destination)
            add(UInt16(pseudoHeader.protocol.rawValue))
            add(UInt16(truncatingIfNeeded: pseudoHeader.length))
        case .v6(let source, let destination):
            add(source)
            add(destination)
            add(UInt32(truncatingIfNeeded: pseudoHeader.length))
            add(UInt16(pseudoHeader.protocol.rawValue))
        }
    }

    /// Adds bytes that follow everything added so far.
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var chunk = UInt16(bigEndian: Self.fold(Self.nativeSum(bytes)))
        if odd { chunk = chunk.byteSwapped }
        sum &+= UInt64(chunk)
        if bytes.count & 1 == 1 { odd.toggle() }
    }

    /// Adds a 16-bit word, given as a number (it is summed as its big-endian bytes).
    public mutating func add(_ word: UInt16) {
        sum &+= UInt64(odd ? word.byteSwapped : word)
    }

    /// Adds a 32-bit value as two big-endian words.
    public mutating func add(_ word: UInt32) {
        add(UInt16(truncatingIfNeeded: word >> 16))
        add(UInt16(truncatingIfNeeded: word))
    }

    /// Adds an IPv6 address as eight big-endian words.
    public mutating func add(_ address: IPv6Bytes) {
        add(UInt32(truncatingIfNeeded: address.high >> 32))
        add(UInt32(truncatingIfNeeded: address.high))
        add(UInt32(truncatingIfNeeded: address.low >> 32))
        add(UInt32(truncatingIfNeeded: address.low))
    }

    /// The checksum to store in the header's checksum field (computed with that field zero).
    public var checksum: UInt16 { ~Self.fold(sum) }

    /// The folded sum, not complemented: what a device that offloads checksums expects in the
    /// field when only the pseudo-header was added (it adds the rest and complements).
    public var partialChecksum: UInt16 { Self.fold(sum) }

    /// True when the data added already included a correct checksum field.
    public var verifies: Bool { checksum == 0 }

    /// The checksum of `bytes` alone.
    public static func compute(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var sum = InternetChecksum()
        sum.add(bytes)
        return sum.checksum
    }

    /// RFC 1624 eq. 3: the checksum after one 16-bit word it covers changes from `old` to `new`,
    /// without summing the data again: `HC' = ~(~HC + ~m + m')`.
    ///
    /// A UDP checksum of 0 means "none" over IPv4 and must stay 0; a result of 0 is sent as 0xFFFF.
    public static func update(_ checksum: UInt16, from old: UInt16, to new: UInt16) -> UInt16 {
        ~fold(UInt64(~checksum) + UInt64(~old) + UInt64(new))
    }

    /// RFC 1624 for a rewritten IPv4 address (two words).
    public static func update(_ checksum: UInt16, from old: UInt32, to new: UInt32) -> UInt16 {
        let high = update(checksum, from: UInt16(truncatingIfNeeded: old >> 16), to: UInt16(truncatingIfNeeded: new >> 16))
        return update(high, from: UInt16(truncatingIfNeeded: old), to: UInt16(truncatingIfNeeded: new))
    }

    /// RFC 1624 for a rewritten IPv6 address (eight words).
    public static func update(_ checksum: UInt16, from old: IPv6Bytes, to new: IPv6Bytes) -> UInt16 {
        func words(_ half: UInt64) -> (UInt32, UInt32) {
            (UInt32(truncatingIfNeeded: half >> 32), UInt32(truncatingIfNeeded: half))
        }
        let (oldA, oldB) = words(old.high), (oldC, oldD) = words(old.low)
        let (newA, newB) = words(new.high), (newC, newD) = words(new.low)
        var result = update(checksum, from: oldA, to: newA)
        result = update(result, from: oldB, to: newB)
        result = update(result, from: oldC, to: newC)
        return update(result, from: oldD, to: newD)
    }

    /// Folds a wide one's complement sum to 16 bits with end-around carries.
    private static func fold(_ value: UInt64) -> UInt16 {
        var s = value
        while s > 0xFFFF { s = (s & 0xFFFF) + (s >> 16) }
        return UInt16(s)
    }

    /// One's complement sum of `bytes` as native-order words, 64 bits at a time; a lone last
    /// byte is the first byte of a zero-padded word.
    private static func nativeSum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var acc: UInt64 = 0
        func add(_ value: UInt64) {
            let (s, overflow) = acc.addingReportingOverflow(value)
            acc = s &+ (overflow ? 1 : 0)
        }
        let count = bytes.count
        var offset = 0
        while count - offset >= 32 {
            add(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            add(bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
            add(bytes.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self))
            add(bytes.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self))
            offset += 32
        }
        while count - offset >= 8 {
            add(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        if count - offset >= 4 {
            add(UInt64(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            offset += 4
        }
        if count - offset >= 2 {
            add(UInt64(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
            offset += 2
        }
        if count - offset == 1 {
            add(UInt64(UInt16(littleEndian: UInt16(bytes[offset]))))
        }
        return acc
    }
}
