/// The NAT panel: one row per NAT record, newest first.
enum NATPanel {
    /// Hidden first when narrow: ↓ago, ↑ago, proto, state, source; the destination and the byte
    /// counts stay. Widths fit the values: `ICMP`, `connecting`, `1023 MiB`, `59m`.
    static let columns: [TableColumn] = [
        TableColumn(title: "proto", minimumWidth: 5, idealWidth: 5, priority: 5),
        TableColumn(title: "source", minimumWidth: 16, idealWidth: 16, flex: 1, priority: 7),
        TableColumn(title: "destination", minimumWidth: 16, idealWidth: 16, flex: 1, priority: 10, separator: " → "),
        TableColumn(title: "state", minimumWidth: 10, idealWidth: 10, priority: 6),
        TableColumn(title: "up", minimumWidth: 8, idealWidth: 8, priority: 9, alignment: .right),
        TableColumn(title: "down", minimumWidth: 8, idealWidth: 8, priority: 8, alignment: .right),
        TableColumn(title: "↑ago", minimumWidth: 4, idealWidth: 4, priority: 4, alignment: .right),
        TableColumn(title: "↓ago", minimumWidth: 4, idealWidth: 4, priority: 3, alignment: .right),
    ]

    static func draw(_ model: ViewModel, frame: PanelFrame, into grid: inout ScreenGrid) {
        Panel.draw(title: "NAT records", columns: columns, held: model.flows.count, total: model.flowCount,
                   emptyMessage: "no NAT records yet", frame: frame, into: &grid) { index in
            let flow = model.flows[index]
            return [
                TableCell(flow.proto),
                TableCell(flow.source),
                TableCell(flow.destination),
                TableCell(flow.state, style(ofState: flow.state)),
                TableCell(Format.bytes(flow.bytes.up)),
                TableCell(Format.bytes(flow.bytes.down)),
                TableCell(Format.ago(flow.upAgo), flow.upAgo == nil ? .dim : .plain),
                TableCell(Format.ago(flow.downAgo), flow.downAgo == nil ? .dim : .plain),
            ]
        }
    }

    /// Live flows green, flows being set up yellow, refused ones red, finished ones dim.
    static func style(ofState state: String) -> CellStyle {
        switch state.lowercased() {
        case "open", "active", "established": .colored(.green)
        case "connecting", "opening": .colored(.yellow)
        case "refused", "unreachable", "failed", "reset": .colored(.red)
        case "closing", "closed", "expired": .dim
        default: .plain
        }
    }
}
