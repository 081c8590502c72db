import ArgumentParser
import GhNetAddress
import GhNetCore
import GhNetLocal

/// `true` or `false`, as the original's `--gui true|false` and `--dns true|false` take them.
public enum Switch: String, ExpressibleByArgument, CaseIterable, Sendable {
    case `true`
    case `false`

    /// The value as a Bool.
    public var isOn: Bool { self == .true }
}

extension TraceLevel: ExpressibleByArgument {}

extension IPPrefix: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

extension IPAddress: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

extension SSHDestination: ExpressibleByArgument {
    public init?(argument: String) {
        guard let parsed = try? SSHDestination(parsing: argument) else { return nil }
        self = parsed
    }
}

/// A DNS domain for `--dns-domain`: letters, digits, hyphens and dots, labels of 1-63 bytes,
/// at most 253 bytes in all; a trailing dot is dropped and case is folded.
public struct DNSDomain: ExpressibleByArgument, Equatable, Sendable, CustomStringConvertible {
    /// The normalised domain (lower case, no trailing dot).
    public let name: String

    public init?(argument: String) {
        var text = argument.lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !text.isEmpty, text.utf8.count <= 253, labels.allSatisfy({ label in
            (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }) else { return nil }
        name = text
    }

    public var description: String { name }
}
