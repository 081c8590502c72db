/// One status line the bootstrap script prints (`GHNET-BOOT WORD …`), parsed.
public enum BootstrapLine: Equatable, Sendable {
    /// The cached build was found at the path; no transfer is needed.
    case cached(path: String)
    /// The script is ready to read exactly this many bytes of the executable from stdin.
    case send(size: Int)
    /// The executable arrived, was verified and stored at the path.
    case stored(path: String)
    /// The next byte on stdout is the agent's first frame; `how` is `root` or `sudo`.
    case exec(how: String)
    /// A check failed; the script exits. `code` is a machine word (os, arch, libc, tun, store,
    /// space, hash, sudo), `message` a sentence for the user.
    case error(code: String, message: String)

    /// The prefix every status line starts with.
    public static let marker = "GHNET-BOOT "

    /// Parses a line (without its newline). Lines without the marker — a login banner, an
    /// rc file's echo — give `nil` and are only logged. A marked line that is malformed throws.
    public static func parse(_ line: Substring) throws(Malformed) -> BootstrapLine? {
        guard line.hasPrefix(marker) else { return nil }
        let body = line.dropFirst(marker.count)
        let word = body.prefix { $0 != " " }
        let rest = body.dropFirst(word.count).drop { $0 == " " }
        switch word {
        case "cached": return .cached(path: String(rest))
        case "stored": return .stored(path: String(rest))
        case "exec": return .exec(how: String(rest))
        case "send":
            guard let size = Int(rest), size > 0 else { throw Malformed(line: String(line)) }
            return .send(size: size)
        case "error":
            let code = rest.prefix { $0 != " " }
            guard !code.isEmpty else { throw Malformed(line: String(line)) }
            return .error(code: String(code), message: String(rest.dropFirst(code.count).drop { $0 == " " }))
        default:
            throw Malformed(line: String(line))
        }
    }

    /// A `GHNET-BOOT` line this version does not understand.
    public struct Malformed: Error, Equatable, CustomStringConvertible {
        public let line: String
        public var description: String { "unexpected bootstrap line from the remote: \(line)" }
    }
}
