import Testing
@testable import GhNetUI

@Suite struct TextTests {
    func line(_ text: String, width: Int, gridWidth: Int = 12) -> String {
        var grid = ScreenGrid(width: gridWidth, height: 1)
        grid.write(text, row: 0, column: 0, width: width)
        return grid.text
    }

    @Test func shortTextIsWrittenAsIs() {
        #expect(line("hello", width: 5) == "hello")
        #expect(line("hello", width: 12) == "hello")
    }

    @Test func longTextIsCutWithAnEllipsis() {
        #expect(line("hello world", width: 6) == "hello…")
        #expect(line("hello world", width: 7) == "hello…")
        #expect(line("hello world", width: 8) == "hello w…")
        #expect(line("hello", width: 4) == "hel…")
        #expect(line("hello", width: 1) == "…")
        #expect(line("hello", width: 0) == "")
        #expect(line("hello", width: -3) == "")
        #expect(line("hello world and more", width: 40) == "hello world…")
    }

    @Test func controlAndInvisibleCharactersNeverReachTheGrid() {
        #expect(line("a\u{1B}[31mb", width: 12) == "a?[31mb")
        #expect(line("bell\u{7}\u{0}\u{7F}", width: 12) == "bell???")
        #expect(line("c1\u{9B}2J", width: 12) == "c1?2J")
        #expect(line("tab\there\nx", width: 12) == "tab here x")
        #expect(line("\u{202E}evil\u{2066}", width: 12) == "?evil?")
        #expect(line("soft\u{AD}\u{200B}", width: 12) == "soft??")
        #expect(line("line\u{2028}sep", width: 12) == "line?sep")
        #expect(line("pua\u{E000}", width: 12) == "pua?")
        #expect(line("nbsp\u{A0}x", width: 12) == "nbsp x")
    }

    @Test func zeroWidthScalarsAreDropped() {
        #expect(line("e\u{301}te\u{301}", width: 12) == "ete")
        #expect(line("❤\u{FE0F}", width: 12) == "❤")
        #expect(TerminalText.width(of: "👩\u{200D}💻") == 4)
        #expect(line("👩\u{200D}💻", width: 12) == "👩💻")
    }

    @Test func widthsAgreeWithGlibcWhereTerminalsFollowIt() {
        // Conjoining Hangul: the initial consonant is wide; the vowel and final that join it take
        // no column (glibc's wcwidth gives 0), so they are dropped.
        #expect(TerminalText.width(of: "\u{1100}\u{1161}\u{11A8}") == 2)
        #expect(line("\u{1100}\u{1161}\u{11A8}x", width: 12) == "\u{1100}x")
        #expect(TerminalText.width(of: "\u{D7B0}\u{D7FB}") == 0)
        // Regional indicators (flags) are one column each, as wcwidth has them.
        #expect(TerminalText.width(of: "🇩🇪") == 2)
        #expect(TerminalText.width(of: "\u{1F1E6}") == 1)
    }

    @Test func wideCharactersTakeTwoColumns() {
        #expect(TerminalText.width(of: "数据") == 4)
        #expect(TerminalText.width(of: "ｆｕｌｌ") == 8)
        #expect(TerminalText.width(of: "한국") == 4)
        #expect(TerminalText.width(of: "🚀x") == 3)
        #expect(TerminalText.width(of: "…→─·é") == 5)
        #expect(line("数据管道", width: 8) == "数据管道")
        #expect(line("数据管道", width: 7) == "数据管…")
        #expect(line("数据管道", width: 6) == "数据…")
        #expect(line("数据管道", width: 4) == "数…")
        #expect(line("数据管道", width: 2) == "…")
        #expect(line("a数据", width: 3) == "a…")
    }

    @Test func wideCharacterCellsAndContinuations() {
        var grid = ScreenGrid(width: 5, height: 1)
        #expect(grid.write("a数b", row: 0, column: 0) == 4)
        #expect(grid[0, 1] == Cell(character: "数"))
        #expect(grid[0, 2] == Cell(character: " ", isContinuation: true))
        #expect(grid[0, 3] == Cell(character: "b"))
        expectWellFormed(grid)
        // A wide character never starts in the last column.
        var narrow = ScreenGrid(width: 3, height: 1)
        narrow.write("ab数", row: 0, column: 0)
        #expect(narrow.text == "ab…")
        narrow.write("数", row: 0, column: 2)
        #expect(narrow.text == "ab…")
    }

    @Test func overwritingHalfAWideCharacterBlanksTheOtherHalf() {
        var grid = ScreenGrid(width: 6, height: 1)
        grid.write("数据", row: 0, column: 0)
        grid.write("x", row: 0, column: 1)
        #expect(grid.text == " x据")
        expectWellFormed(grid)
        grid.write("y", row: 0, column: 2)
        #expect(grid.text == " xy")
        expectWellFormed(grid)
        grid.write("数据", row: 0, column: 0)
        grid.write("管", row: 0, column: 1)
        #expect(grid.text == " 管")
        expectWellFormed(grid)
    }

    @Test func spansKeepTheirStylesAndTheEllipsisTakesTheLastOne() {
        var grid = ScreenGrid(width: 6, height: 1)
        grid.write([Span("ab", .bold), Span("cdefgh", .dim)], row: 0, column: 0)
        #expect(grid.text == "abcde…")
        #expect(grid[0, 1].style == .bold && grid[0, 2].style == .dim && grid[0, 5].style == .dim)
    }

    @Test func ellipsisDoesNotFollowASpace() {
        #expect(line("ab cd", width: 4) == "ab…")
        #expect(line("ab    cd", width: 5) == "ab…")
    }

    @Test func rightAlignmentAndClipping() {
        var grid = ScreenGrid(width: 10, height: 2)
        #expect(grid.write("42", row: 0, column: 2, width: 5, alignment: .right) == 2)
        #expect(grid.write("long text here", row: 1, column: 6) == 4)
        #expect(grid.write("x", row: 2, column: 0) == 0)
        #expect(grid.write("x", row: 0, column: 10) == 0)
        #expect(grid.write("x", row: -1, column: 0) == 0)
        #expect(grid.text == "     42\n      lon…")
    }

    @Test func fillAppliesAStyleToBlankCells() {
        var grid = ScreenGrid(width: 4, height: 1)
        grid.fill(row: 0, column: -2, width: 4, style: .reverse)
        #expect(grid[0, 0].style == .reverse && grid[0, 1].style == .reverse && grid[0, 2].style == .plain)
        grid.fill(row: 3, column: 0, width: 4, style: .reverse)
        #expect(grid.text == "")
    }

    @Test func textTrimsTrailingSpacesAndJoinsRows() {
        var grid = ScreenGrid(width: 6, height: 3)
        grid.write("a  b", row: 0, column: 0)
        grid.write("c", row: 2, column: 3)
        #expect(grid.rows == ["a  b", "", "   c"])
        #expect(grid.text == "a  b\n\n   c")
        #expect(ScreenGrid(width: 0, height: 0).text == "")
    }

    @Test func keepingEndCutsAtTheStart() {
        #expect(TerminalText.keepingEnd("/var/log/gh-net.log", width: 30) == "/var/log/gh-net.log")
        #expect(TerminalText.keepingEnd("/var/log/gh-net.log", width: 11) == "…gh-net.log")
        #expect(TerminalText.keepingEnd("/数据/x", width: 4) == "…/x")
        #expect(TerminalText.keepingEnd("/a\u{1B}b", width: 3) == "…?b")
        #expect(TerminalText.keepingEnd("abc", width: 0) == "")
    }

    /// Whatever the text, a row never holds more than its width nor a control character.
    @Test func randomTextIsAlwaysWellFormed() {
        let pool: [String] = ["a", "Z", " ", "\u{1B}", "\n", "\u{7}", "\u{9B}", "é", "e\u{301}", "数", "🚀", "\u{200D}",
                              "\u{FE0F}", "\u{202E}", "…", "ｆ", "\u{E000}", "\u{10FFFF}", "한"]
        var random = SplitMix64(seed: 7)
        for _ in 0..<500 {
            let width = Int.random(in: 0...9, using: &random)
            var grid = ScreenGrid(width: width, height: 2)
            for _ in 0..<4 {
                let text = (0..<Int.random(in: 0...12, using: &random)).map { _ in pool.randomElement(using: &random)! }
                    .joined()
                grid.write(text, row: Int.random(in: 0...1, using: &random), column: Int.random(in: 0...width, using: &random),
                           width: Int.random(in: 0...10, using: &random))
            }
            expectWellFormed(grid)
        }
    }
}

/// A small deterministic random number generator, so randomised tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
