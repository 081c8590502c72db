/// Questions the codespace's resolvers said NXDOMAIN to and the local side answered, remembered
/// so that the next lookup of the same name and type goes to the local side first instead of
/// asking the codespace's resolvers again for the same NXDOMAIN (a round trip every time).
///
/// A question is remembered for as long as that NXDOMAIN may be cached (RFC 2308: the smaller
/// of its SOA record's TTL and MINIMUM field), at most ``longestLifetime``; for an NXDOMAIN
/// without an SOA, ``lifetimeWithoutSOA``. Then the codespace's resolvers are asked first again.
/// Pure: time comes in.
///
/// Bound: at most `capacity` questions; a new one when full first drops the expired ones, then
/// the one that expires soonest.
public struct DNSLocalNames: Sendable {
    /// The longest a question is remembered (RFC 2308 suggests 1–3 hours for negative caching;
    /// shorter here, since a name may move from the VPN to the codespace's own resolvers).
    public static let longestLifetime = Duration.seconds(300)
    /// How long a question is remembered when the codespace's NXDOMAIN gave no negative TTL.
    public static let lifetimeWithoutSOA = Duration.seconds(30)

    /// Questions remembered, with when each is forgotten. Names in lower case.
    private var expiries: [DNSQuestion: ContinuousClock.Instant] = [:]
    public let capacity: Int

    public init(capacity: Int = 1024) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// How many questions are remembered (expired ones included until a full table drops them).
    public var count: Int { expiries.count }

    /// Whether `question` was remembered and has not expired at `now`.
    public func contains(_ question: DNSQuestion, now: ContinuousClock.Instant) -> Bool {
        guard !expiries.isEmpty else { return false }  // the usual case: no lowercased copy of the name
        return expiries[Self.key(question)].map { now < $0 } ?? false
    }

    /// Remembers `question` from `now` for `lifetime` (at most ``longestLifetime``; nothing for
    /// none); a question remembered already keeps the later of its two expiries.
    public mutating func remember(_ question: DNSQuestion, for lifetime: Duration, now: ContinuousClock.Instant) {
        guard lifetime > .zero else { return }
        let key = Self.key(question)
        let expiry = now + min(lifetime, Self.longestLifetime)
        if let known = expiries[key] {
            expiries[key] = max(known, expiry)
            return
        }
        if expiries.count >= capacity {
            expiries = expiries.filter { $0.value > now }
            if expiries.count >= capacity, let soonest = expiries.min(by: { $0.value < $1.value }) {
                expiries[soonest.key] = nil
            }
        }
        expiries[key] = expiry
    }

    /// Forgets `question`: the local side no longer answers it.
    public mutating func forget(_ question: DNSQuestion) {
        expiries[Self.key(question)] = nil
    }

    /// How long the codespace's negative answer `bytes` may be cached: its SOA's TTL or MINIMUM,
    /// whichever is smaller (RFC 2308, section 5; a TTL with the top bit set counts as 0, RFC 2181
    /// section 8); ``lifetimeWithoutSOA`` without one (or for no answer at all).
    public static func lifetime(ofNegativeAnswer bytes: [UInt8]?) -> Duration {
        guard let bytes, let message = try? DNSMessage.parse(bytes) else { return lifetimeWithoutSOA }
        for record in message.authority {
            if case .soa(let soa) = record.data {
                let usable = { (ttl: UInt32) -> UInt32 in ttl & 0x8000_0000 == 0 ? ttl : 0 }
                return min(.seconds(Int64(min(usable(record.ttl), usable(soa.minimum)))), longestLifetime)
            }
        }
        return lifetimeWithoutSOA
    }

    private static func key(_ question: DNSQuestion) -> DNSQuestion {
        DNSQuestion(name: question.name.lowercased, type: question.type, recordClass: question.recordClass)
    }
}
