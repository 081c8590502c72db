/// A piece of text in one style; a line is a list of spans.
public struct Span: Sendable, Equatable {
    public var text: String
    public var style: CellStyle

    public init(_ text: String, _ style: CellStyle = .plain) {
        self.text = text
        self.style = style
    }
}

/// Where text sits in the columns given to it.
public enum TextAlignment: Sendable, Equatable {
    case left
    case right
}
