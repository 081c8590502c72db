import ArgumentParser
import GhNetCore
import GhNetWire

/// The root command: `gh-net [start] …`, `gh-net agent`, `gh-net demo`, `gh-net version`.
public struct GhNetCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gh-net",
        abstract: "Let a codespace (or any SSH host) reach the networks this machine reaches.",
        discussion: """
        Run it on your own machine. The remote box then reaches, through this machine, the hosts \
        behind your VPN or on your LAN — TCP, UDP, ping and DNS names only your resolver knows. \
        No sudo here, no set-up there: gh-net copies itself to the remote over the same SSH \
        connection and starts its agent there.

        Examples:
          gh-net start -c my-codespace-name        a codespace
          gh-net start --ssh me@devbox:2222        any SSH host
          gh-net start --via 'ip netns exec cs'    any command prefix
          sudo gh-net demo                         try it here, no codespace needed
        """,
        version: "gh-net \(ExecutableIdentity.version) (protocol \(ProtocolVersionRange.implemented.current))",
        subcommands: [StartCommand.self, DemoCommand.self, VersionCommand.self, AgentCommand.self],
        defaultSubcommand: StartCommand.self
    )

    public init() {}
}
