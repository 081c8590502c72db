extension DNSRecordData: CustomStringConvertible {
    /// The RDATA in zone-file presentation format: `192.0.2.1`, `2001:db8::1`, `10 mail.example.`,
    /// `"v=spf1" "-all"`, `0 issue "ca.example"`, and `\# 3 0a0b0c` (RFC 3597) for other types.
    public var description: String {
        switch self {
        case let .a(bytes):
            bytes.map(String.init).joined(separator: ".")
        case let .aaaa(bytes):
            ipv6Text(bytes)
        case let .cname(name), let .ns(name), let .ptr(name):
            name.description
        case let .mx(preference, exchange):
            "\(preference) \(exchange)"
        case let .txt(strings):
            strings.map(quoted).joined(separator: " ")
        case let .soa(soa):
            "\(soa.mname) \(soa.rname) \(soa.serial) \(soa.refresh) \(soa.retry) \(soa.expire) \(soa.minimum)"
        case let .srv(priority, weight, port, target):
            "\(priority) \(weight) \(port) \(target)"
        case let .caa(flags, tag, value):
            "\(flags) \(String(decoding: tag, as: UTF8.self)) \(quoted(value))"
        case let .other(_, bytes):
            bytes.isEmpty ? "\\# 0" : "\\# \(bytes.count) " + bytes.map(hexByte).joined()
        }
    }
}

/// A character-string in double quotes, with `"` and `\` escaped and unprintable bytes as `\DDD`.
private func quoted(_ bytes: [UInt8]) -> String {
    var text = "\""
    for byte in bytes {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            text.append("\\")
            text.unicodeScalars.append(Unicode.Scalar(byte))
        case 0x20...0x7E:
            text.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            text.append(decimalEscape(byte))
        }
    }
    return text + "\""
}

private func hexByte(_ byte: UInt8) -> String {
    (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
}

/// An IPv6 address as RFC 5952 text: lowercase, no leading zeros, the longest run of two or
/// more zero groups (the first, on a tie) replaced by `::`.
private func ipv6Text(_ bytes: [UInt8]) -> String {
    let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
    var bestStart = -1, bestLength = 1
    var index = 0
    while index < 8 {
        guard groups[index] == 0 else { index += 1; continue }
        var end = index
        while end < 8, groups[end] == 0 { end += 1 }
        if end - index > bestLength { bestStart = index; bestLength = end - index }
        index = end
    }
    let hex = groups.map { String($0, radix: 16) }
    guard bestStart >= 0 else { return hex.joined(separator: ":") }
    let head = hex[..<bestStart].joined(separator: ":")
    let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
    return head + "::" + tail
}
