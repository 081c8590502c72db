/// The header of the connected view: state, uptime, target, traffic and NAT count, on two lines,
/// or on one when the terminal is short. The target comes last on its line, so a long one is
/// what gets cut.
enum ConnectedHeader {
    static func lines(_ model: ViewModel, twoLines: Bool) -> [[Span]] {
        let separator = Span(" · ", .dim)
        let state = Span(model.state, style(ofState: model.state))
        let uptime = Span(Format.duration(model.uptime))
        let up = [Span("↑ ", .dim), Span(Format.bytes(model.totals.up), .bold),
                  Span(twoLines ? " at " : " ", .dim), Span(Format.rate(model.rate.up))]
        let down = [Span("↓ ", .dim), Span(Format.bytes(model.totals.down), .bold),
                    Span(twoLines ? " at " : " ", .dim), Span(Format.rate(model.rate.down))]
        let count = max(model.flowCount, model.flows.count)
        let nat = Span(count == 1 ? "1 NAT record" : "\(count) NAT records")
        let target = Span(model.target, .bold)
        if twoLines {
            return [
                [Span("gh net", .bold), separator, state, separator, Span("uptime ", .dim), uptime, separator, target],
                up + [separator] + down + [separator, nat],
            ]
        }
        return [[state, separator, uptime, separator] + up + [separator] + down + [separator, nat, separator, target]]
    }

    /// Connected green, on the way yellow, anything else (stopping, failed, …) red.
    static func style(ofState state: String) -> CellStyle {
        switch state.lowercased() {
        case "connected": CellStyle(bold: true, foreground: .green)
        case "connecting", "starting": CellStyle(bold: true, foreground: .yellow)
        case let other where other.hasPrefix("reconnecting"): CellStyle(bold: true, foreground: .yellow)
        default: CellStyle(bold: true, foreground: .red)
        }
    }
}
