/// The events an input produced, read one at a time; the storage is reused, so steady traffic
/// allocates nothing here.
struct TCPEventQueue: Sendable {
    private var items: [TCPEvent] = []
    private var head = 0

    /// A ``TCPEvent/deliverFromSegment(_:)`` is unread: its range points into the caller's
    /// last payload, so no new segment may come in before it is read.
    private(set) var holdsSegmentDelivery = false

    mutating func append(_ event: TCPEvent) {
        if case .deliverFromSegment = event { holdsSegmentDelivery = true }
        items.append(event)
    }

    /// The oldest unread event.
    mutating func next() -> TCPEvent? {
        guard head < items.count else {
            if head > 0 {
                items.removeAll(keepingCapacity: true)
                head = 0
            }
            holdsSegmentDelivery = false
            return nil
        }
        let event = items[head]
        head += 1
        // One segment yields at most one such event.
        if case .deliverFromSegment = event { holdsSegmentDelivery = false }
        return event
    }
}
