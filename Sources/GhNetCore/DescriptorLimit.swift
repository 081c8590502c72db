import Foundation

/// The open-file limit, raised so the flow tables' limits are what counts: each TCP stream, UDP
/// flow and ping flow of the local side holds a socket, and 16 384 streams plus 4096 UDP flows
/// are far beyond the usual soft limit of 1024. The soft limit goes up to the hard one (which
/// any process may do), at most ``wanted``.
public enum DescriptorLimit {
    /// Enough for every table at its default limit, with room for DNS and the process itself.
    public static let wanted: rlim_t = 32_768

    /// The soft limit to set, given the current soft and hard limits: never lower than now.
    public static func target(soft: rlim_t, hard: rlim_t) -> rlim_t {
        max(soft, min(hard, wanted))
    }

    /// Raises the soft limit; returns the limit in force afterwards (nil when it cannot be read).
    @discardableResult
    public static func raise() -> rlim_t? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        let target = target(soft: limit.rlim_cur, hard: limit.rlim_max)
        guard target != limit.rlim_cur else { return limit.rlim_cur }
        var raised = limit
        raised.rlim_cur = target
        return setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 ? target : limit.rlim_cur
    }
}
