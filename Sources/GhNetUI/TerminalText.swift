/// How text from any source (names from DNS are untrusted) becomes terminal cells, one Unicode
/// scalar at a time, so that what is written is exactly what was measured:
///
/// - printable scalars are kept, one or two columns wide;
/// - tab, line feed, carriage return, vertical tab and form feed become a space, and so does
///   every other space separator (no-break space, ideographic space, …);
/// - nonspacing and enclosing marks (combining accents, variation selectors), the zero width
///   joiner and the conjoining Hangul vowels and final consonants (U+1160–11FF, U+D7B0–D7FF)
///   are dropped: they take no column and would change the character before them;
/// - every other control or format character (C0, DEL, C1, bidirectional overrides, soft hyphen,
///   zero width space, …), private use, unassigned, line and paragraph separators become `?`:
///   nothing that could move the cursor, change modes or reorder text reaches the terminal.
///
/// The width is a documented approximation of `wcwidth`: two columns for the East Asian Wide and
/// Fullwidth blocks (Hangul Jamo, CJK, Kana, Hangul syllables, fullwidth forms) and for emoji
/// with emoji presentation, except the regional indicators that make up flags (one column each,
/// as glibc's `wcwidth` has them); one for the rest, including East Asian Ambiguous characters such as
/// `…`, `→`, `─` (two columns only in terminals set to treat ambiguous characters as wide).
enum TerminalText {
    /// One character as drawn: one or two columns wide.
    struct Glyph: Equatable {
        var character: Character
        var width: Int
    }

    /// What is drawn when text does not fit.
    static let ellipsis = Glyph(character: "…", width: 1)
    private static let space = Glyph(character: " ", width: 1)
    private static let replacement = Glyph(character: "?", width: 1)

    /// What `scalar` becomes on screen, or nil when it takes no column and is dropped.
    static func glyph(for scalar: Unicode.Scalar) -> Glyph? {
        let value = scalar.value
        if value >= 0x20 && value < 0x7F { return Glyph(character: Character(scalar), width: 1) }
        if value >= 0x09 && value <= 0x0D { return space }
        if value == 0x200D || (0x1160...0x11FF).contains(value) || (0xD7B0...0xD7FF).contains(value) { return nil }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark:
            return nil
        case .spaceSeparator:
            return space
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
            return replacement
        default:
            return Glyph(character: Character(scalar), width: isWide(scalar) ? 2 : 1)
        }
    }

    /// True for the scalars this module draws two columns wide (see the type's documentation).
    static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x1100 || (0x1F1E6...0x1F1FF).contains(value) { return false }
        if scalar.properties.isEmojiPresentation { return true }
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
             0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// The columns `text` takes once drawn.
    static func width(of text: String) -> Int {
        var total = 0
        for scalar in text.unicodeScalars {
            total += glyph(for: scalar)?.width ?? 0
        }
        return total
    }

    /// The glyphs of `spans` that fit in `width` columns, each with its span's style. Text that
    /// does not fit is cut so that a trailing `…` fits too (a wide character that would straddle
    /// the cut is dropped, and so are spaces just before the `…`). Stops reading at the first character that does not fit, so a huge string
    /// costs no more than a short one.
    static func fit(_ spans: [Span], width: Int) -> [(glyph: Glyph, style: CellStyle)] {
        guard width > 0 else { return [] }
        var glyphs: [(glyph: Glyph, style: CellStyle)] = []
        var used = 0
        var overflowStyle: CellStyle?
        scan: for span in spans {
            for scalar in span.text.unicodeScalars {
                guard let glyph = glyph(for: scalar) else { continue }
                if used + glyph.width > width {
                    overflowStyle = span.style
                    break scan
                }
                glyphs.append((glyph, span.style))
                used += glyph.width
            }
        }
        guard let overflowStyle else { return glyphs }
        while used > width - 1, let last = glyphs.popLast() {
            used -= last.glyph.width
        }
        while glyphs.last?.glyph.character == " " {
            glyphs.removeLast()
        }
        glyphs.append((ellipsis, glyphs.last?.style ?? overflowStyle))
        return glyphs
    }

    /// `text` cut at its start instead of its end when it is wider than `width`: `…` and the
    /// end that fits (for paths, whose end says the most). Sanitised like everything written.
    static func keepingEnd(_ text: String, width: Int) -> String {
        guard width > 0 else { return "" }
        guard Self.width(of: text) > width else { return text }
        var kept: [Character] = []
        var used = 1
        for scalar in text.unicodeScalars.reversed() {
            guard let glyph = glyph(for: scalar) else { continue }
            if used + glyph.width > width { break }
            kept.append(glyph.character)
            used += glyph.width
        }
        return "…" + String(kept.reversed())
    }
}
