/// The bytes that turn what the terminal shows into a new ``ScreenGrid``.
///
/// Output uses only: `ESC[row;colH` (cursor position, 1-based), SGR (`ESC[0;…m`, each one complete,
/// starting from a reset), `ESC[2J` (erase the screen, full redraw only) and the cells'
/// characters. Every non-empty output ends with `ESC[0m`, so the terminal is left with no
/// attribute set, which is what the next diff assumes.
public enum ScreenDiff {
    /// What to write to go from `previous` (what the terminal shows, nil when unknown) to `next`.
    ///
    /// With no previous grid, or one of another size, this is a full redraw: reset, erase, then
    /// every cell that is not blank. Otherwise only the cells that differ are written, the cursor
    /// moved only where the next changed cell is not where the last write left it. Equal grids
    /// give an empty string.
    public static func update(from previous: ScreenGrid?, to next: ScreenGrid) -> String {
        var output = ""
        let old = previous.flatMap { $0.width == next.width && $0.height == next.height ? $0 : nil }
        if old == nil { output += "\u{1B}[0m\u{1B}[2J" }
        var style = CellStyle.plain
        var cursor: (row: Int, column: Int)?
        for row in 0..<next.height {
            var column = 0
            while column < next.width {
                // A wide character's continuation is skipped with it; it has the same style, so it
                // is unchanged when the wide character is.
                let cell = next[row, column]
                let width = column + 1 < next.width && next[row, column + 1].isContinuation ? 2 : 1
                defer { column += width }
                if cell == (old?[row, column] ?? .blank) { continue }
                if cursor.map({ $0 != (row, column) }) ?? true {
                    output += "\u{1B}[\(row + 1);\(column + 1)H"
                }
                if cell.style != style {
                    output += cell.style.sgr
                    style = cell.style
                }
                output.append(cell.character)
                // Past the last column this matches no cell, so the next write positions again
                // (the terminal is then waiting to wrap, and a character would land on the next row).
                cursor = (row, column + width)
            }
        }
        if !output.isEmpty { output += "\u{1B}[0m" }
        return output
    }
}
