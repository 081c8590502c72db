/// Splits a command line the way a POSIX shell splits words (quotes and backslashes, no
/// expansions), for `--via 'ip netns exec NS'` and `GHNET_SSH_COMMAND`.
public enum ShellWords {
    /// A quote was opened and never closed, or the line ends in a lone backslash.
    public struct UnterminatedQuote: Error, CustomStringConvertible, Equatable {
        public let text: String
        public var description: String { "unterminated quote or trailing backslash in: \(text)" }
    }

    /// The words of `text`; throws ``UnterminatedQuote`` for an unbalanced quote.
    public static func split(_ text: String) throws(UnterminatedQuote) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var iterator = text.makeIterator()
        while let c = iterator.next() {
            switch c {
            case " ", "\t", "\n":
                if inWord { words.append(current); current = ""; inWord = false }
            case "'":
                inWord = true
                var closed = false
                while let q = iterator.next() {
                    if q == "'" { closed = true; break }
                    current.append(q)
                }
                if !closed { throw UnterminatedQuote(text: text) }
            case "\"":
                inWord = true
                var closed = false
                while let q = iterator.next() {
                    if q == "\"" { closed = true; break }
                    if q == "\\" {
                        guard let escaped = iterator.next() else { throw UnterminatedQuote(text: text) }
                        if !["\"", "\\", "$", "`"].contains(escaped) { current.append("\\") }
                        current.append(escaped)
                    } else {
                        current.append(q)
                    }
                }
                if !closed { throw UnterminatedQuote(text: text) }
            case "\\":
                guard let escaped = iterator.next() else { throw UnterminatedQuote(text: text) }
                inWord = true
                current.append(escaped)
            default:
                inWord = true
                current.append(c)
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// Quotes `word` so a POSIX shell reads it back as exactly one word.
    public static func quote(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "@%_+=:,./-".contains($0)) }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
