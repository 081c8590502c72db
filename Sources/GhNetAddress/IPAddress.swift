/// An IPv4 or IPv6 address held as its network-order bytes, with no I/O attached.
///
/// This is the one address type every layer shares: the wire protocol carries it, the packet
/// parsers produce it, the route policy compares it and the CLI parses it from text.
public enum IPAddress: Hashable, Sendable, Comparable {
    /// An IPv4 address; the integer is in host order (`198.18.0.1` is `0xC612_0001`).
    case v4(UInt32)
    /// An IPv6 address as 16 network-order bytes.
    case v6(IPv6Bytes)

    /// The address family of this address.
    public var family: IPFamily { if case .v4 = self { return .v4 } else { return .v6 } }

    /// Number of bits in an address of this family (32 or 128).
    public var bitWidth: Int { family.bitWidth }

    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let v):
            return [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        case .v6(let b):
            return b.array
        }
    }

    /// Builds an address from 4 or 16 network-order bytes; any other count gives `nil`.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        switch bytes.count {
        case 4:
            var v: UInt32 = 0
            for b in bytes { v = (v << 8) | UInt32(b) }
            self = .v4(v)
        case 16:
            self = .v6(IPv6Bytes(Array(bytes)))
        default:
            return nil
        }
    }

    /// Parses dotted-quad IPv4 or RFC 4291 text IPv6 (with `::` and an embedded IPv4 tail).
    public init?(_ text: some StringProtocol) {
        if let v4 = IPAddress.parseV4(Substring(text)) {
            self = .v4(v4)
        } else if let v6 = IPAddress.parseV6(Substring(text)) {
            self = .v6(IPv6Bytes(v6))
        } else {
            return nil
        }
    }

    /// Returns bit `index` counted from the most significant bit of the address.
    public func bit(_ index: Int) -> Bool {
        switch self {
        case .v4(let v): return (v >> (31 - UInt32(index))) & 1 == 1
        case .v6(let b): return (b[index / 8] >> (7 - UInt8(index % 8))) & 1 == 1
        }
    }

    /// The address with every bit after the first `prefixLength` cleared.
    public func masked(to prefixLength: Int) -> IPAddress {
        switch self {
        case .v4(let v):
            let mask: UInt32 = prefixLength == 0 ? 0 : ~UInt32(0) << (32 - UInt32(prefixLength))
            return .v4(v & mask)
        case .v6(let b):
            var out = b.array
            for i in 0..<16 {
                let keep = max(0, min(8, prefixLength - i * 8))
                out[i] &= keep == 0 ? 0 : UInt8(0xFF) << (8 - UInt8(keep))
            }
            return .v6(IPv6Bytes(out))
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): return a < b
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        case (.v6(let a), .v6(let b)): return a.array.lexicographicallyPrecedes(b.array)
        }
    }

    private static func parseV4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCIIDigit),
                  let octet = UInt32(part), octet <= 255 else { return nil }
            value = (value << 8) | octet
        }
        return value
    }

    /// Splits at every `::` (IPv6 text allows at most one).
    private static func splitOnDoubleColon(_ text: Substring) -> [String] {
        var parts: [String] = []
        var current = ""
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            if text[index] == ":", next < text.endIndex, text[next] == ":" {
                parts.append(current)
                current = ""
                index = text.index(after: next)
            } else {
                current.append(text[index])
                index = next
            }
        }
        parts.append(current)
        return parts
    }

    private static func parseV6(_ text: Substring) -> [UInt8]? {
        guard text.contains(":"), text.count <= 45 else { return nil }
        let halves = splitOnDoubleColon(text)
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String, allowV4Tail: Bool) -> [UInt8]? {
            if s.isEmpty { return [] }
            var out: [UInt8] = []
            let pieces = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, piece) in pieces.enumerated() {
                if allowV4Tail && i == pieces.count - 1 && piece.contains(".") {
                    guard let v4 = parseV4(piece) else { return nil }
                    out += IPAddress.v4(v4).bytes
                    continue
                }
                guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit),
                      let g = UInt16(piece, radix: 16) else { return nil }
                out += [UInt8(g >> 8), UInt8(g & 0xFF)]
            }
            return out
        }
        if halves.count == 1 {
            guard let all = groups(halves[0], allowV4Tail: true), all.count == 16 else { return nil }
            return all
        }
        guard let head = groups(halves[0], allowV4Tail: false),
              let tail = groups(halves[1], allowV4Tail: true),
              head.count + tail.count <= 14 else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}

extension IPAddress: CustomStringConvertible {
    /// Dotted quad for IPv4; RFC 5952 canonical text for IPv6 (longest zero run as `::`).
    public var description: String {
        switch self {
        case .v4(let v):
            return "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
        case .v6(let b):
            let groups = (0..<8).map { UInt16(b[$0 * 2]) << 8 | UInt16(b[$0 * 2 + 1]) }
            var bestStart = -1, bestLen = 0, runStart = -1
            for i in 0...8 {
                if i < 8 && groups[i] == 0 {
                    if runStart < 0 { runStart = i }
                } else if runStart >= 0 {
                    if i - runStart > bestLen && i - runStart >= 2 { bestStart = runStart; bestLen = i - runStart }
                    runStart = -1
                }
            }
            func hex(_ r: Range<Int>) -> String { r.map { String(groups[$0], radix: 16) }.joined(separator: ":") }
            if bestStart < 0 { return hex(0..<8) }
            return hex(0..<bestStart) + "::" + hex((bestStart + bestLen)..<8)
        }
    }
}

/// An address family.
public enum IPFamily: Hashable, Sendable {
    /// IPv4, 32-bit addresses.
    case v4
    /// IPv6, 128-bit addresses.
    case v6

    /// Number of bits in an address of this family.
    public var bitWidth: Int { self == .v4 ? 32 : 128 }
}

/// Sixteen bytes of an IPv6 address, stored inline (no heap allocation per address).
public struct IPv6Bytes: Hashable, Sendable {
    /// High and low 64 bits, big-endian order of the address.
    public var high: UInt64
    public var low: UInt64

    /// Builds from exactly 16 bytes in network order.
    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 16, "an IPv6 address has 16 bytes")
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<8 { h = (h << 8) | UInt64(bytes[i]) }
        for i in 8..<16 { l = (l << 8) | UInt64(bytes[i]) }
        high = h
        low = l
    }

    /// Builds from the two 64-bit halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Byte `index` (0...15) in network order.
    public subscript(index: Int) -> UInt8 {
        let word = index < 8 ? high : low
        return UInt8((word >> (8 * UInt64(7 - index % 8))) & 0xFF)
    }

    /// The 16 bytes in network order.
    public var array: [UInt8] { (0..<16).map { self[$0] } }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
