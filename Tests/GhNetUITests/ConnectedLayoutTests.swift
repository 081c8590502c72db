import Testing
@testable import GhNetUI

@Suite struct ConnectedLayoutTests {
    @Test func at80x24() {
        let grid = ConnectedLayout.render(Fixtures.model, width: 80, height: 24)
        #expect(grid.text == """
        gh net · connected · uptime 1h02m · codespace fuzzy-potato-5g4wq9
        ↑ 12.3 MiB at 1.2 MiB/s · ↓ 45.6 MiB at 3.4 KiB/s · 5 NAT records
        NAT records (5) ────────────────────────────────────────────────────────────────
        proto source             destination      state            up     down ↑ago ↓ago
        TCP   198.18.0.2:40312 → 198.18.2.10:80   open        1.2 KiB 55.5 KiB   3s   2s
        UDP   [2001:db8::2]:5… → [2001:db8:ffff:… active        300 B  1.2 KiB  12s    —
        ICMP  198.18.0.2       → 198.18.2.10      expired       336 B    336 B   2m   2m
        TCP   198.18.0.2:40300 → 198.18.3.1:443   refused         0 B      0 B    —    —
        TCP   198.18.0.2:40290 → 198.18.2.10:22   connecting      0 B      0 B    —    —
        DNS lookups (7) ────────────────────────────────────────────────────────────────
        name                                  type  answer                      ttl  ago
        intranet.corp.example                 A     198.18.2.10                 300   3s
        build-artifacts-cache-primary-eu-wes… AAAA  2001:db8:ffff:ffff:f… +2     60   4s
        missing.corp.example                  A     NXDOMAIN                      —  10s
        corp.example                          MX    10 mail.corp.example.      3600   1m
        v6only.corp.example                   A     NODATA                        —   1m
        broken.example                        TXT   SERVFAIL                      —   1h
        evil?[2J?.?example                    A     198.18.9.9                    5   1d





        q quit  DNS: the local side did not answer within 5 s…  log …e/gh-net/gh-net.log
        """)
    }

    @Test func at120x30() {
        let grid = ConnectedLayout.render(Fixtures.model, width: 120, height: 30)
        #expect(grid.text == """
        gh net · connected · uptime 1h02m · codespace fuzzy-potato-5g4wq9
        ↑ 12.3 MiB at 1.2 MiB/s · ↓ 45.6 MiB at 3.4 KiB/s · 5 NAT records
        NAT records (5) ────────────────────────────────────────────────────────────────────────────────────────────────────────
        proto source                                 destination                          state            up     down ↑ago ↓ago
        TCP   198.18.0.2:40312                     → 198.18.2.10:80                       open        1.2 KiB 55.5 KiB   3s   2s
        UDP   [2001:db8::2]:53124                  → [2001:db8:ffff:ffff:ffff:ffff:ffff:… active        300 B  1.2 KiB  12s    —
        ICMP  198.18.0.2                           → 198.18.2.10                          expired       336 B    336 B   2m   2m
        TCP   198.18.0.2:40300                     → 198.18.3.1:443                       refused         0 B      0 B    —    —
        TCP   198.18.0.2:40290                     → 198.18.2.10:22                       connecting      0 B      0 B    —    —
        DNS lookups (7) ────────────────────────────────────────────────────────────────────────────────────────────────────────
        name                                                          type  answer                                      ttl  ago
        intranet.corp.example                                         A     198.18.2.10                                 300   3s
        build-artifacts-cache-primary-eu-west-2.region-a.storage.int… AAAA  2001:db8:ffff:ffff:ffff:ffff:ffff:1 +2       60   4s
        missing.corp.example                                          A     NXDOMAIN                                      —  10s
        corp.example                                                  MX    10 mail.corp.example.                      3600   1m
        v6only.corp.example                                           A     NODATA                                        —   1m
        broken.example                                                TXT   SERVFAIL                                      —   1h
        evil?[2J?.?example                                            A     198.18.9.9                                    5   1d











        q quit  DNS: the local side did not answer within 5 s (intranet.corp.example A)    log …me/user/.cache/gh-net/gh-net.log
        """)
    }

    @Test func at40x12() {
        let grid = ConnectedLayout.render(Fixtures.model, width: 40, height: 12)
        #expect(grid.text == """
        gh net · connected · uptime 1h02m · cod…
        ↑ 12.3 MiB at 1.2 MiB/s · ↓ 45.6 MiB at…
        NAT records (5) ────────────────────────
        destination             up     down ↑ago
        198.18.2.10:80     1.2 KiB 55.5 KiB   3s
        [2001:db8:ffff:f…    300 B  1.2 KiB  12s
        …and 3 more
        DNS lookups (7) ────────────────────────
        name                  type  answer
        intranet.corp.example A     198.18.2.10
        …and 6 more
        q quit  DNS: the local side did not ans…
        """)
    }

    @Test func at200x50SideBySide() {
        let grid = ConnectedLayout.render(Fixtures.model, width: 200, height: 50)
        #expect(grid.text == """
        gh net · connected · uptime 1h02m · codespace fuzzy-potato-5g4wq9
        ↑ 12.3 MiB at 1.2 MiB/s · ↓ 45.6 MiB at 3.4 KiB/s · 5 NAT records
        NAT records (5) ───────────────────────────────────────────────────────────────────────────────────────────────────────│DNS lookups (7) ────────────────────────────────────────────────────────────────
        proto source                                 destination                         state            up     down ↑ago ↓ago│name                                  type  answer                      ttl  ago
        TCP   198.18.0.2:40312                     → 198.18.2.10:80                      open        1.2 KiB 55.5 KiB   3s   2s│intranet.corp.example                 A     198.18.2.10                 300   3s
        UDP   [2001:db8::2]:53124                  → [2001:db8:ffff:ffff:ffff:ffff:ffff… active        300 B  1.2 KiB  12s    —│build-artifacts-cache-primary-eu-wes… AAAA  2001:db8:ffff:ffff:f… +2     60   4s
        ICMP  198.18.0.2                           → 198.18.2.10                         expired       336 B    336 B   2m   2m│missing.corp.example                  A     NXDOMAIN                      —  10s
        TCP   198.18.0.2:40300                     → 198.18.3.1:443                      refused         0 B      0 B    —    —│corp.example                          MX    10 mail.corp.example.      3600   1m
        TCP   198.18.0.2:40290                     → 198.18.2.10:22                      connecting      0 B      0 B    —    —│v6only.corp.example                   A     NODATA                        —   1m
                                                                                                                               │broken.example                        TXT   SERVFAIL                      —   1h
                                                                                                                               │evil?[2J?.?example                    A     198.18.9.9                    5   1d
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
                                                                                                                               │
        q quit  DNS: the local side did not answer within 5 s (intranet.corp.example A)                                                                                  log /home/user/.cache/gh-net/gh-net.log
        """)
    }

    @Test func at20x5() {
        let grid = ConnectedLayout.render(Fixtures.model, width: 20, height: 5)
        #expect(grid.text == """
        connected · 1h02m ·…
        NAT records (5) ────
        destination
        DNS lookups (7) ────
        q quit  DNS: the lo…
        """)
    }

    @Test func tenThousandFlowsShowWhatFitsAndCountTheRest() {
        let grid = ConnectedLayout.render(Fixtures.model(flowCount: 10_000), width: 80, height: 24)
        #expect(grid.text == """
        gh net · connected · uptime 1h02m · codespace fuzzy-potato-5g4wq9
        ↑ 12.3 MiB at 1.2 MiB/s · ↓ 45.6 MiB at 3.4 KiB/s · 10000 NAT records
        NAT records (10000) ────────────────────────────────────────────────────────────
        proto source             destination      state            up     down ↑ago ↓ago
        UDP   198.18.0.2:40000 → 198.18.2.10:53   active          0 B      0 B   0s    —
        UDP   198.18.0.2:40001 → 198.18.2.10:53   active          1 B      2 B   1s    —
        UDP   198.18.0.2:40002 → 198.18.2.10:53   active          2 B      4 B   2s    —
        UDP   198.18.0.2:40003 → 198.18.2.10:53   active          3 B      6 B   3s    —
        UDP   198.18.0.2:40004 → 198.18.2.10:53   active          4 B      8 B   4s    —
        UDP   198.18.0.2:40005 → 198.18.2.10:53   active          5 B     10 B   5s    —
        UDP   198.18.0.2:40006 → 198.18.2.10:53   active          6 B     12 B   6s    —
        UDP   198.18.0.2:40007 → 198.18.2.10:53   active          7 B     14 B   7s    —
        UDP   198.18.0.2:40008 → 198.18.2.10:53   active          8 B     16 B   8s    —
        …and 9991 more
        DNS lookups (7) ────────────────────────────────────────────────────────────────
        name                                  type  answer                      ttl  ago
        intranet.corp.example                 A     198.18.2.10                 300   3s
        build-artifacts-cache-primary-eu-wes… AAAA  2001:db8:ffff:ffff:f… +2     60   4s
        missing.corp.example                  A     NXDOMAIN                      —  10s
        corp.example                          MX    10 mail.corp.example.      3600   1m
        v6only.corp.example                   A     NODATA                        —   1m
        broken.example                        TXT   SERVFAIL                      —   1h
        evil?[2J?.?example                    A     198.18.9.9                    5   1d
        q quit  DNS: the local side did not answer within 5 s…  log …e/gh-net/gh-net.log
        """)
    }

    @Test func modelMayHoldFewerFlowsThanExist() {
        var model = Fixtures.model
        model.flows = Array(Fixtures.flows.prefix(2))
        model.flowCount = 50
        model.lookups = []
        let grid = ConnectedLayout.render(model, width: 60, height: 12)
        #expect(grid.text == """
        gh net · connected · uptime 1h02m · codespace fuzzy-potato-…
        ↑ 12.3 MiB at 1.2 MiB/s · ↓ 45.6 MiB at 3.4 KiB/s · 50 NAT…
        NAT records (50) ───────────────────────────────────────────
        proto source              destination            up     down
        TCP   198.18.0.2:40312  → 198.18.2.10:80    1.2 KiB 55.5 KiB
        UDP   [2001:db8::2]:53… → [2001:db8:ffff:…    300 B  1.2 KiB
        …and 48 more
        DNS lookups (0) ────────────────────────────────────────────
        name                      type  answer              ttl  ago
        no DNS lookups yet

        q quit  DNS: the local side did not answ…  log …t/gh-net.log
        """)
    }

    @Test func emptyModelWithoutWarningOrLog() {
        let model = ViewModel(target: "root@cs", state: "connecting", uptime: .zero, totals: .init(), rate: .init(),
                              flows: [], flowCount: 0, lookups: [], lastWarning: nil, logPath: nil)
        let grid = ConnectedLayout.render(model, width: 50, height: 10)
        #expect(grid.text == """
        gh net · connecting · uptime 0s · root@cs
        ↑ 0 B at 0 B/s · ↓ 0 B at 0 B/s · 0 NAT records
        NAT records (0) ──────────────────────────────────
        destination      state            up     down ↑ago
        no NAT records yet
        DNS lookups (0) ──────────────────────────────────
        name                 type  answer         ttl  ago
        no DNS lookups yet

        q quit
        """)
        #expect(grid[0, 9].style == CellStyle(bold: true, foreground: .yellow))
    }

    @Test func whileStoppingTheKeyHelpSaysTheQuitKeyAgainDoesNotWait() {
        var model = ViewModel(target: "root@cs", state: "stopping", uptime: .zero, totals: .init(), rate: .init(),
                              flows: [], flowCount: 0, lookups: [], lastWarning: "root@cs did not confirm the end of the session",
                              logPath: "/root/.local/state/gh-net/gh-net.log", quitAgainStopsAtOnce: true)
        let grid = ConnectedLayout.render(model, width: 100, height: 4)
        #expect(grid.text.split(separator: "\n").last == "q again: quit without waiting  root@cs did not confirm the end of the sess…  log …/gh-net/gh-net.log")
        #expect(grid[3, 0].style == CellStyle(bold: true))
        #expect(grid[3, 2].style == CellStyle(dim: true))
        model.quitAgainStopsAtOnce = false
        #expect(ConnectedLayout.render(model, width: 100, height: 4).text.split(separator: "\n").last?.hasPrefix("q quit  root@cs") == true)
    }

    @Test func reconnectingIsOnTheWayNotAFailure() {
        for state in ["reconnecting", "reconnecting (attempt 4)"] {
            #expect(ConnectedHeader.style(ofState: state) == CellStyle(bold: true, foreground: .yellow))
        }
        #expect(ConnectedHeader.style(ofState: "disconnected") == CellStyle(bold: true, foreground: .red))
    }

    @Test func oneLineHeaderWhenShort() {
        let grid = ConnectedLayout.render(Fixtures.model, width: 120, height: 9)
        #expect(grid.text == """
        connected · 1h02m · ↑ 12.3 MiB 1.2 MiB/s · ↓ 45.6 MiB 3.4 KiB/s · 5 NAT records · codespace fuzzy-potato-5g4wq9
        NAT records (5) ────────────────────────────────────────────────────────────────────────────────────────────────────────
        proto source                                 destination                          state            up     down ↑ago ↓ago
        TCP   198.18.0.2:40312                     → 198.18.2.10:80                       open        1.2 KiB 55.5 KiB   3s   2s
        …and 4 more
        DNS lookups (7) ────────────────────────────────────────────────────────────────────────────────────────────────────────
        name                                                          type  answer                                      ttl  ago
        …and 7 more
        q quit  DNS: the local side did not answer within 5 s (intranet.corp.example A)    log …me/user/.cache/gh-net/gh-net.log
        """)
    }

    @Test func tinySizesGiveEmptyOrMinimalGrids() {
        #expect(ConnectedLayout.render(Fixtures.model, width: 0, height: 0).text == "")
        #expect(ConnectedLayout.render(Fixtures.model, width: 0, height: 3).text == "\n\n")
        #expect(ConnectedLayout.render(Fixtures.model, width: 5, height: 0).cells.isEmpty)
        #expect(ConnectedLayout.render(Fixtures.model, width: -4, height: -1).cells.isEmpty)
        #expect(ConnectedLayout.render(Fixtures.model, width: 1, height: 1).text == "…")
        #expect(ConnectedLayout.render(Fixtures.model, width: 12, height: 1).text == "connected ·…")
        #expect(ConnectedLayout.render(Fixtures.model, width: 12, height: 2).text == "connected ·…\nq quit  DNS…")
        #expect(ConnectedLayout.render(Fixtures.model, width: 12, height: 3).text == """
        connected ·…
        NAT records…
        q quit  DNS…
        """)
    }

    @Test(arguments: [0, 1, 2, 3, 7, 19, 20, 21, 39, 40, 41, 59, 60, 79, 80, 81, 119, 120, 159, 160, 161, 199, 250, 300])
    func everySizeIsWellFormed(width: Int) {
        let models = [Fixtures.model, Fixtures.model(flowCount: 10_000)]
        for height in [0, 1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 24, 30, 50, 100] {
            for model in models {
                let grid = ConnectedLayout.render(model, width: width, height: height)
                #expect(grid.width == width && grid.height == height)
                expectWellFormed(grid)
            }
        }
    }

    @Test func stylesTellOutcomesAndStatesApart() {
        let grid = ConnectedLayout.render(Fixtures.model, width: 80, height: 24)
        func style(ofFirst text: String, row: Int) -> CellStyle? {
            let line = grid.rows[row]
            guard let range = line.firstRange(of: text) else { return nil }
            return grid[row, TerminalText.width(of: String(line[..<range.lowerBound]))].style
        }
        #expect(style(ofFirst: "connected", row: 0) == CellStyle(bold: true, foreground: .green))
        #expect(style(ofFirst: "open", row: 4) == .colored(.green))
        #expect(style(ofFirst: "refused", row: 7) == .colored(.red))
        #expect(style(ofFirst: "expired", row: 6) == .dim)
        #expect(style(ofFirst: "+2", row: 12) == .dim)
        #expect(style(ofFirst: "NXDOMAIN", row: 13) == .colored(.red))
        #expect(style(ofFirst: "NODATA", row: 15) == .colored(.yellow))
        #expect(style(ofFirst: "SERVFAIL", row: 16) == CellStyle(bold: true, foreground: .red))
        #expect(style(ofFirst: "DNS: the local", row: 23) == .colored(.yellow))
        #expect(style(ofFirst: "→", row: 4) == .dim)
    }

    @Test func noErrorWithoutAnswersIsNoData() {
        let lookup = ViewModel.Lookup(name: "a.example", type: "AAAA", outcome: "NOERROR", answers: [], ttl: nil,
                                      ago: .zero)
        #expect(DNSPanel.answer(lookup).text == "NODATA")
        #expect(DNSPanel.answer(lookup).style == .colored(.yellow))
        let refused = ViewModel.Lookup(name: "a.example", type: "A", outcome: "REFUSED", answers: [], ttl: nil,
                                       ago: .zero)
        #expect(DNSPanel.answer(refused).text == "REFUSED")
    }

    @Test func cutLeavesRoomForTheMoreLine() {
        #expect(Panel.cut(rows: 0, held: 5, total: 5) == (0, nil))
        #expect(Panel.cut(rows: 5, held: 5, total: 5) == (5, nil))
        #expect(Panel.cut(rows: 5, held: 6, total: 6) == (4, 2))
        #expect(Panel.cut(rows: 5, held: 2, total: 9) == (2, 7))
        #expect(Panel.cut(rows: 2, held: 2, total: 9) == (1, 8))
        #expect(Panel.cut(rows: 1, held: 10_000, total: 10_000) == (0, 10_000))
        #expect(Panel.cut(rows: 3, held: 4, total: 1) == (2, 2))
    }
}
