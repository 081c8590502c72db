import Crypto
import Foundation

/// What identifies this exact build of gh-net: a version for people and a content hash of the
/// executable for machines. The local side uses the hash to find (or send) the same build on the
/// remote; both sides exchange it in the hello.
public struct ExecutableIdentity: Sendable, Equatable {
    /// The release version, e.g. `0.1.0`.
    public static let version = "0.1.0"

    /// Path of the running executable.
    public let executablePath: String
    /// Where its bytes are read: `/proc/self/exe` for the running executable, so a file
    /// rebuilt in place after the start is not what gets hashed or sent.
    public let contentPath: String
    /// Lower-case hex SHA-256 of the executable's bytes.
    public let sha256: String
    /// Size of the executable in bytes.
    public let size: Int
    /// The newest glibc symbol version the executable needs (e.g. `2.34`), or nil when none
    /// was found (a fully static binary).
    public let requiredGlibc: GlibcVersion?
    /// The CPU architecture as `uname -m` prints it (`x86_64`, `aarch64`).
    public let machine: String

    /// `0.1.0+3fa9c1d2e4b5` — version plus the first 12 hex digits of the hash.
    public var summary: String { "\(ExecutableIdentity.version)+\(sha256.prefix(12))" }

    /// Reads and hashes the running executable (`/proc/self/exe`).
    public static func current() throws -> ExecutableIdentity {
        let path = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        return try ExecutableIdentity(executableAt: path, contentAt: "/proc/self/exe")
    }

    /// The content hash of the running executable without reading it, when it runs from the
    /// agent cache: the bootstrap stores a build as `gh-net-<sha256>` only after checking that
    /// hash. `nil` when the file name does not have that form.
    public static func cachedHash() -> String? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let name = URL(fileURLWithPath: path).lastPathComponent
        guard name.hasPrefix("gh-net-") else { return nil }
        let hash = name.dropFirst("gh-net-".count)
        guard hash.count == 64, hash.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return String(hash)
    }

    /// Reads and hashes the executable at `path` (its bytes from `contentAt`, by default the
    /// same path), streaming it in 1 MiB pieces.
    public init(executableAt path: String, contentAt source: String? = nil) throws {
        let source = source ?? path
        guard let handle = FileHandle(forReadingAtPath: source) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: source])
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var scanner = GlibcRequirementScanner()
        var total = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            scanner.scan(chunk)
            total += chunk.count
        }
        self.executablePath = path
        self.contentPath = source
        self.sha256 = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        self.size = total
        self.requiredGlibc = scanner.highest
        var names = utsname()
        uname(&names)
        self.machine = withUnsafeBytes(of: &names.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
