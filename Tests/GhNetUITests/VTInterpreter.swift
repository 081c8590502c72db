@testable import GhNetUI

/// A tiny VT100 screen, enough to check what ``ScreenDiff`` writes: cursor position (CUP,
/// `ESC[r;cH`), SGR (`ESC[…m` with the attributes and colours gh-net uses), erase display
/// (`ESC[2J`) and printable characters, one or two columns wide as ``TerminalText`` measures
/// them. Overwriting half of a wide character leaves a marker in the other half, so a diff that
/// relies on it shows. Anything else — another sequence, a control character, writing past the
/// end of a row (which would wrap), a position outside the screen — is recorded in ``problems``.
struct VTInterpreter {
    let width: Int
    let height: Int
    /// The screen, row-major like ``ScreenGrid/cells``, to compare with one.
    private(set) var cells: [Cell]
    private(set) var problems: [String] = []
    private var row = 0
    private var column = 0
    private var style = CellStyle.plain

    /// What is left in the half of a wide character whose other half was overwritten.
    static let brokenHalf = Cell(character: "¤")

    /// A screen filled with `filler`, standing for whatever the terminal showed before.
    init(width: Int, height: Int, filler: Cell = Cell(character: "#", style: .bold)) {
        self.width = width
        self.height = height
        cells = Array(repeating: filler, count: width * height)
    }

    /// Interprets `output` as the terminal would.
    mutating func apply(_ output: String) {
        let scalars = Array(output.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            if scalar == "\u{1B}" {
                guard index < scalars.count, scalars[index] == "[" else {
                    problems.append("ESC not followed by [")
                    continue
                }
                index += 1
                var parameters = ""
                while index < scalars.count, (0x30...0x3F).contains(scalars[index].value) {
                    parameters.unicodeScalars.append(scalars[index])
                    index += 1
                }
                guard index < scalars.count else {
                    problems.append("unfinished sequence")
                    break
                }
                let final = scalars[index]
                index += 1
                control(parameters, final: final)
            } else if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                problems.append("raw control character \(scalar.value)")
            } else {
                put(scalar)
            }
        }
    }

    private mutating func control(_ parameters: String, final: Unicode.Scalar) {
        let numbers = parameters.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) }
        switch final {
        case "H":
            let target = (numbers.first.flatMap { $0 } ?? 1, numbers.count > 1 ? numbers[1] ?? 1 : 1)
            guard numbers.count <= 2, (1...height).contains(target.0), (1...width).contains(target.1) else {
                problems.append("cursor position \(parameters) outside the screen")
                return
            }
            row = target.0 - 1
            column = target.1 - 1
        case "m":
            for number in numbers {
                switch number ?? 0 {
                case 0: style = .plain
                case 1: style.bold = true
                case 2: style.dim = true
                case 4: style.underline = true
                case 7: style.reverse = true
                case let code:
                    guard let colour = TerminalColor.allCases.first(where: { $0.sgrParameter == code }) else {
                        problems.append("unknown SGR \(code)")
                        continue
                    }
                    style.foreground = colour
                }
            }
        case "J" where parameters == "2":
            if style != .plain { problems.append("erase with attributes set") }
            cells = Array(repeating: .blank, count: width * height)
        default:
            problems.append("unknown sequence \(parameters)\(final)")
        }
    }

    private mutating func put(_ scalar: Unicode.Scalar) {
        guard let glyph = TerminalText.glyph(for: scalar), glyph.character == Character(scalar) else {
            problems.append("unsanitised scalar \(scalar.escaped(asASCII: true))")
            return
        }
        guard column + glyph.width <= width else {
            problems.append("write past the end of row \(row)")
            return
        }
        let base = row * width
        for x in column..<(column + glyph.width) {
            if cells[base + x].isContinuation, x > 0 { cells[base + x - 1] = Self.brokenHalf }
            if x + 1 < width, cells[base + x + 1].isContinuation { cells[base + x + 1] = Self.brokenHalf }
        }
        cells[base + column] = Cell(character: Character(scalar), style: style)
        if glyph.width == 2 {
            cells[base + column + 1] = Cell(character: " ", style: style, isContinuation: true)
        }
        column += glyph.width
    }
}
