import Foundation
import Testing
@testable import GhNetLocal

@Suite struct SSHCipherPreferenceTests {
    /// OpenSSH 9.2's built-in order, as `ssh -G` prints it.
    static let openSSHDefault = ["chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr",
                                 "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"]

    @Test func aesGCMGoesFirstAndNothingElseChanges() {
        let decision = SSHCipherPreference.decide(effective: Self.openSSHDefault, builtIn: Self.openSSHDefault, hardwareAES: true)
        #expect(decision == .prefer(ciphers: ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com",
                                              "aes128-ctr", "aes192-ctr", "aes256-ctr"]))
        #expect(decision.sshOptions == ["-o", "Ciphers=aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,"
                                        + "aes128-ctr,aes192-ctr,aes256-ctr"])
    }

    @Test func aChoiceInTheConfigOrCommandIsLeftAlone() {
        let chosen = ["aes256-ctr", "chacha20-poly1305@openssh.com"]
        let decision = SSHCipherPreference.decide(effective: chosen, builtIn: Self.openSSHDefault, hardwareAES: true)
        guard case .leave = decision else { Issue.record("expected leave, got \(decision)"); return }
        #expect(decision.sshOptions.isEmpty)
    }

    @Test func withoutAESInstructionsTheOrderStays() {
        let decision = SSHCipherPreference.decide(effective: Self.openSSHDefault, builtIn: Self.openSSHDefault, hardwareAES: false)
        #expect(decision == .leave(reason: "this CPU has no AES instructions"))
    }

    @Test func unknownListsNoGCMOrGCMFirstAlreadyAreLeftAlone() {
        #expect(SSHCipherPreference.decide(effective: nil, builtIn: Self.openSSHDefault, hardwareAES: true).sshOptions.isEmpty)
        #expect(SSHCipherPreference.decide(effective: Self.openSSHDefault, builtIn: nil, hardwareAES: true).sshOptions.isEmpty)
        let noGCM = ["chacha20-poly1305@openssh.com", "aes128-ctr"]
        #expect(SSHCipherPreference.decide(effective: noGCM, builtIn: noGCM, hardwareAES: true)
                == .leave(reason: "this ssh offers no AES-GCM cipher"))
        let gcmFirst = ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com"]
        #expect(SSHCipherPreference.decide(effective: gcmFirst, builtIn: gcmFirst, hardwareAES: true)
                == .leave(reason: "AES-GCM comes first already"))
    }

    @Test func onlyTheGCMCiphersPresentMoveToTheFront() {
        let list = ["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr"]
        #expect(SSHCipherPreference.decide(effective: list, builtIn: list, hardwareAES: true)
                == .prefer(ciphers: ["aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr"]))
    }

    @Test func readsTheCiphersLineOfSshG() {
        let dump = "user root\nhostname 198.18.0.2\nport 22\nCiphers aes128-ctr,aes256-gcm@openssh.com\nmacs hmac-sha2-256\n"
        #expect(SSHCipherPreference.ciphers(inConfigDump: dump) == ["aes128-ctr", "aes256-gcm@openssh.com"])
        #expect(SSHCipherPreference.ciphers(inConfigDump: "user root\nport 22\n") == nil)
        #expect(SSHCipherPreference.ciphers(inConfigDump: "ciphers \n") == nil)
        #expect(SSHCipherPreference.ciphers(inConfigDump: "") == nil)
    }

    @Test func findsAESInTheX86Flags() {
        let withAES = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme sse2 pclmulqdq aes avx2\n\nprocessor\t: 1\n"
        #expect(SSHCipherPreference.hasAESInstructions(cpuinfo: withAES))
        #expect(!SSHCipherPreference.hasAESInstructions(cpuinfo: "flags\t\t: fpu vme sse2 aesni_like pclmulqdq avx2\n"))
        #expect(!SSHCipherPreference.hasAESInstructions(cpuinfo: "flags\t\t: fpu vme sse2 aes avx2\n"), "GCM needs pclmulqdq too")
        #expect(!SSHCipherPreference.hasAESInstructions(cpuinfo: "Features\t: fp asimd aes pmull sha1\n"),
                "arm64's Features line is not read: the probe leaves arm64 alone")
        #expect(!SSHCipherPreference.hasAESInstructions(cpuinfo: ""))
    }

    @Test func sshOptionsGoBeforeTheDestinationForSshAndCodespaces() throws {
        let options = ["-o", "Ciphers=aes128-gcm@openssh.com"]
        let ssh = TransportTarget.ssh(try SSHDestination(parsing: "root@cs"))
        #expect(ssh.argv(sshCommand: ["ssh"], remoteCommand: ["sh"], unattended: true, sshOptions: options) ==
                ["ssh", "-T", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3", "-o", "Ciphers=aes128-gcm@openssh.com",
                 "-o", "BatchMode=yes", "root@cs", "--", "sh"])
        #expect(TransportTarget.codespace(name: "fluffy-x").argv(sshCommand: ["ssh"], remoteCommand: ["sh"], sshOptions: options) ==
                ["gh", "codespace", "ssh", "-c", "fluffy-x", "--", "-T", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
                 "-o", "Ciphers=aes128-gcm@openssh.com", "sh"])
        #expect(TransportTarget.via(["ip", "netns", "exec", "cs"]).argv(sshCommand: ["ssh"], remoteCommand: ["sh"], sshOptions: options) ==
                ["ip", "netns", "exec", "cs", "sh"])
    }
}

/// The probe against the real `ssh -G` (it reads config files only; nothing connects).
@Suite struct SSHCipherProbeTests {
    static let machineHasAES: Bool = {
        #if arch(x86_64)
        SSHCipherPreference.hasAESInstructions(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
        #else
        false
        #endif
    }()

    func config(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ghnet-ssh-config-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func anEmptyConfigGetsAESGCMFirstWhenTheCPUHasAES() async throws {
        let path = try config("Host cs\n  HostName 198.18.0.2\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let decision = await SSHCipherProbe.decide(target: .ssh(try SSHDestination(parsing: "root@cs:2222")), sshCommand: ["ssh", "-F", path])
        if Self.machineHasAES {
            guard case .prefer(let ciphers)? = decision else { Issue.record("expected prefer, got \(String(describing: decision))"); return }
            #expect(ciphers.first == "aes128-gcm@openssh.com")
        } else {
            #expect(decision?.sshOptions == [])
        }
    }

    @Test func aCiphersLineInTheConfigIsKept() async throws {
        let path = try config("Host cs\n  Ciphers aes256-ctr\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let decision = await SSHCipherProbe.decide(target: .ssh(try SSHDestination(parsing: "cs")), sshCommand: ["ssh", "-F", path])
        #expect(decision?.sshOptions == [])
        if Self.machineHasAES { #expect(decision == .leave(reason: "the ssh config or command chooses the ciphers")) }
    }

    @Test func aCipherOnTheCommandLineIsKept() async throws {
        let decision = await SSHCipherProbe.decide(target: .ssh(try SSHDestination(parsing: "cs")),
                                                   sshCommand: ["ssh", "-F", "/dev/null", "-c", "chacha20-poly1305@openssh.com"])
        #expect(decision?.sshOptions == [])
    }

    @Test func aWrapperOrAViaCommandIsNotProbed() async throws {
        let wrapped = await SSHCipherProbe.decide(target: .ssh(try SSHDestination(parsing: "cs")), sshCommand: ["sshpass", "-e", "ssh"])
        #expect(wrapped == .leave(reason: "GHNET_SSH_COMMAND does not run ssh itself"))
        #expect(await SSHCipherProbe.decide(target: .via(["ip", "netns", "exec", "cs"]), sshCommand: ["ssh"]) == nil)
    }
}
