import GhNetAddress

/// Parses the text of the kernel's route files, `/proc/net/route` and `/proc/net/ipv6_route`.
///
/// Every line becomes either a ``Route`` or a ``SkippedRouteLine``; nothing in the text can make
/// the parser trap. The IPv4 file prints each 32-bit field (destination, gateway, mask) as the
/// hex of the in-memory network-order word, so on a little-endian machine `198.18.1.0` reads
/// `000112C6`; reading the hex as an integer and taking it as big-endian memory undoes that on
/// any host. The IPv6 file prints addresses as 32 hex digits in network order.
enum ProcRouteParser {
    /// The routes and skipped lines of one file.
    struct Result {
        var routes: [Route] = []
        var skipped: [SkippedRouteLine] = []
    }

    /// What a single line turned into.
    private enum Line {
        case route(Route)
        case skipped(SkippedRouteLine.Reason)
        case ignored
    }

    /// Parses `/proc/net/route`: a header line, then `Iface Destination Gateway Flags RefCnt Use
    /// Metric Mask MTU Window IRTT` separated by tabs.
    static func parseIPv4(_ text: String) -> Result {
        parse(text, file: .ipv4, line: parseIPv4Line)
    }

    /// Parses `/proc/net/ipv6_route`: no header; `dest plen src srclen gateway metric refcnt use
    /// flags iface` separated by spaces, numbers in hex.
    static func parseIPv6(_ text: String) -> Result {
        parse(text, file: .ipv6, line: parseIPv6Line)
    }

    private static func parse(_ text: String, file: SkippedRouteLine.File,
                              line parseLine: ([Substring]) -> Line) -> Result {
        var result = Result()
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard !fields.isEmpty else { continue }
            switch parseLine(fields) {
            case .route(let route): result.routes.append(route)
            case .skipped(let reason):
                result.skipped.append(SkippedRouteLine(file: file, lineNumber: index + 1, reason: reason))
            case .ignored: break
            }
        }
        return result
    }

    private static func parseIPv4Line(_ fields: [Substring]) -> Line {
        if fields[0] == "Iface" { return .ignored }
        guard fields.count == 11 else { return .skipped(.malformed("\(fields.count) fields, expected 11")) }
        guard let destination = word(fields[1]), let gateway = word(fields[2]), let mask = word(fields[7]) else {
            return .skipped(.malformed("destination, gateway or mask is not 8 hex digits"))
        }
        guard let rawFlags = hex(fields[3], digits: 1...8) else {
            return .skipped(.malformed("flags are not hex"))
        }
        // The kernel prints the unsigned metric with `%d`, so a large one appears negative.
        guard let metricValue = Int64(fields[6]), (Int64(Int32.min)...Int64(UInt32.max)).contains(metricValue) else {
            return .skipped(.malformed("metric is not a 32-bit number"))
        }
        guard (~mask) & (~mask &+ 1) == 0 else { return .skipped(.malformed("mask is not contiguous")) }
        guard destination & ~mask == 0 else { return .skipped(.malformed("destination has bits outside the mask")) }
        let flags = RouteFlags(rawValue: UInt32(rawFlags))
        // A blackhole route has no device and prints `*` as its interface.
        guard !flags.contains(.reject), fields[0] != "*" else { return .skipped(.reject) }
        guard flags.contains(.up) else { return .skipped(.notUp) }
        let prefix = IPPrefix(.v4(destination), length: mask.nonzeroBitCount)!
        return .route(Route(prefix: prefix, gateway: gateway == 0 ? nil : .v4(gateway),
                            interface: String(fields[0]), metric: UInt32(truncatingIfNeeded: metricValue),
                            flags: flags))
    }

    private static func parseIPv6Line(_ fields: [Substring]) -> Line {
        guard fields.count == 10 else { return .skipped(.malformed("\(fields.count) fields, expected 10")) }
        guard let destination = address(fields[0]), let source = address(fields[2]),
              let gateway = address(fields[4]) else {
            return .skipped(.malformed("an address is not 32 hex digits"))
        }
        guard let length = hex(fields[1], digits: 2...2), length <= 128,
              let sourceLength = hex(fields[3], digits: 2...2), sourceLength <= 128 else {
            return .skipped(.malformed("prefix length is not 2 hex digits up to 0x80"))
        }
        guard let metric = hex(fields[5], digits: 8...8), hex(fields[6], digits: 8...8) != nil,
              hex(fields[7], digits: 8...8) != nil, let rawFlags = hex(fields[8], digits: 8...8) else {
            return .skipped(.malformed("metric, counters or flags are not 8 hex digits"))
        }
        guard let prefix = IPPrefix(destination, length: Int(length)), prefix.network == destination else {
            return .skipped(.malformed("destination has bits outside the prefix length"))
        }
        let flags = RouteFlags(rawValue: UInt32(rawFlags))
        // IPv6 reject routes (unreachable, prohibit, blackhole) come without `RTF_UP`.
        guard !flags.contains(.reject) else { return .skipped(.reject) }
        guard flags.contains(.up) else { return .skipped(.notUp) }
        let unspecified = IPAddress.v6(IPv6Bytes(high: 0, low: 0))
        guard sourceLength == 0, source == unspecified else { return .skipped(.sourceSpecific) }
        return .route(Route(prefix: prefix, gateway: gateway == unspecified ? nil : gateway,
                            interface: String(fields[9]), metric: UInt32(metric), flags: flags))
    }

    /// Reads an unsigned hex number of the given number of digits (no sign, no `0x`).
    private static func hex(_ text: Substring, digits: ClosedRange<Int>) -> UInt64? {
        guard digits.contains(text.utf8.count), text.utf8.allSatisfy(isHexDigit) else { return nil }
        return UInt64(text, radix: 16)
    }

    /// Reads the 8 hex digits of a network-order word printed as a host-order integer.
    private static func word(_ text: Substring) -> UInt32? {
        hex(text, digits: 8...8).map { UInt32(bigEndian: UInt32(truncatingIfNeeded: $0)) }
    }

    /// Reads 32 hex digits as an IPv6 address in network order.
    private static func address(_ text: Substring) -> IPAddress? {
        guard text.utf8.count == 32, text.utf8.allSatisfy(isHexDigit) else { return nil }
        let middle = text.index(text.startIndex, offsetBy: 16)
        guard let high = UInt64(text[..<middle], radix: 16), let low = UInt64(text[middle...], radix: 16) else {
            return nil
        }
        return .v6(IPv6Bytes(high: high, low: low))
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
             UInt8(ascii: "A")...UInt8(ascii: "F"): true
        default: false
        }
    }
}
