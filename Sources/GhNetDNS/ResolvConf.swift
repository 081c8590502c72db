/// `/etc/resolv.conf` as far as gh-net cares: its nameservers, and the hooked form the agent
/// writes while it runs. The hooked file lists only the agent's nameservers (musl asks every
/// listed server at once and takes the first answer, so any other server could win), keeps every
/// other line of the original (search, domain, options, sortlist, comments), and carries the
/// original bytes in comment lines, so that whoever finds the file after a crash can restore it
/// byte for byte without any other state.
public struct ResolvConf: Sendable, Equatable {
    /// The file as read, byte for byte.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public init(_ text: String) { self.bytes = Array(text.utf8) }

    /// The file as text (invalid UTF-8 shown as U+FFFD; only used for parsing).
    private var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The first line of a hooked file; resolvers ignore comment lines.
    static let markerPrefix = "# gh-net: DNS hook of agent pid "
    /// Prefix of the lines that carry the original file, base64 in chunks.
    static let originalPrefix = "# gh-net-original: "
    /// Prefix of the line with the carried original's length and checksum.
    static let checkPrefix = "# gh-net-original-check: "
    /// Base64 characters per carried line (musl skips lines longer than 255 bytes; resolvers ignore comments anyway).
    static let chunkLength = 64

    /// The `nameserver` addresses in order, as written (an IPv6 scope suffix kept).
    public var nameservers: [String] {
        lines.compactMap { line in
            let words = Self.words(line)
            return words.count >= 2 && words[0] == "nameserver" ? String(words[1]) : nil
        }
    }

    /// The pid of the agent whose hook this file is, or nil when it is not hooked.
    public var hookOwner: Int32? {
        guard let first = lines.first, first.hasPrefix(Self.markerPrefix) else { return nil }
        let digits = first.dropFirst(Self.markerPrefix.count).prefix { $0.isNumber }
        return Int32(digits)
    }

    /// The original file carried by a hooked file, byte for byte; nil when this file is not
    /// hooked or the carried copy is damaged.
    public var carriedOriginal: [UInt8]? {
        guard hookOwner != nil else { return nil }
        let encoded = lines.filter { $0.hasPrefix(Self.originalPrefix) }.map { $0.dropFirst(Self.originalPrefix.count) }.joined()
        guard let check = lines.first(where: { $0.hasPrefix(Self.checkPrefix) })?.dropFirst(Self.checkPrefix.count),
              let original = Base64.decode(encoded), check == Self.check(original) else { return nil }
        return original
    }

    /// The hooked file for agent `pid`: a marker, the carried original, `nameserver` lines for
    /// `ours`, then every line of the original except its own `nameserver` lines.
    public func hooked(nameservers ours: [String], pid: Int32) -> String {
        var output = "\(Self.markerPrefix)\(pid); the original is restored when it stops.\n"
        output += "\(Self.checkPrefix)\(Self.check(bytes))\n"
        let encoded = Base64.encode(bytes)
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: Self.chunkLength, limitedBy: encoded.endIndex) ?? encoded.endIndex
            output += "\(Self.originalPrefix)\(encoded[index..<end])\n"
            index = end
        }
        for server in ours { output += "nameserver \(server)\n" }
        for line in lines where Self.words(line).first != "nameserver" { output += line + "\n" }
        return output
    }

    /// The lines, split at LF only (a CR before it stays part of the line, as resolvers see it).
    private var lines: [String] {
        var all = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        if all.last == "" { all.removeLast() }
        return all
    }

    /// Words of a line, split on blanks (space, tab, CR); a comment line (`#` or `;`) has none.
    private static func words(_ line: String) -> [Substring] {
        let blanks: Set<Unicode.Scalar> = [" ", "\t", "\r"]
        let words = line.unicodeScalars.split(whereSeparator: { blanks.contains($0) }).map { Substring($0) }
        if let first = words.first, first.hasPrefix("#") || first.hasPrefix(";") { return [] }
        return words
    }

    /// `<length> <FNV-1a 64 in hex>` of the original: a damaged carried copy is never restored.
    private static func check(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return "\(bytes.count) \(String(hash, radix: 16))"
    }
}
