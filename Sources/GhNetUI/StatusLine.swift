/// The bottom line of the connected view: the key help on the left (while stopping, once it
/// would count, that the quit key again stops without waiting for the clean-up), the last
/// warning after it, where the log goes on the right. With a warning the log takes at most a
/// third of the line; a path too long is cut at its start (`log …/gh-net/gh-net.log`); with no
/// room for 8 characters of a longer path it is left out.
enum StatusLine {
    static func draw(_ model: ViewModel, row: Int, width: Int, into grid: inout ScreenGrid) {
        let help = model.quitAgainStopsAtOnce ? [Span("q", .bold), Span(" again: quit without waiting", .dim)]
                                  : [Span("q", .bold), Span(" quit", .dim)]
        var x = grid.write(help, row: row, column: 0, width: width)
        let room = width - x - 2
        guard room > 0 else { return }
        x += 2
        var logRoom = 0
        if let path = model.logPath {
            let label = "log "
            let pathWidth = TerminalText.width(of: path)
            logRoom = min(label.count + pathWidth, model.lastWarning == nil ? room : room / 3)
            let pathRoom = logRoom - label.count
            if pathRoom > 0, pathRoom >= min(8, pathWidth) {
                grid.write([Span(label, .dim), Span(TerminalText.keepingEnd(path, width: pathRoom))], row: row,
                           column: width - logRoom, width: logRoom)
            } else {
                logRoom = 0
            }
        }
        if let warning = model.lastWarning {
            let warningRoom = room - logRoom - (logRoom > 0 ? 2 : 0)
            if warningRoom > 0 {
                grid.write(warning, style: .colored(.yellow), row: row, column: x, width: warningRoom)
            }
        }
    }
}
