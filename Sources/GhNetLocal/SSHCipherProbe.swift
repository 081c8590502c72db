import Foundation
import Subprocess
import SystemPackage
import GhNetCore

/// Gathers what ``SSHCipherPreference`` decides from: the cipher list `ssh -G` resolves for the
/// transport's destination, the one it resolves with no config (`-F /dev/null`), and the CPU's
/// AES instructions. Runs before every transport (about 10 ms: `ssh -G` only reads config files).
public enum SSHCipherProbe {
    /// How long each `ssh -G` may take (it reads config files; a `Match exec` could run longer).
    static let timeout: Duration = .seconds(5)

    /// The decision for `target`, or nil for a `--via` transport (no ssh of ours to tell).
    /// `sshCommand` is the ssh program and options used for `--ssh` (`GHNET_SSH_COMMAND`);
    /// `gh codespace ssh` runs the `ssh` on PATH for a forwarded port on `localhost`, so that
    /// is what is probed for a codespace.
    public static func decide(target: TransportTarget, sshCommand: [String],
                              cpuinfoPath: String = "/proc/cpuinfo") async -> SSHCipherPreference.Decision? {
        let program: String, options: [String], host: String
        switch target {
        case .via:
            return nil
        case .codespace:
            (program, options, host) = ("ssh", ["-G", "localhost"], "localhost")
        case .ssh(let destination):
            guard let first = sshCommand.first, (first as NSString).lastPathComponent == "ssh" else {
                return .leave(reason: "GHNET_SSH_COMMAND does not run ssh itself")
            }
            program = first
            options = Array(sshCommand.dropFirst()) + ["-G"] + (destination.port.map { ["-p", String($0)] } ?? []) + [destination.userAndHost]
            host = destination.host
        }
        #if arch(x86_64)
        let cpuinfo = (try? String(contentsOfFile: cpuinfoPath, encoding: .utf8)) ?? ""
        guard SSHCipherPreference.hasAESInstructions(cpuinfo: cpuinfo) else { return SSHCipherPreference.noAES }
        #else
        // The remote runs the same architecture; off x86-64 its AES support cannot be assumed
        // (some arm64 boards have none, and AES-GCM without it is slower than chacha20).
        return .leave(reason: "not an x86-64 machine")
        #endif
        async let effective = configDump(program: program, arguments: options)
        async let builtIn = configDump(program: program, arguments: ["-F", "/dev/null", "-G", host])
        let (effectiveDump, builtInDump) = await (effective, builtIn)
        return SSHCipherPreference.decide(effective: effectiveDump.flatMap(SSHCipherPreference.ciphers(inConfigDump:)),
                                          builtIn: builtInDump.flatMap(SSHCipherPreference.ciphers(inConfigDump:)),
                                          hardwareAES: true)
    }

    /// What `program arguments` prints, or nil when it fails, is missing or takes too long.
    private static func configDump(program: String, arguments: [String]) async -> String? {
        await withTimeLimit(timeout) {
            guard let result = try? await Subprocess.run(
                program.contains("/") ? .path(FilePath(program)) : .name(program),
                arguments: Arguments(arguments),
                input: .none,
                output: .string(limit: 256 << 10),
                error: .discarded
            ), result.terminationStatus.isSuccess else { return nil }
            return result.standardOutput
        }
    }
}
