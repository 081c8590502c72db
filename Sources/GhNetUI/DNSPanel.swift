/// The DNS panel: one row per lookup the bridge answered, newest first.
enum DNSPanel {
    /// Hidden first when narrow: ago, ttl, type; the name and the answer stay.
    static let columns: [TableColumn] = [
        TableColumn(title: "name", minimumWidth: 16, idealWidth: 24, flex: 3, priority: 10),
        TableColumn(title: "type", minimumWidth: 5, idealWidth: 5, priority: 7),
        TableColumn(title: "answer", minimumWidth: 12, idealWidth: 16, flex: 2, priority: 9),
        TableColumn(title: "ttl", minimumWidth: 5, idealWidth: 6, priority: 5, alignment: .right),
        TableColumn(title: "ago", minimumWidth: 4, idealWidth: 4, priority: 3, alignment: .right),
    ]

    static func draw(_ model: ViewModel, frame: PanelFrame, into grid: inout ScreenGrid) {
        let count = model.lookups.count
        Panel.draw(title: "DNS lookups", columns: columns, held: count, total: count,
                   emptyMessage: "no DNS lookups yet", frame: frame, into: &grid) { index in
            let lookup = model.lookups[index]
            return [
                TableCell(lookup.name),
                TableCell(lookup.type),
                answer(lookup),
                TableCell(lookup.ttl.map(String.init) ?? "—", lookup.ttl == nil ? .dim : .plain),
                TableCell(Format.ago(lookup.ago)),
            ]
        }
    }

    /// The first answer and `+N` for the others; for a negative outcome (NXDOMAIN, NODATA,
    /// SERVFAIL, …, or NOERROR without answers, which is NODATA) the outcome, coloured: no data
    /// yellow, failures red.
    static func answer(_ lookup: ViewModel.Lookup) -> TableCell {
        let outcome = lookup.outcome.uppercased()
        if outcome == "NOERROR", let first = lookup.answers.first {
            let others = lookup.answers.count - 1
            return TableCell(first, suffix: others > 0 ? Span(" +\(others)", .dim) : nil)
        }
        switch outcome {
        case "NOERROR", "NODATA": return TableCell("NODATA", .colored(.yellow))
        case "NXDOMAIN": return TableCell("NXDOMAIN", .colored(.red))
        default: return TableCell(outcome, CellStyle(bold: true, foreground: .red))
        }
    }
}
