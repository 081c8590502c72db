/// A terminal screen as data: `height` rows of `width` ``Cell``s, row-major. Layouts write into
/// one; ``ScreenDiff`` turns two of them into the bytes for the terminal.
///
/// Every write is clipped to the grid and goes through ``TerminalText``: text is sanitised,
/// measured, and cut with a trailing `…` when it does not fit the columns given, so no row ever
/// holds more than `width` columns and no control character is ever stored.
public struct ScreenGrid: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// The cells, row after row (`cells[row * width + column]`).
    public private(set) var cells: [Cell]

    /// A blank grid; negative sizes count as zero.
    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    /// The cell at `row`, `column` (both from 0; must be inside the grid).
    public subscript(row: Int, column: Int) -> Cell {
        precondition(row >= 0 && row < height && column >= 0 && column < width, "cell outside the grid")
        return cells[row * width + column]
    }

    /// Writes `spans` on `row` from `column`, within `width` columns (nil: to the end of the row),
    /// left or right aligned. Text that does not fit is cut with `…`. Returns the columns written.
    @discardableResult
    public mutating func write(_ spans: [Span], row: Int, column: Int, width: Int? = nil,
                               alignment: TextAlignment = .left) -> Int {
        guard row >= 0, row < height, column >= 0, column < self.width else { return 0 }
        let room = min(width ?? self.width, self.width - column)
        let glyphs = TerminalText.fit(spans, width: room)
        let used = glyphs.reduce(0) { $0 + $1.glyph.width }
        var x = alignment == .right ? column + room - used : column
        for (glyph, style) in glyphs {
            put(glyph, style: style, row: row, column: x)
            x += glyph.width
        }
        return used
    }

    /// Writes `text` in one style, as the span version does.
    @discardableResult
    public mutating func write(_ text: String, style: CellStyle = .plain, row: Int, column: Int, width: Int? = nil,
                               alignment: TextAlignment = .left) -> Int {
        write([Span(text, style)], row: row, column: column, width: width, alignment: alignment)
    }

    /// Fills `width` cells of `row` from `column` (clipped to the grid) with spaces in `style`.
    public mutating func fill(row: Int, column: Int, width: Int, style: CellStyle) {
        guard row >= 0, row < height else { return }
        let start = max(0, column)
        let end = min(self.width, column + width)
        guard start < end else { return }
        for x in start..<end {
            put(TerminalText.Glyph(character: " ", width: 1), style: style, row: row, column: x)
        }
    }

    /// Stores one glyph; a wide character cut in half by it loses its other half (a space), as a
    /// terminal does when one half of a wide character is overwritten.
    private mutating func put(_ glyph: TerminalText.Glyph, style: CellStyle, row: Int, column: Int) {
        let base = row * width
        let index = base + column
        for x in column..<(column + glyph.width) {
            if cells[base + x].isContinuation, x > 0 {
                cells[base + x - 1] = Cell(character: " ", style: cells[base + x - 1].style)
            }
            if x + 1 < width, cells[base + x + 1].isContinuation {
                cells[base + x + 1] = Cell(character: " ", style: cells[base + x + 1].style)
            }
        }
        cells[index] = Cell(character: glyph.character, style: style)
        if glyph.width == 2 {
            cells[index + 1] = Cell(character: " ", style: style, isContinuation: true)
        }
    }

    /// The characters of each row (continuations skipped), trailing spaces trimmed, styles ignored.
    public var rows: [String] {
        (0..<height).map { row in
            var line = ""
            for cell in cells[(row * width)..<((row + 1) * width)] where !cell.isContinuation {
                line.append(cell.character)
            }
            while line.last == " " { line.removeLast() }
            return line
        }
    }

    /// ``rows`` joined by newlines: the grid as plain text, for snapshot tests and logs.
    public var text: String { rows.joined(separator: "\n") }
}
