/// Why the local side could not answer a ``Frame/dnsQuery(id:payload:)``; the agent turns every
/// reason into a SERVFAIL (or, for ``policy``, REFUSED) answer for the app.
public enum DNSFailureReason: UInt8, CaseIterable, Hashable, Sendable {
    /// The local resolver did not answer in time.
    case timedOut = 0
    /// The local side has no reachable resolver.
    case noResolver = 1
    /// The local side's policy forbids forwarding this query.
    case policy = 2
    /// The query was not a well-formed DNS message.
    case malformedQuery = 3
    /// The local resolver failed in some other way.
    case resolverFailure = 4
    /// The local side is already resolving as many queries as it allows at once.
    case busy = 5
}
