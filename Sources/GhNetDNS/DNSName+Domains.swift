extension DNSName {
    /// A name from dotted text (`corp.example`, with or without the final dot); nil for an
    /// empty label, a label over 63 bytes or a name over 255 bytes on the wire.
    public init?(dotted text: String) {
        var trimmed = Substring(text)
        if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
        if trimmed.isEmpty {
            self.init(labels: [])
            return
        }
        let labels = trimmed.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) }
        guard labels.allSatisfy({ (1...63).contains($0.count) }),
              labels.reduce(1, { $0 + $1.count + 1 }) <= DNSReader.maxNameLength else { return nil }
        self.init(labels: labels)
    }

    /// True when this name is `domain` or lies under it; ASCII letters compare without case.
    public func isWithin(_ domain: DNSName) -> Bool {
        guard domain.labels.count <= labels.count else { return false }
        return zip(labels.suffix(domain.labels.count), domain.labels).allSatisfy { ours, theirs in
            ours.count == theirs.count && zip(ours, theirs).allSatisfy { asciiLowercased($0) == asciiLowercased($1) }
        }
    }
}

extension DNSName {
    /// The name with ASCII letters in lower case: equal for names DNS takes as the same.
    public var lowercased: DNSName {
        DNSName(labels: labels.map { $0.map(asciiLowercased) })
    }
}

private func asciiLowercased(_ byte: UInt8) -> UInt8 {
    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
}
