import ArgumentParser
import GhNetCore
import GhNetWire

/// `gh-net version`: the release, the build hash and the protocol version.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the version, build identity and protocol version."
    )

    func run() throws {
        let identity = try? ExecutableIdentity.current()
        print("gh-net \(ExecutableIdentity.version)")
        print("build    \(identity?.sha256 ?? "unknown")")
        print("protocol \(ProtocolVersionRange.implemented)")
        if let glibc = identity?.requiredGlibc { print("needs    glibc \(glibc) or newer, \(identity?.machine ?? "")") }
    }
}
