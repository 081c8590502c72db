import GhNetCore
import GhNetUI

/// The full-screen list of the user's codespaces: arrows move, Enter connects, `q` quits; a stop
/// signal (SIGTERM, SIGHUP when the terminal closes) or the end of input quits too.
/// It gives the terminal back before returning, so ssh's prompts that follow are seen.
public struct CodespaceChooser: Sendable {
    private let terminal: Terminal

    public init(terminal: Terminal) {
        self.terminal = terminal
    }

    /// The codespace the user chose, or nil when they quit (or `stop` fired, or input ended).
    public func choose(from codespaces: [Codespace], stop: StopSignals) async throws -> Codespace? {
        try terminal.enterFullScreen()
        defer { terminal.leaveFullScreen() }
        let input = TerminalInput()
        defer { input.stop() }
        // A stop ends the input's events, and with them the loop below.
        let stopWatcher = Task {
            if await stop.wait() != nil { input.stop() }
        }
        defer { stopWatcher.cancel() }
        var size = terminal.size
        var picker = CodespacePicker(codespaces: codespaces, visibleRows: PickerLayout.listRows(height: size.height))
        var decoder = KeyDecoder()
        var screen: ScreenGrid?
        func draw() {
            let next = PickerLayout.render(picker, width: size.width, height: size.height)
            terminal.write(ScreenDiff.update(from: screen, to: next))
            screen = next
        }
        draw()
        for await event in input.events {
            var keys: [Key] = []
            switch event {
            case .bytes(let bytes): keys = decoder.feed(bytes)
            case .pause: keys = decoder.flush()
            case .resized:
                size = terminal.size
                picker.resize(visibleRows: PickerLayout.listRows(height: size.height))
                screen = nil
                draw()
            }
            for key in keys {
                switch picker.handle(key) {
                case .none: break
                case .redraw: draw()
                case .chosen(let codespace): return codespace
                case .quit: return nil
                }
            }
        }
        return nil
    }
}
