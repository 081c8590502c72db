/// The first frame each side sends: who it is, which protocol versions and features it speaks,
/// and which session it holds. See ``Handshake`` for how two hellos are matched.
public struct Hello: Hashable, Sendable {
    /// The 4 bytes `GHNW` that open every hello body; anything else is not a gh-net peer.
    public static let magic: UInt32 = 0x4748_4E57

    /// The protocol versions this side can speak.
    public var versions: ProtocolVersionRange
    /// Which end of the connection this side is.
    public var role: Role
    /// The exact build of gh-net running on this side.
    public var build: BuildIdentity
    /// The features this side implements.
    public var capabilities: Capabilities
    /// The local side's log level, which the agent adopts; the agent sends its own.
    public var logLevel: LogLevel
    /// Local side: the session it runs (fresh and random on first connect, kept on reconnect).
    /// Agent: the session it still holds from a dropped transport, or ``SessionID/none``.
    public var session: SessionID

    /// A hello from its parts.
    public init(
        versions: ProtocolVersionRange = .implemented,
        role: Role,
        build: BuildIdentity,
        capabilities: Capabilities,
        logLevel: LogLevel,
        session: SessionID
    ) {
        self.versions = versions
        self.role = role
        self.build = build
        self.capabilities = capabilities
        self.logLevel = logLevel
        self.session = session
    }

    /// Which end of the connection a side is.
    public enum Role: UInt8, Hashable, Sendable, CustomStringConvertible {
        /// The user's machine: spawns the transport, opens real sockets, owns the policy.
        case local = 1
        /// The remote host: captures traffic on a TUN device and forwards it.
        case agent = 2

        /// The other role.
        public var peer: Role { self == .local ? .agent : .local }

        /// `local side` or `agent`.
        public var description: String { self == .local ? "local side" : "agent" }
    }
}

/// The range of protocol versions one side can speak: every version from ``minimum`` through
/// ``current``. Two sides talk at the highest version both support.
public struct ProtocolVersionRange: Hashable, Sendable, CustomStringConvertible {
    /// The newest version this side speaks.
    public var current: UInt16
    /// The oldest version this side still speaks; never above ``current``.
    public var minimum: UInt16

    /// A range from its bounds; `minimum` must not exceed `current`.
    public init(current: UInt16, minimum: UInt16) {
        precondition(minimum <= current, "protocol version range \(minimum)...\(current) is empty")
        self.current = current
        self.minimum = minimum
    }

    /// The versions this build implements.
    public static let implemented = ProtocolVersionRange(current: 1, minimum: 1)

    /// The highest version both ranges contain, or `nil` if they do not overlap.
    public func negotiate(with other: ProtocolVersionRange) -> UInt16? {
        let version = min(current, other.current)
        return version >= max(minimum, other.minimum) ? version : nil
    }

    /// `1` or `1…3`.
    public var description: String { minimum == current ? "\(current)" : "\(minimum)…\(current)" }
}

/// Identifies one exact build of gh-net: the hash of its executable's content (what the local
/// side uses to decide whether the remote already has the right agent) and the human version.
public struct BuildIdentity: Hashable, Sendable, CustomStringConvertible {
    /// Hex digest of the executable's content.
    public var contentHash: String
    /// The human version text, e.g. `0.3.1` or `0.3.1-dev+4f2e`.
    public var version: String

    /// An identity from its parts.
    public init(contentHash: String, version: String) {
        self.contentHash = contentHash
        self.version = version
    }

    /// `gh-net 0.3.1 (build 4f2e9a1c07bd)`: the version and the first 12 hash digits.
    public var description: String { "gh-net \(version) (build \(contentHash.prefix(12)))" }
}
