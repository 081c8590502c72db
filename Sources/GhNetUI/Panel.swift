/// The rectangle of the grid a panel draws in.
struct PanelFrame {
    var x: Int
    var y: Int
    var width: Int
    var height: Int
}

/// What the NAT and DNS panels share: a title row with a rule, a row of column titles, one row
/// per record, and a last row `…and N more` when not every record fits.
enum Panel {
    /// Rows a panel would use if it had all the room it wanted: title, column titles, the `held`
    /// records, a `…and N more` line when `total` is more (an empty panel shows a line saying so).
    static func wantedHeight(held: Int, total: Int) -> Int {
        2 + max(1, held < total ? held + 1 : held)
    }

    /// How many of the `held` records to show in `rows` rows when `total` exist, and the count the
    /// `…and N more` line then reports (nil: no such line).
    static func cut(rows: Int, held: Int, total: Int) -> (shown: Int, more: Int?) {
        guard rows > 0 else { return (0, nil) }
        let total = max(total, held)
        var shown = min(held, rows)
        if shown < total, shown == rows { shown -= 1 }
        return (shown, shown < total ? total - shown : nil)
    }

    /// Draws a panel in `frame` for `total` records of which the model holds the first `held`.
    /// `cells(i)` gives the cells of record `i` (newest first); it is called only for the records
    /// that fit.
    static func draw(title: String, columns: [TableColumn], held: Int, total: Int, emptyMessage: String,
                     frame: PanelFrame, into grid: inout ScreenGrid, cells: (Int) -> [TableCell]) {
        guard frame.height > 0 else { return }
        let used = grid.write([Span(title, .bold), Span(" (\(max(total, held))) ", .dim)], row: frame.y, column: frame.x,
                              width: frame.width)
        if used < frame.width {
            grid.write(String(repeating: "─", count: frame.width - used), style: .dim, row: frame.y,
                       column: frame.x + used, width: frame.width - used)
        }
        guard frame.height > 1 else { return }
        let layout = TableLayout(columns: columns, width: frame.width)
        layout.writeTitles(columns, into: &grid, row: frame.y + 1, x: frame.x, style: .dim)
        let rows = frame.height - 2
        guard rows > 0 else { return }
        if total == 0 && held == 0 {
            grid.write(emptyMessage, style: .dim, row: frame.y + 2, column: frame.x, width: frame.width)
            return
        }
        let (shown, more) = cut(rows: rows, held: held, total: total)
        for index in 0..<shown {
            layout.writeRow(cells(index), columns: columns, into: &grid, row: frame.y + 2 + index, x: frame.x)
        }
        if let more {
            grid.write("…and \(more) more", style: .dim, row: frame.y + 2 + shown, column: frame.x, width: frame.width)
        }
    }
}
