import Foundation

/// The user's terminal while a full-screen view owns it: raw input (no echo, no line editing, no
/// signals from keys — the view reads Ctrl-C as a key), the alternate screen, a hidden cursor.
/// ``leaveFullScreen()`` puts every one of those back; the view calls it on every way out.
public final class Terminal: @unchecked Sendable {
    /// Standard input and output, where the view reads keys and draws.
    let input: Int32 = STDIN_FILENO
    let output: Int32 = STDOUT_FILENO
    private let lock = NSLock()
    /// The settings to restore, while full-screen.
    private var saved: termios?

    public init() {}

    /// True when both standard input and standard output are a terminal.
    public static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }

    /// Columns and rows, or 80×24 when the terminal does not say.
    public var size: (width: Int, height: Int) {
        var window = winsize()
        guard ioctl(output, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 else { return (80, 24) }
        return (Int(window.ws_col), Int(window.ws_row))
    }

    /// Raw input, alternate screen, cursor hidden, screen cleared.
    public func enterFullScreen() throws {
        lock.lock()
        defer { lock.unlock() }
        guard saved == nil else { return }
        var settings = termios()
        guard tcgetattr(input, &settings) == 0 else { throw TerminalError.notATerminal(String(cString: strerror(errno))) }
        var raw = settings
        cfmakeraw(&raw)
        // Keep output processing so a stray newline from elsewhere still returns the carriage.
        raw.c_oflag |= tcflag_t(OPOST)
        guard tcsetattr(input, TCSANOW, &raw) == 0 else { throw TerminalError.notATerminal(String(cString: strerror(errno))) }
        saved = settings
        writeLocked("\u{1B}[?1049h\u{1B}[?25l\u{1B}[2J\u{1B}[H")
    }

    /// Back to the terminal as it was: cursor shown, main screen, the saved settings.
    public func leaveFullScreen() {
        lock.lock()
        defer { lock.unlock() }
        guard var settings = saved else { return }
        writeLocked("\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l")
        _ = tcsetattr(input, TCSANOW, &settings)
        saved = nil
    }

    /// Writes everything (retrying short writes); errors (a closed terminal) end the write.
    public func write(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        writeLocked(text)
    }

    private func writeLocked(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(output, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}

/// Why the terminal could not be taken over.
public enum TerminalError: Error, CustomStringConvertible {
    case notATerminal(String)

    public var description: String {
        switch self {
        case .notATerminal(let why): "the terminal cannot be put in full-screen mode: \(why)"
        }
    }
}
