/// A foreground colour a cell may carry: the eight-colour palette every terminal knows, plus gray.
public enum TerminalColor: Sendable, Hashable, CaseIterable {
    case red, green, yellow, blue, magenta, cyan, gray

    /// The SGR parameter that selects this colour as foreground (`31`…`36`, `90` for gray).
    var sgrParameter: Int {
        switch self {
        case .red: 31
        case .green: 32
        case .yellow: 33
        case .blue: 34
        case .magenta: 35
        case .cyan: 36
        case .gray: 90
        }
    }
}

/// How a cell is drawn: the SGR attributes gh-net uses and an optional foreground colour
/// (nil: the terminal's default).
public struct CellStyle: Sendable, Hashable {
    public var bold: Bool
    public var dim: Bool
    public var reverse: Bool
    public var underline: Bool
    public var foreground: TerminalColor?

    public init(bold: Bool = false, dim: Bool = false, reverse: Bool = false, underline: Bool = false,
                foreground: TerminalColor? = nil) {
        self.bold = bold
        self.dim = dim
        self.reverse = reverse
        self.underline = underline
        self.foreground = foreground
    }

    /// No attribute, default colour: what the terminal shows after `ESC[0m`.
    public static let plain = CellStyle()
    public static let bold = CellStyle(bold: true)
    public static let dim = CellStyle(dim: true)
    public static let reverse = CellStyle(reverse: true)

    /// This style in `colour`.
    public static func colored(_ colour: TerminalColor) -> CellStyle { CellStyle(foreground: colour) }

    /// This style with the reverse attribute set (a selected row).
    public var reversed: CellStyle {
        var style = self
        style.reverse = true
        return style
    }

    /// The complete SGR sequence for this style: a reset, then every attribute, so the result does
    /// not depend on what the terminal had before (`ESC[0m` for ``plain``).
    var sgr: String {
        var sequence = "\u{1B}[0"
        if bold { sequence += ";1" }
        if dim { sequence += ";2" }
        if underline { sequence += ";4" }
        if reverse { sequence += ";7" }
        if let foreground { sequence += ";\(foreground.sgrParameter)" }
        return sequence + "m"
    }
}
