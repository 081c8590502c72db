import Testing
@testable import GhNetUI

@Suite struct CodespacePickerTests {
    static let ten = (0..<10).map { Codespace(name: "cs-\($0)", displayName: "codespace \($0)", repository: "o/r\($0)",
                                              state: "Available") }

    @Test func arrowsMoveWithinTheListAndTheWindowFollows() {
        var picker = CodespacePicker(codespaces: Self.ten, visibleRows: 3)
        #expect(picker.selection == 0 && picker.scrollOffset == 0 && picker.phase == .choosing)
        #expect(picker.handle(.up) == .none)
        #expect(picker.handle(.down) == .redraw)
        #expect(picker.handle(.down) == .redraw)
        #expect(picker.selection == 2 && picker.scrollOffset == 0)
        #expect(picker.handle(.down) == .redraw)
        #expect(picker.selection == 3 && picker.scrollOffset == 1)
        #expect(picker.handle(.character("k")) == .redraw)
        #expect(picker.selection == 2 && picker.scrollOffset == 1)
        #expect(picker.handle(.up) == .redraw)
        #expect(picker.handle(.up) == .redraw)
        #expect(picker.selection == 0 && picker.scrollOffset == 0)
        #expect(picker.handle(.character("j")) == .redraw)
        #expect(picker.selection == 1)
    }

    @Test func pagesHomeAndEnd() {
        var picker = CodespacePicker(codespaces: Self.ten, visibleRows: 3)
        #expect(picker.handle(.end) == .redraw)
        #expect(picker.selection == 9 && picker.scrollOffset == 7)
        #expect(picker.handle(.end) == .none)
        #expect(picker.handle(.down) == .none)
        #expect(picker.handle(.pageDown) == .none)
        #expect(picker.handle(.pageUp) == .redraw)
        #expect(picker.selection == 6 && picker.scrollOffset == 6)
        #expect(picker.handle(.pageUp) == .redraw)
        #expect(picker.selection == 3 && picker.scrollOffset == 3)
        #expect(picker.handle(.pageUp) == .redraw)
        #expect(picker.selection == 0 && picker.scrollOffset == 0)
        #expect(picker.handle(.pageDown) == .redraw)
        #expect(picker.selection == 3 && picker.scrollOffset == 1)
        #expect(picker.handle(.home) == .redraw)
        #expect(picker.selection == 0 && picker.scrollOffset == 0)
        #expect(picker.handle(.home) == .none)
    }

    @Test func enterChoosesAndThenKeysAreIgnored() {
        var picker = CodespacePicker(codespaces: Self.ten, visibleRows: 3)
        _ = picker.handle(.down)
        #expect(picker.handle(.enter) == .chosen(Self.ten[1]))
        #expect(picker.phase == .chosen(Self.ten[1]))
        #expect(picker.handle(.down) == .none)
        #expect(picker.handle(.character("q")) == .none)
        #expect(picker.selection == 1)
    }

    @Test(arguments: [Key.character("q"), .ctrlC, .escape])
    func quitKeys(key: Key) {
        var picker = CodespacePicker(codespaces: Self.ten, visibleRows: 3)
        #expect(picker.handle(key) == .quit)
        #expect(picker.phase == .quit)
        #expect(picker.handle(.enter) == .none)
    }

    @Test func otherKeysDoNothing() {
        var picker = CodespacePicker(codespaces: Self.ten, visibleRows: 3)
        for key in [Key.left, .right, .character("x"), .character("Q")] {
            #expect(picker.handle(key) == .none)
        }
        #expect(picker.selection == 0 && picker.phase == .choosing)
    }

    @Test func emptyListCanOnlyQuit() {
        var picker = CodespacePicker(codespaces: [], visibleRows: 5)
        #expect(picker.selected == nil)
        for key in [Key.down, .up, .end, .home, .pageDown, .enter] {
            #expect(picker.handle(key) == .none)
        }
        #expect(picker.handle(.escape) == .quit)
    }

    @Test func resizeKeepsTheSelectionInView() {
        var picker = CodespacePicker(codespaces: Self.ten, visibleRows: 3)
        _ = picker.handle(.end)
        picker.resize(visibleRows: 5)
        #expect(picker.visibleRows == 5 && picker.scrollOffset == 5)
        picker.resize(visibleRows: 20)
        #expect(picker.scrollOffset == 0)
        picker.resize(visibleRows: 0)
        #expect(picker.visibleRows == 1 && picker.scrollOffset == 9)
        _ = picker.handle(.home)
        #expect(picker.windowStart(rows: 4) == 0)
        _ = picker.handle(.pageDown)
        #expect(picker.selection == 1 && picker.windowStart(rows: 1) == 1 && picker.windowStart(rows: 8) == 1)
    }
}

@Suite struct PickerLayoutTests {
    static let secondSelected: CodespacePicker = {
        var picker = CodespacePicker(codespaces: Fixtures.codespaces, visibleRows: 21)
        _ = picker.handle(.down)
        return picker
    }()

    @Test func at80x24() {
        let grid = PickerLayout.render(Self.secondSelected, width: 80, height: 24)
        #expect(grid.text == """
        Choose a codespace to bridge
         codespace                        repository                       state
         fuzzy potato                     octo-org/gh-net                  Available
         special waffle                   octo-org/website                 Shutdown
         literate-umbrella-9q2            octocat/hello-world              Starting
         数据管道 🚀 pipeline             octo-org/数据                    Available
         a display name far too long fo…  an-organisation-with-a-long-na…  Rebuilding
















        ↑/↓ move · Enter connect · q quit
        """)
    }

    @Test func at120x30() {
        let grid = PickerLayout.render(Self.secondSelected, width: 120, height: 30)
        #expect(grid.text == """
        Choose a codespace to bridge
         codespace                                            repository                                           state
         fuzzy potato                                         octo-org/gh-net                                      Available
         special waffle                                       octo-org/website                                     Shutdown
         literate-umbrella-9q2                                octocat/hello-world                                  Starting
         数据管道 🚀 pipeline                                 octo-org/数据                                        Available
         a display name far too long for any column of a sm…  an-organisation-with-a-long-name/a-repository-with…  Rebuilding






















        ↑/↓ move · Enter connect · q quit
        """)
    }

    @Test func at40x12() {
        let grid = PickerLayout.render(Self.secondSelected, width: 40, height: 12)
        #expect(grid.text == """
        Choose a codespace to bridge
         codespace     repository    state
         fuzzy potato  octo-org/gh…  Available
         special waf…  octo-org/we…  Shutdown
         literate-um…  octocat/hel…  Starting
         数据管道 🚀…  octo-org/数…  Available
         a display n…  an-organisa…  Rebuilding




        ↑/↓ move · Enter connect · q quit
        """)
    }

    @Test func at200x50() {
        let grid = PickerLayout.render(Self.secondSelected, width: 200, height: 50)
        #expect(grid.text == """
        Choose a codespace to bridge
         codespace                                                                                    repository                                                                                   state
         fuzzy potato                                                                                 octo-org/gh-net                                                                              Available
         special waffle                                                                               octo-org/website                                                                             Shutdown
         literate-umbrella-9q2                                                                        octocat/hello-world                                                                          Starting
         数据管道 🚀 pipeline                                                                         octo-org/数据                                                                                Available
         a display name far too long for any column of a small terminal                               an-organisation-with-a-long-name/a-repository-with-an-even-longer-name                       Rebuilding










































        ↑/↓ move · Enter connect · q quit
        """)
    }

    @Test func at20x5() {
        let grid = PickerLayout.render(Self.secondSelected, width: 20, height: 5)
        #expect(grid.text == """
        Choose a codespace…
         codespace
         fuzzy potato
         special waffle
        ↑/↓ move · Enter co…
        """)
    }

    @Test func selectedRowIsReversedAcrossTheWidth() {
        let grid = PickerLayout.render(Self.secondSelected, width: 80, height: 24)
        for column in 0..<80 {
            #expect(grid[3, column].style.reverse, "column \(column)")
            #expect(!grid[2, column].style.reverse, "column \(column)")
        }
        #expect(grid[3, 1].style == CellStyle(bold: true, reverse: true))
        #expect(grid[2, 67].style == .colored(.green))
        #expect(grid[3, 67].style == CellStyle(dim: true, reverse: true))
        #expect(grid[0, 0].style == .bold)
    }

    @Test func scrollsWhenTheListDoesNotFit() {
        var picker = CodespacePicker(codespaces: CodespacePickerTests.ten, visibleRows: PickerLayout.listRows(height: 7))
        #expect(picker.visibleRows == 4)
        _ = picker.handle(.end)
        _ = picker.handle(.up)
        let grid = PickerLayout.render(picker, width: 44, height: 7)
        #expect(grid.text == """
        Choose a codespace to bridge
         codespace         repository    state
         codespace 6       o/r6          Available
         codespace 7       o/r7          Available
         codespace 8       o/r8          Available
         codespace 9       o/r9          Available
        ↑/↓ move · Enter connect · q quit · 9/10
        """)
        #expect(grid[4, 0].style.reverse && !grid[5, 0].style.reverse)
    }

    @Test func renderKeepsTheSelectionVisibleWhenThePickerWasNotResized() {
        var picker = CodespacePicker(codespaces: CodespacePickerTests.ten, visibleRows: 10)
        _ = picker.handle(.end)
        let grid = PickerLayout.render(picker, width: 30, height: 5)
        #expect(grid.text == """
        Choose a codespace to bridge
         codespace       repository
         codespace 8     o/r8
         codespace 9     o/r9
        ↑/↓ move · Enter connect · q…
        """)
    }

    @Test func emptyList() {
        let grid = PickerLayout.render(CodespacePicker(codespaces: [], visibleRows: 5), width: 70, height: 6)
        #expect(grid.text == """
        Choose a codespace to bridge

         No codespaces found. Create one with: gh codespace create


        q quit
        """)
    }

    @Test func tinySizes() {
        let picker = Self.secondSelected
        #expect(PickerLayout.render(picker, width: 0, height: 0).text == "")
        #expect(PickerLayout.render(picker, width: 10, height: 1).text == "Choose a…")
        #expect(PickerLayout.render(picker, width: 10, height: 2).text == "Choose a…\n↑/↓ move…")
        #expect(PickerLayout.render(picker, width: 10, height: 3).text == "Choose a…\n special…\n↑/↓ move…")
        #expect(PickerLayout.listRows(height: 0) == 0 && PickerLayout.listRows(height: 2) == 0)
        #expect(PickerLayout.listRows(height: 3) == 1 && PickerLayout.listRows(height: 4) == 1)
        #expect(PickerLayout.listRows(height: 24) == 21)
        for width in [0, 1, 2, 5, 13, 40, 300] {
            for height in [0, 1, 2, 3, 4, 100] {
                expectWellFormed(PickerLayout.render(picker, width: width, height: height))
            }
        }
    }
}
