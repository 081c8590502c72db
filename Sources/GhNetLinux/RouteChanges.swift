import GhNetAddress

/// A route that was not added or deleted, and the netlink error that says why.
public struct RouteFailure: Sendable, CustomStringConvertible {
    /// The destination.
    public let prefix: IPPrefix
    /// The failed operation: "adding route 198.18.2.0/24 via ghnet0: File exists".
    public let error: NetlinkError

    public var description: String { error.description }
}

/// What one ``RouteInstaller/apply(_:)`` did.
public struct RouteChanges: Sendable {
    /// Routes added, in order.
    public var added: [IPPrefix] = []
    /// Routes deleted (or found already gone), in order.
    public var removed: [IPPrefix] = []
    /// Wanted routes left alone because the routing table already has a route for that
    /// destination (EEXIST) that gh-net did not add.
    public var skipped: [RouteFailure] = []
    /// Additions and deletions that failed for any other reason.
    public var failed: [RouteFailure] = []

    /// No changes.
    public init() {}

    /// True when nothing was added, removed, skipped or failed.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && skipped.isEmpty && failed.isEmpty }
}
