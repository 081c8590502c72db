/// A line of a kernel route file that did not become a ``Route``, and why.
public struct SkippedRouteLine: Hashable, Sendable, CustomStringConvertible {
    /// Which route file the line came from.
    public enum File: String, Hashable, Sendable {
        /// `/proc/net/route` (IPv4).
        case ipv4 = "/proc/net/route"
        /// `/proc/net/ipv6_route` (IPv6).
        case ipv6 = "/proc/net/ipv6_route"
    }

    /// Why a line was skipped.
    public enum Reason: Hashable, Sendable, CustomStringConvertible {
        /// The line does not have the kernel's format; the text says what is wrong.
        case malformed(String)
        /// The route lacks `RTF_UP`.
        case notUp
        /// An unreachable, prohibit or blackhole route: the kernel drops what matches it.
        case reject
        /// An IPv6 route that applies only to some source addresses (`ip route … from …`);
        /// gh-net's sockets do not pick their source, so such a route says nothing reliable.
        case sourceSpecific

        public var description: String {
            switch self {
            case .malformed(let what): "malformed: \(what)"
            case .notUp: "route is not up"
            case .reject: "unreachable, prohibit or blackhole route"
            case .sourceSpecific: "source-specific route"
            }
        }
    }

    /// The file the line came from.
    public let file: File
    /// The line's number in the file, counting from 1.
    public let lineNumber: Int
    /// Why the line was skipped.
    public let reason: Reason

    /// Makes a record of a skipped line.
    public init(file: File, lineNumber: Int, reason: Reason) {
        self.file = file
        self.lineNumber = lineNumber
        self.reason = reason
    }

    public var description: String { "\(file.rawValue) line \(lineNumber): \(reason)" }
}
