/// A bounded table of flows (a NAT table): each key (for UDP, the codespace's source endpoint and
/// the destination) maps to a value (the local socket), stamped with when it was last used.
///
/// Bounds and behaviour when full: at most `capacity` entries. Inserting into a full table first
/// expires idle entries; if none is idle, the least recently used entry is evicted and returned,
/// so the caller can close its socket. Memory is O(capacity).
///
/// Use order is kept in a doubly linked list threaded through an array (no per-operation
/// allocation once grown), so `touch`, `insert`, `remove` and eviction are O(1) amortised and
/// `expire` is O(expired).
public struct FlowTable<Key: Hashable, Value> {
    /// The most entries the table holds.
    public let capacity: Int
    /// How long an entry may stay unused before `expire` removes it.
    public let idleTimeout: Duration

    private struct Slot {
        var key: Key
        var value: Value
        var lastUsed: ContinuousClock.Instant
        var older: Int
        var newer: Int
    }

    private var index: [Key: Int] = [:]
    private var slots: [Slot?] = []
    private var freeSlots: [Int] = []
    private var oldest = -1
    private var newest = -1

    /// An empty table.
    public init(capacity: Int, idleTimeout: Duration) {
        precondition(capacity > 0, "a flow table needs room for at least one flow")
        self.capacity = capacity
        self.idleTimeout = idleTimeout
    }

    /// Number of entries.
    public var count: Int { index.count }

    /// The value for `key`, without marking it used.
    public func peek(_ key: Key) -> Value? {
        index[key].flatMap { slots[$0]?.value }
    }

    /// The value for `key`, marking it used at `now`.
    public mutating func touch(_ key: Key, now: ContinuousClock.Instant) -> Value? {
        guard let i = index[key] else { return nil }
        unlink(i)
        slots[i]!.lastUsed = now
        linkNewest(i)
        return slots[i]!.value
    }

    /// Adds or replaces `key`. Returns what had to go to make room: expired entries first, then
    /// (only when nothing was idle) the least recently used one.
    public mutating func insert(_ key: Key, _ value: Value, now: ContinuousClock.Instant) -> [(key: Key, value: Value)] {
        if let i = index[key] {
            unlink(i)
            slots[i]!.value = value
            slots[i]!.lastUsed = now
            linkNewest(i)
            return []
        }
        var removed: [(key: Key, value: Value)] = []
        if index.count >= capacity {
            removed = expire(now: now)
            if index.count >= capacity, let evicted = removeOldest() { removed.append(evicted) }
        }
        let slot = Slot(key: key, value: value, lastUsed: now, older: -1, newer: -1)
        let i: Int
        if let reused = freeSlots.popLast() {
            slots[reused] = slot
            i = reused
        } else {
            slots.append(slot)
            i = slots.count - 1
        }
        index[key] = i
        linkNewest(i)
        return removed
    }

    /// Removes `key`, giving its value.
    @discardableResult
    public mutating func remove(_ key: Key) -> Value? {
        guard let i = index.removeValue(forKey: key) else { return nil }
        return release(i).value
    }

    /// Removes every entry unused for `idleTimeout` or longer, oldest first.
    public mutating func expire(now: ContinuousClock.Instant) -> [(key: Key, value: Value)] {
        var removed: [(key: Key, value: Value)] = []
        while oldest >= 0, let slot = slots[oldest], now - slot.lastUsed >= idleTimeout {
            index.removeValue(forKey: slot.key)
            removed.append(release(oldest))
        }
        return removed
    }

    /// When the oldest entry will expire, if any (for scheduling one timer).
    public var nextExpiry: ContinuousClock.Instant? {
        oldest >= 0 ? slots[oldest].map { $0.lastUsed + idleTimeout } : nil
    }

    /// Every entry, newest first (for display).
    public var entriesNewestFirst: [(key: Key, value: Value, lastUsed: ContinuousClock.Instant)] {
        var out: [(key: Key, value: Value, lastUsed: ContinuousClock.Instant)] = []
        var i = newest
        while i >= 0, let slot = slots[i] {
            out.append((slot.key, slot.value, slot.lastUsed))
            i = slot.older
        }
        return out
    }

    private mutating func removeOldest() -> (key: Key, value: Value)? {
        guard oldest >= 0, let slot = slots[oldest] else { return nil }
        index.removeValue(forKey: slot.key)
        return release(oldest)
    }

    private mutating func release(_ i: Int) -> (key: Key, value: Value) {
        unlink(i)
        let slot = slots[i]!
        slots[i] = nil
        freeSlots.append(i)
        return (slot.key, slot.value)
    }

    private mutating func unlink(_ i: Int) {
        let older = slots[i]!.older, newer = slots[i]!.newer
        if older >= 0 { slots[older]!.newer = newer } else if oldest == i { oldest = newer }
        if newer >= 0 { slots[newer]!.older = older } else if newest == i { newest = older }
        slots[i]!.older = -1
        slots[i]!.newer = -1
    }

    private mutating func linkNewest(_ i: Int) {
        slots[i]!.older = newest
        slots[i]!.newer = -1
        if newest >= 0 { slots[newest]!.newer = i }
        newest = i
        if oldest < 0 { oldest = i }
    }
}
