/// One column of a table panel: its title and how it behaves when the terminal is wide or narrow.
struct TableColumn {
    var title: String
    /// Below this the column is hidden rather than squeezed.
    var minimumWidth: Int
    /// What the column grows to before the flexible columns share the rest.
    var idealWidth: Int
    /// The share of the remaining width this column takes (0: none).
    var flex: Int = 0
    /// Columns with the lowest priority are hidden first when the terminal is narrow.
    var priority: Int
    var alignment: TextAlignment = .left
    /// Drawn before the column when it is not the first one shown (in data rows; the title row
    /// has spaces there).
    var separator: String = " "
}

/// One cell of a table row: text cut to the column, and an optional suffix kept visible after it
/// (the `+2` of a DNS answer; a cell with a suffix is always left aligned).
struct TableCell {
    var text: String
    var style: CellStyle = .plain
    var suffix: Span?

    init(_ text: String, _ style: CellStyle = .plain, suffix: Span? = nil) {
        self.text = text
        self.style = style
        self.suffix = suffix
    }
}

/// Where the columns of a table go in a given width.
///
/// The lowest-priority columns are hidden until the minimum widths and separators fit; then any
/// hidden column that fits beside those kept (flexible ones at their ideal width) comes back,
/// highest priority first. The columns shown grow towards their ideal width, highest priority
/// first, and what is left is shared by the flexible columns. If even the top column's minimum
/// does not fit, it alone takes the width.
struct TableLayout {
    /// A column that is shown: which one, where it starts, how wide it is.
    struct Placement {
        var index: Int
        var x: Int
        var width: Int
        /// Where the separator before it starts, and the separator (nil for the first column).
        var separatorX: Int
        var separator: String?
    }

    let placements: [Placement]

    init(columns: [TableColumn], width: Int) {
        guard width > 0, !columns.isEmpty else {
            placements = []
            return
        }
        let separatorWidths = columns.map { TerminalText.width(of: $0.separator) }
        func needed(_ set: [Int], flexibleAtIdeal: Bool = false) -> Int {
            set.enumerated().reduce(0) { sum, item in
                let column = columns[item.element]
                let width = flexibleAtIdeal && column.flex > 0 ? column.idealWidth : column.minimumWidth
                return sum + width + (item.offset == 0 ? 0 : separatorWidths[item.element])
            }
        }
        let byPriority = columns.indices.sorted { a, b in
            columns[a].priority != columns[b].priority ? columns[a].priority > columns[b].priority : a < b
        }
        var shown = Array(columns.indices)
        for index in byPriority.reversed() where shown.count > 1 && needed(shown) > width {
            shown.removeAll { $0 == index }
        }
        for index in byPriority where !shown.contains(index) {
            let candidate = (shown + [index]).sorted()
            if needed(candidate, flexibleAtIdeal: true) <= width { shown = candidate }
        }
        var widths = columns.map(\.minimumWidth)
        var spare = width - needed(shown)
        if spare < 0 {
            widths[shown[0]] = width
            spare = 0
        }
        for index in byPriority where shown.contains(index) {
            let grow = min(spare, max(0, columns[index].idealWidth - widths[index]))
            widths[index] += grow
            spare -= grow
        }
        let flexible = shown.filter { columns[$0].flex > 0 }
        let totalFlex = flexible.reduce(0) { $0 + columns[$1].flex }
        if totalFlex > 0 {
            var given = 0
            for index in flexible {
                let share = spare * columns[index].flex / totalFlex
                widths[index] += share
                given += share
            }
            widths[flexible[0]] += spare - given
        }
        var x = 0
        var placed: [Placement] = []
        for (position, index) in shown.enumerated() {
            let separatorX = x
            if position > 0 { x += separatorWidths[index] }
            placed.append(Placement(index: index, x: x, width: widths[index], separatorX: separatorX,
                                    separator: position > 0 ? columns[index].separator : nil))
            x += widths[index]
        }
        placements = placed
    }

    /// Writes the column titles on `row`, offset by `x`.
    func writeTitles(_ columns: [TableColumn], into grid: inout ScreenGrid, row: Int, x: Int, style: CellStyle) {
        for placement in placements {
            let column = columns[placement.index]
            grid.write(column.title, style: style, row: row, column: x + placement.x, width: placement.width,
                       alignment: column.alignment)
        }
    }

    /// Writes one data row, separators dim: `cells` holds one cell per column (shown or not), in
    /// column order.
    func writeRow(_ cells: [TableCell], columns: [TableColumn], into grid: inout ScreenGrid, row: Int, x: Int) {
        for placement in placements {
            if let separator = placement.separator, separator.contains(where: { $0 != " " }) {
                grid.write(separator, style: .dim, row: row, column: x + placement.separatorX,
                           width: placement.x - placement.separatorX)
            }
            let cell = cells[placement.index]
            let column = x + placement.x
            guard let suffix = cell.suffix else {
                grid.write(cell.text, style: cell.style, row: row, column: column, width: placement.width,
                           alignment: columns[placement.index].alignment)
                continue
            }
            let textWidth = max(0, placement.width - TerminalText.width(of: suffix.text))
            let used = grid.write(cell.text, style: cell.style, row: row, column: column, width: textWidth)
            grid.write([suffix], row: row, column: column + used, width: placement.width - used)
        }
    }
}
