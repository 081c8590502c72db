/// What the caller does after the picker handled a key.
public enum PickerAction: Sendable, Equatable {
    /// Nothing changed: no redraw needed.
    case none
    /// The selection or the scroll position changed: render again.
    case redraw
    /// The user chose this codespace: connect to it.
    case chosen(Codespace)
    /// The user quit without choosing.
    case quit
}

/// The codespace picker as a pure state machine: a list, a selected row, and the first row shown
/// in a window of ``visibleRows`` rows. Keys move the selection; the window follows it, moving as
/// little as possible.
///
/// Keys: ↑/↓ (and `k`/`j`) one row, Page Up/Down one window, Home/End the first/last row (no
/// wrapping around); Enter chooses the selected codespace; `q`, Ctrl-C and ESC quit.
public struct CodespacePicker: Sendable, Equatable {
    /// Where the picker is.
    public enum Phase: Sendable, Equatable {
        /// Keys move the selection; Enter chooses (when the list is not empty), `q`/Ctrl-C/ESC quit.
        case choosing
        /// A codespace was chosen; every further key is ignored (``PickerAction/none``).
        case chosen(Codespace)
        /// The user quit; every further key is ignored.
        case quit
    }

    public let codespaces: [Codespace]
    /// The selected row (0 when the list is empty).
    public private(set) var selection = 0
    /// The first row shown; the selection is always within the window that starts here.
    public private(set) var scrollOffset = 0
    /// How many rows the window shows (at least 1); see ``PickerLayout/listRows(height:)``.
    public private(set) var visibleRows: Int
    public private(set) var phase = Phase.choosing

    public init(codespaces: [Codespace], visibleRows: Int) {
        self.codespaces = codespaces
        self.visibleRows = max(1, visibleRows)
    }

    /// The selected codespace, nil when the list is empty.
    public var selected: Codespace? {
        codespaces.isEmpty ? nil : codespaces[selection]
    }

    /// Changes the window's height (the terminal was resized), keeping the selection in view.
    public mutating func resize(visibleRows rows: Int) {
        visibleRows = max(1, rows)
        scrollOffset = windowStart(rows: visibleRows)
    }

    /// Reacts to one key.
    public mutating func handle(_ key: Key) -> PickerAction {
        guard phase == .choosing else { return .none }
        switch key {
        case .character("q"), .ctrlC, .escape:
            phase = .quit
            return .quit
        case .enter:
            guard let selected else { return .none }
            phase = .chosen(selected)
            return .chosen(selected)
        case .up, .character("k"): return select(selection - 1)
        case .down, .character("j"): return select(selection + 1)
        case .pageUp: return select(selection - visibleRows)
        case .pageDown: return select(selection + visibleRows)
        case .home: return select(0)
        case .end: return select(codespaces.count - 1)
        default: return .none
        }
    }

    /// The first row of a window of `rows` rows that shows the selection, as close to
    /// ``scrollOffset`` as possible (equal to it when `rows` is ``visibleRows``).
    public func windowStart(rows: Int) -> Int {
        let rows = max(1, rows)
        var start = min(scrollOffset, max(0, codespaces.count - rows))
        if selection < start { start = selection }
        if selection >= start + rows { start = selection - rows + 1 }
        return start
    }

    private mutating func select(_ row: Int) -> PickerAction {
        guard !codespaces.isEmpty else { return .none }
        let row = min(max(0, row), codespaces.count - 1)
        let before = (selection, scrollOffset)
        selection = row
        scrollOffset = windowStart(rows: visibleRows)
        return before == (selection, scrollOffset) ? .none : .redraw
    }
}
