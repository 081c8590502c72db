/// The `data` frame a transport ended in the middle of. A link hands a `data` frame out in
/// pieces as its bytes arrive (``FrameStreamDecoder``), but a resumed peer sends the whole frame
/// again (it was not counted received): the bytes already handed out must not be handed out
/// twice. Pure.
public struct DataFrameResumption: Sendable, Equatable {
    /// A stream and the offset after the last of its bytes handed out.
    private struct Position: Sendable, Equatable {
        var stream: StreamID
        var next: UInt64
    }

    /// The `data` frame whose pieces are arriving on the current link.
    private var open: Position?
    /// After a resume: the frame the previous link ended in, up to where it was handed out.
    private var skip: Position?

    public init() {}

    /// A frame the link hands out (`endingItsFrame`: ``FrameStreamDecoder/isInsideDataFrame``
    /// was false after it). Returns it, with the bytes already handed out before the resume cut
    /// off, or nil when nothing of it is new.
    public mutating func received(_ frame: Frame, endingItsFrame: Bool) -> Frame? {
        guard case .data(let stream, let offset, var payload) = frame else {
            if skip != nil && frame.isSequenced { skip = nil }
            return frame
        }
        let count = UInt64(payload.readableBytes)
        open = endingItsFrame ? nil : Position(stream: stream, next: offset &+ count)
        guard let skipping = skip else { return frame }
        if endingItsFrame { skip = nil }
        guard skipping.stream == stream, offset < skipping.next else { return frame }
        let seen = min(count, skipping.next - offset)
        guard seen < count else { return nil }
        payload.moveReaderIndex(forwardBy: Int(seen))
        return .data(stream: stream, offset: offset + seen, payload: payload)
    }

    /// A resumed handshake on a new link: the frame the old one ended in comes again. When the
    /// link before it ended too before that frame was whole again, the further point counts.
    public mutating func resumed() {
        if let open, !(skip.map { $0.stream == open.stream && $0.next >= open.next } ?? false) {
            skip = open
        }
        open = nil
    }

    /// A fresh session: nothing comes again.
    public mutating func reset() {
        skip = nil
        open = nil
    }
}
