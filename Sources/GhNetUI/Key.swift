/// A key the views react to, decoded from terminal input by ``KeyDecoder``.
public enum Key: Sendable, Hashable {
    case up, down, left, right
    case pageUp, pageDown, home, end
    /// Carriage return or line feed (a CR LF pair is one Enter).
    case enter
    /// A lone ESC: reported by ``KeyDecoder/flush()`` once no more bytes came after it.
    case escape
    /// Ctrl-C (0x03; the terminal is in raw mode, so it is a byte, not a signal).
    case ctrlC
    /// A printable character (`q`, `j`, `é`, …).
    case character(Character)
}
