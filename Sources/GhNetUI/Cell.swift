/// One character cell of a ``ScreenGrid``.
///
/// A character two columns wide (see ``TerminalText``) fills two cells: the left one holds the
/// character, the right one is a continuation (``isContinuation``) with the same style, where the
/// terminal draws nothing of its own.
public struct Cell: Sendable, Equatable {
    /// What is drawn; a space in a blank cell; unused in a continuation cell.
    public var character: Character
    public var style: CellStyle
    /// True for the right half of a wide character.
    public var isContinuation: Bool

    public init(character: Character, style: CellStyle = .plain, isContinuation: Bool = false) {
        self.character = character
        self.style = style
        self.isContinuation = isContinuation
    }

    /// A space with no attribute: what a cleared terminal shows.
    public static let blank = Cell(character: " ")
}
