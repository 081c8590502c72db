/// Where the agent runs and which command carries the byte stream to it. The local side
/// appends the remote command (always the single word `sh`, which then reads the bootstrap
/// script from stdin — see ``BootstrapScript``) to the command this builds.
public enum TransportTarget: Equatable, Sendable {
    /// A codespace by name, reached with `gh codespace ssh -c NAME --`.
    case codespace(name: String)
    /// Any SSH host, reached with the system `ssh` (the user's keys, agent, config, ProxyJump).
    case ssh(SSHDestination)
    /// A raw command prefix given with `--via` (e.g. `ip netns exec NS`).
    case via([String])

    /// A short name for messages: `codespace NAME`, `root@host`, or the via command.
    public var displayName: String {
        switch self {
        case .codespace(let name): return "codespace \(name)"
        case .ssh(let destination): return destination.description
        case .via(let words): return words.joined(separator: " ")
        }
    }

    /// Dead-link detection on the SSH layer too, and never a pseudo-terminal: the stream is binary.
    static let sshLinkOptions = ["-T", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3"]

    /// What ssh gets when nobody may be there to answer: no prompt for a passphrase, password or
    /// new host key (with the full-screen view up, a prompt would fight it for the terminal);
    /// ssh fails instead and the next attempt comes later.
    static let unattendedOptions = ["-o", "BatchMode=yes"]

    /// The full argv to spawn. `sshCommand` is the ssh program and its own options (from
    /// `GHNET_SSH_COMMAND`, default `ssh`); `remoteCommand` the words to run remotely.
    /// `unattended` (a reconnect) keeps ssh from prompting (``unattendedOptions``); `sshOptions`
    /// go to ssh for the `--ssh` and codespace transports (the cipher order).
    public func argv(sshCommand: [String], remoteCommand: [String], unattended: Bool = false, sshOptions: [String] = []) -> [String] {
        let linkOptions = Self.sshLinkOptions + sshOptions + (unattended ? Self.unattendedOptions : [])
        switch self {
        case .codespace(let name):
            // After `--`, gh passes ssh options and the command on to its own ssh.
            return ["gh", "codespace", "ssh", "-c", name, "--"] + linkOptions + remoteCommand
        case .ssh(let destination):
            var argv = sshCommand
            argv += linkOptions
            if let port = destination.port { argv += ["-p", String(port)] }
            argv += [destination.userAndHost, "--"]
            return argv + remoteCommand
        case .via(let prefix):
            return prefix + remoteCommand
        }
    }
}

/// `[user@]host[:port]` as given to `--ssh`; IPv6 hosts go in brackets: `root@[2001:db8::2]:2222`.
public struct SSHDestination: Equatable, Sendable, CustomStringConvertible {
    /// The login name, if given.
    public let user: String?
    /// Host name or address (without brackets).
    public let host: String
    /// The port, if given.
    public let port: UInt16?

    /// Why a destination string was refused.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let text: String
        public let reason: String
        public var description: String { "invalid --ssh destination '\(text)': \(reason)" }
    }

    /// Parses `[user@]host[:port]`.
    public init(parsing text: String) throws(Invalid) {
        var rest = Substring(text)
        var user: String?
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
            guard let u = user, !u.isEmpty else { throw Invalid(text: text, reason: "empty user name before '@'") }
        }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw Invalid(text: text, reason: "missing ']'") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw Invalid(text: text, reason: "unexpected text after ']'") }
                portText = after.dropFirst()
            }
        } else if rest.filter({ $0 == ":" }).count == 1, let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw Invalid(text: text, reason: "no host") }
        guard !host.hasPrefix("-"), !host.contains(where: { $0 == " " || $0 == "/" }) else {
            throw Invalid(text: text, reason: "not a host name")
        }
        var port: UInt16?
        if let portText {
            guard let p = UInt16(portText), p > 0 else { throw Invalid(text: text, reason: "port must be 1-65535") }
            port = p
        }
        self.user = user
        self.host = String(host)
        self.port = port
    }

    /// `user@host` as ssh takes it (IPv6 without brackets: ssh wants the bare address).
    public var userAndHost: String { user.map { "\($0)@\(host)" } ?? host }

    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return (user.map { "\($0)@" } ?? "") + h + (port.map { ":\($0)" } ?? "")
    }
}
