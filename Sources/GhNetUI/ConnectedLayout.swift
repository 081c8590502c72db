/// The connected view: header, NAT panel, DNS panel and the status line, laid out for the
/// terminal's size.
///
/// Rows from the top: the header (two lines from ``twoLineHeaderHeight`` rows, else one), then the
/// panels, then the status line on the last row. The panels stand side by side (NAT left, three
/// fifths of the width) from ``sideBySideWidth`` columns; below that NAT is on top and DNS under it:
/// each gets what it wants when both fit, else half the rows, a panel that wants fewer giving the
/// rest to the other. A grid of height 1 holds the header only; of height 2 the header and the
/// status line. Only the records that fit are read from the model, so a model with many thousand
/// flows costs no more than a small one.
public enum ConnectedLayout {
    /// From this width the NAT and DNS panels stand side by side.
    public static let sideBySideWidth = 160
    /// From this height the header takes two lines.
    public static let twoLineHeaderHeight = 10

    /// The connected view of `model` on a terminal `width` × `height` (negative sizes count as 0).
    public static func render(_ model: ViewModel, width: Int, height: Int) -> ScreenGrid {
        var grid = ScreenGrid(width: width, height: height)
        guard grid.width > 0, grid.height > 0 else { return grid }
        var row = 0
        for line in ConnectedHeader.lines(model, twoLines: grid.height >= twoLineHeaderHeight) {
            grid.write(line, row: row, column: 0)
            row += 1
        }
        guard grid.height >= 2 else { return grid }
        StatusLine.draw(model, row: grid.height - 1, width: grid.width, into: &grid)
        let body = grid.height - 1 - row
        guard body > 0 else { return grid }
        if grid.width >= sideBySideWidth {
            let natWidth = (grid.width - 1) * 3 / 5
            NATPanel.draw(model, frame: PanelFrame(x: 0, y: row, width: natWidth, height: body), into: &grid)
            for y in row..<(row + body) {
                grid.write("│", style: .dim, row: y, column: natWidth)
            }
            DNSPanel.draw(model, frame: PanelFrame(x: natWidth + 1, y: row, width: grid.width - natWidth - 1,
                                                   height: body), into: &grid)
        } else {
            let half = (body + 1) / 2
            let natWanted = Panel.wantedHeight(held: model.flows.count, total: model.flowCount)
            let dnsWanted = Panel.wantedHeight(held: model.lookups.count, total: model.lookups.count)
            let natHeight = if natWanted + dnsWanted <= body || natWanted < half {
                natWanted
            } else if dnsWanted < body - half {
                body - dnsWanted
            } else {
                half
            }
            NATPanel.draw(model, frame: PanelFrame(x: 0, y: row, width: grid.width, height: natHeight), into: &grid)
            DNSPanel.draw(model, frame: PanelFrame(x: 0, y: row + natHeight, width: grid.width,
                                                   height: body - natHeight), into: &grid)
        }
        return grid
    }
}
