import Foundation

/// A glibc version such as `2.36`, comparable so the bootstrap can say "remote has 2.31,
/// this build needs 2.34".
public struct GlibcVersion: Comparable, Sendable, CustomStringConvertible {
    /// Major version (2 for every glibc in use).
    public let major: Int
    /// Minor version.
    public let minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `2.36` (also the tail of `glibc 2.36` as `getconf GNU_LIBC_VERSION` prints it).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".")
        guard parts.count >= 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        self.init(major: major, minor: minor)
    }

    public static func < (a: GlibcVersion, b: GlibcVersion) -> Bool {
        (a.major, a.minor) < (b.major, b.minor)
    }

    public var description: String { "\(major).\(minor)" }
}

/// Finds the highest `GLIBC_2.N` symbol-version string in an executable's bytes, which is the
/// oldest glibc that can load it. Fed in chunks; a marker split across chunks is still found.
struct GlibcRequirementScanner {
    /// The highest version seen so far.
    private(set) var highest: GlibcVersion?
    private var carry: [UInt8] = []
    private static let marker = Array("GLIBC_".utf8)

    mutating func scan(_ chunk: some DataProtocol) {
        let bytes = carry + Array(chunk)
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let count = buffer.count
            var i = 0
            // memchr finds each candidate 'G' at memory speed; only those are compared.
            while i < count, let hit = memchr(base + i, 0x47, count - i) {
                let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                let end = at + Self.marker.count
                guard end < count else { break }
                if Array(buffer[at..<end]) == Self.marker {
                    var j = end
                    while j < count && (buffer[j] == 0x2E || (0x30...0x39).contains(buffer[j])) { j += 1 }
                    if j < count, let version = GlibcVersion(String(decoding: buffer[end..<j], as: UTF8.self)),
                       highest.map({ version > $0 }) ?? true {
                        highest = version
                    }
                    i = j
                } else {
                    i = at + 1
                }
            }
        }
        carry = Array(bytes.suffix(16))
    }
}
