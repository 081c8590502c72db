/// The codespace picker on screen: a title, the column titles, one row per codespace (display
/// name, repository, state; the selected row reversed), and the key help on the last row, with
/// the position (`3/40`) when not every codespace fits.
///
/// Rows: the title; the column titles from a height of 4; the list; the help line from a height of
/// 2. ``listRows(height:)`` is the list's height, to give to ``CodespacePicker/resize(visibleRows:)``.
public enum PickerLayout {
    static let columns: [TableColumn] = [
        TableColumn(title: "codespace", minimumWidth: 12, idealWidth: 20, flex: 1, priority: 10, separator: "  "),
        TableColumn(title: "repository", minimumWidth: 12, idealWidth: 20, flex: 1, priority: 9, separator: "  "),
        TableColumn(title: "state", minimumWidth: 10, idealWidth: 12, priority: 8, separator: "  "),
    ]

    /// How many codespace rows a terminal `height` rows high shows.
    public static func listRows(height: Int) -> Int {
        height >= 4 ? height - 3 : height == 3 ? 1 : 0
    }

    /// The picker on a terminal `width` × `height`. The window shown always holds the selection,
    /// even when the picker was not resized to this height.
    public static func render(_ picker: CodespacePicker, width: Int, height: Int) -> ScreenGrid {
        var grid = ScreenGrid(width: width, height: height)
        guard grid.width > 0, grid.height > 0 else { return grid }
        grid.write("Choose a codespace to bridge", style: .bold, row: 0, column: 0)
        let rows = listRows(height: grid.height)
        let count = picker.codespaces.count
        if grid.height >= 2 {
            var help = [Span("↑/↓", .bold), Span(" move · ", .dim), Span("Enter", .bold), Span(" connect · ", .dim),
                        Span("q", .bold), Span(" quit", .dim)]
            if count == 0 {
                help = [Span("q", .bold), Span(" quit", .dim)]
            } else if count > rows {
                help.append(Span(" · \(picker.selection + 1)/\(count)", .dim))
            }
            grid.write(help, row: grid.height - 1, column: 0)
        }
        guard rows > 0 else { return grid }
        let top = grid.height >= 4 ? 2 : 1
        guard count > 0 else {
            grid.write("No codespaces found. Create one with: gh codespace create", style: .dim, row: top, column: 1,
                       width: grid.width - 1)
            return grid
        }
        let layout = TableLayout(columns: columns, width: grid.width - 2)
        if grid.height >= 4 {
            layout.writeTitles(columns, into: &grid, row: 1, x: 1, style: .dim)
        }
        let start = picker.windowStart(rows: rows)
        for (offset, index) in (start..<min(count, start + rows)).enumerated() {
            let codespace = picker.codespaces[index]
            let selected = index == picker.selection
            let row = top + offset
            func style(_ base: CellStyle) -> CellStyle { selected ? base.reversed : base }
            if selected {
                grid.fill(row: row, column: 0, width: grid.width, style: .reverse)
            }
            layout.writeRow([TableCell(codespace.title, style(.bold)), TableCell(codespace.repository, style(.plain)),
                             TableCell(codespace.state, style(stateStyle(codespace.state)))],
                            columns: columns, into: &grid, row: row, x: 1)
        }
        return grid
    }

    /// Available green, shut down dim, failed red, on the way (starting, rebuilding, …) yellow.
    static func stateStyle(_ state: String) -> CellStyle {
        switch state.lowercased() {
        case "available": .colored(.green)
        case "shutdown": .dim
        case "failed", "unavailable", "deleted": .colored(.red)
        default: .colored(.yellow)
        }
    }
}
