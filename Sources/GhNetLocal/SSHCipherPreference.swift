import Foundation

/// Which cipher order gh-net asks ssh for. Pure: the inputs are what `ssh -G` printed and what
/// the CPU offers; ``SSHCipherProbe`` gathers them.
///
/// Why: OpenSSH offers chacha20-poly1305 first because it is fast in software everywhere. On a
/// CPU with AES instructions, AES-GCM costs ssh and sshd far less per byte (on the bench host
/// the raw SSH pipe moves about 1.5× as much with aes128-gcm), and ssh's cipher is what bounds a
/// bulk transfer through the bridge. Both are authenticated ciphers OpenSSH enables by default.
/// gh-net only reorders the list ssh would offer anyway, and only when nobody chose one: a
/// `Ciphers` line in any ssh config (the user's, a system crypto policy) or a `-c` in
/// `GHNET_SSH_COMMAND` is left as it is.
public enum SSHCipherPreference {
    /// The ciphers moved to the front, fastest first, when the CPU has AES instructions.
    public static let aesGCM = ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com"]

    /// What gh-net does about the cipher order, and why.
    public enum Decision: Equatable, Sendable {
        /// Offer `ciphers` in this order (`-o Ciphers=…`).
        case prefer(ciphers: [String])
        /// Leave ssh's order alone; `reason` says why, for the debug log.
        case leave(reason: String)

        /// The ssh options that carry the decision out.
        public var sshOptions: [String] {
            guard case .prefer(let ciphers) = self else { return [] }
            return ["-o", "Ciphers=" + ciphers.joined(separator: ",")]
        }
    }

    /// The decision on a CPU without the instructions that make AES-GCM fast.
    public static let noAES = Decision.leave(reason: "this CPU has no AES instructions")

    /// Decides from the cipher list ssh would use for the destination (`effective`, from
    /// `ssh … -G host`), the list it uses with no config at all (`builtIn`, from
    /// `ssh -F /dev/null -G host`) and whether this CPU has AES instructions.
    public static func decide(effective: [String]?, builtIn: [String]?, hardwareAES: Bool) -> Decision {
        guard hardwareAES else { return noAES }
        guard let effective, let builtIn else { return .leave(reason: "ssh -G did not print its ciphers") }
        guard effective == builtIn else { return .leave(reason: "the ssh config or command chooses the ciphers") }
        let front = aesGCM.filter(effective.contains)
        guard !front.isEmpty else { return .leave(reason: "this ssh offers no AES-GCM cipher") }
        let reordered = front + effective.filter { !front.contains($0) }
        guard reordered != effective else { return .leave(reason: "AES-GCM comes first already") }
        return .prefer(ciphers: reordered)
    }

    /// The `ciphers` line of `ssh -G` output (`ciphers a,b,c`), or nil when there is none.
    public static func ciphers(inConfigDump dump: String) -> [String]? {
        for line in dump.split(whereSeparator: \.isNewline) {
            let words = line.split(separator: " ", maxSplits: 1)
            guard words.count == 2, words[0].lowercased() == "ciphers" else { continue }
            let list = words[1].split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return list.isEmpty ? nil : list
        }
        return nil
    }

    /// Whether an x86 `/proc/cpuinfo` shows the instructions that make AES-GCM fast: AES-NI and
    /// the carry-less multiply GCM's authentication uses (`aes` and `pclmulqdq` in the first
    /// `flags` line).
    public static func hasAESInstructions(cpuinfo: String) -> Bool {
        for line in cpuinfo.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == "flags" else { continue }
            let flags = Set(parts[1].split(separator: " "))
            return flags.contains("aes") && flags.contains("pclmulqdq")
        }
        return false
    }
}
