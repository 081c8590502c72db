import Testing
@testable import GhNetUI

@Suite struct ScreenDiffTests {
    /// A terminal that shows `grid`, drawn from a screen of garbage.
    func terminal(showing grid: ScreenGrid) -> VTInterpreter {
        var terminal = VTInterpreter(width: grid.width, height: grid.height)
        terminal.apply(ScreenDiff.update(from: nil, to: grid))
        return terminal
    }

    func grid(_ width: Int, _ height: Int, _ lines: [(String, CellStyle)]) -> ScreenGrid {
        var grid = ScreenGrid(width: width, height: height)
        for (row, line) in lines.enumerated() {
            grid.write(line.0, style: line.1, row: row, column: 0)
        }
        return grid
    }

    @Test func fullRedrawReproducesTheGrid() {
        for (width, height) in [(80, 24), (200, 50), (40, 12), (20, 5)] {
            let grid = ConnectedLayout.render(Fixtures.model, width: width, height: height)
            let terminal = terminal(showing: grid)
            #expect(terminal.problems == [])
            #expect(terminal.cells == grid.cells)
        }
    }

    @Test func fullRedrawStartsWithResetAndErase() {
        let output = ScreenDiff.update(from: nil, to: grid(5, 2, [("ab", .plain)]))
        #expect(output == "\u{1B}[0m\u{1B}[2J\u{1B}[1;1Hab\u{1B}[0m")
        #expect(ScreenDiff.update(from: nil, to: ScreenGrid(width: 3, height: 1)) == "\u{1B}[0m\u{1B}[2J\u{1B}[0m")
    }

    @Test func equalGridsGiveNothing() {
        let grid = ConnectedLayout.render(Fixtures.model, width: 80, height: 24)
        #expect(ScreenDiff.update(from: grid, to: grid) == "")
        #expect(ScreenDiff.update(from: ScreenGrid(width: 0, height: 0), to: ScreenGrid(width: 0, height: 0)) == "")
    }

    @Test func oneChangedCellGivesAShortString() {
        var next = ConnectedLayout.render(Fixtures.model, width: 80, height: 24)
        let previous = next
        next.write("X", row: 2, column: 4)
        #expect(ScreenDiff.update(from: previous, to: next) == "\u{1B}[3;5HX\u{1B}[0m")
        var styled = previous
        styled.write("Y", style: CellStyle(bold: true, foreground: .cyan), row: 23, column: 79)
        #expect(ScreenDiff.update(from: previous, to: styled) == "\u{1B}[24;80H\u{1B}[0;1;36mY\u{1B}[0m")
    }

    @Test func adjacentChangesShareOneCursorMove() {
        let previous = grid(10, 2, [("abcdefgh", .plain)])
        let next = grid(10, 2, [("abXYefZh", .plain)])
        #expect(ScreenDiff.update(from: previous, to: next) == "\u{1B}[1;3HXY\u{1B}[1;7HZ\u{1B}[0m")
    }

    @Test func styleChangesAreWrittenOnlyWhenTheStyleChanges() {
        let previous = grid(6, 1, [("abcdef", .plain)])
        var next = previous
        next.write([Span("ab", .bold), Span("cd", .bold), Span("e", .plain)], row: 0, column: 0)
        #expect(ScreenDiff.update(from: previous, to: next) == "\u{1B}[1;1H\u{1B}[0;1mabcd\u{1B}[0m")
    }

    @Test func differentSizesRedrawEverything() {
        let small = ConnectedLayout.render(Fixtures.model, width: 40, height: 12)
        let large = ConnectedLayout.render(Fixtures.model, width: 80, height: 24)
        let output = ScreenDiff.update(from: small, to: large)
        #expect(output == ScreenDiff.update(from: nil, to: large))
        #expect(output.hasPrefix("\u{1B}[0m\u{1B}[2J"))
    }

    @Test func updatesBetweenLayoutsReproduceTheNewGrid() {
        var model = Fixtures.model
        let before = ConnectedLayout.render(model, width: 100, height: 30)
        var terminal = terminal(showing: before)
        model.uptime += .seconds(60)
        model.totals.down += 5_000_000
        model.flows.removeFirst()
        model.lastWarning = nil
        let after = ConnectedLayout.render(model, width: 100, height: 30)
        let output = ScreenDiff.update(from: before, to: after)
        terminal.apply(output)
        #expect(terminal.problems == [])
        #expect(terminal.cells == after.cells)
        #expect(output.utf8.count < ScreenDiff.update(from: nil, to: after).utf8.count / 2)
    }

    @Test func wideCharactersReplacedByNarrowOnesAndBack() {
        let wide = grid(6, 2, [("数据x", .plain), ("a数", .bold)])
        let narrow = grid(6, 2, [("abcd", .plain), ("数b", .bold)])
        for (from, to) in [(wide, narrow), (narrow, wide)] {
            var terminal = terminal(showing: from)
            terminal.apply(ScreenDiff.update(from: from, to: to))
            #expect(terminal.problems == [])
            #expect(terminal.cells == to.cells)
        }
        #expect(ScreenDiff.update(from: wide, to: narrow).hasPrefix("\u{1B}[1;1Habcd"))
    }

    @Test func lastColumnIsWrittenWithoutWrapping() {
        let previous = grid(3, 2, [("", .plain)])
        let next = grid(3, 2, [("abc", .plain), ("def", .plain)])
        #expect(ScreenDiff.update(from: previous, to: next) == "\u{1B}[1;1Habc\u{1B}[2;1Hdef\u{1B}[0m")
    }

    /// Random grids with wide characters, styles and blanks: the diff always reproduces the new one.
    @Test func randomUpdatesReproduceTheNewGrid() {
        let pool = ["a", "b", " ", "数", "🚀", "x y", "é", "据z", "…"]
        let styles = [CellStyle.plain, .bold, .reverse, .colored(.red), CellStyle(dim: true, underline: true)]
        var random = SplitMix64(seed: 42)
        func randomGrid(from base: ScreenGrid) -> ScreenGrid {
            var grid = base
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                let text = (0..<Int.random(in: 1...4, using: &random)).map { _ in pool.randomElement(using: &random)! }
                    .joined()
                grid.write(text, style: styles.randomElement(using: &random)!,
                           row: Int.random(in: 0..<grid.height, using: &random),
                           column: Int.random(in: 0..<grid.width, using: &random),
                           width: Int.random(in: 1...grid.width, using: &random))
            }
            if Bool.random(using: &random) {
                grid.fill(row: Int.random(in: 0..<grid.height, using: &random),
                          column: Int.random(in: 0..<grid.width, using: &random), width: 3,
                          style: styles.randomElement(using: &random)!)
            }
            return grid
        }
        for _ in 0..<300 {
            let first = randomGrid(from: ScreenGrid(width: Int.random(in: 1...9, using: &random),
                                                    height: Int.random(in: 1...4, using: &random)))
            var terminal = terminal(showing: first)
            var shown = first
            for _ in 0..<4 {
                let next = randomGrid(from: shown)
                terminal.apply(ScreenDiff.update(from: shown, to: next))
                #expect(terminal.problems == [])
                #expect(terminal.cells == next.cells)
                shown = next
            }
        }
    }
}
