import Testing
@testable import GhNetUI

/// What every grid must satisfy whatever was written into it: each cell holds one printable
/// scalar (never a control character), each wide character is followed by its continuation and
/// no continuation stands alone, so no row takes more than `width` columns. Returns the problems.
func problems(in grid: ScreenGrid) -> [String] {
    var problems: [String] = []
    if grid.cells.count != grid.width * grid.height { problems.append("\(grid.cells.count) cells") }
    let rows = grid.rows
    for row in 0..<grid.height {
        var columns = 0
        for column in 0..<grid.width {
            let cell = grid[row, column]
            if cell.isContinuation {
                let head = column > 0 ? grid[row, column - 1] : nil
                if head.map({ $0.isContinuation || $0.style != cell.style }) ?? true {
                    problems.append("continuation without its wide character at \(row),\(column)")
                }
                continue
            }
            let scalars = Array(cell.character.unicodeScalars)
            guard scalars.count == 1, let glyph = TerminalText.glyph(for: scalars[0]),
                  glyph.character == cell.character else {
                problems.append("cell \(row),\(column) holds \(cell.character.debugDescription)")
                continue
            }
            let next = column + 1 < grid.width ? grid[row, column + 1] : nil
            if (glyph.width == 2) != (next?.isContinuation == true) {
                problems.append("wide character and continuation disagree at \(row),\(column)")
            }
            columns += glyph.width
        }
        if columns > grid.width || TerminalText.width(of: rows[row]) > grid.width {
            problems.append("row \(row) is wider than the grid")
        }
    }
    return problems
}

/// Expects ``problems(in:)`` to find none.
func expectWellFormed(_ grid: ScreenGrid, sourceLocation: SourceLocation = #_sourceLocation) {
    let found = problems(in: grid)
    #expect(found.isEmpty, "\(grid.width)×\(grid.height): \(found.prefix(3))", sourceLocation: sourceLocation)
}
