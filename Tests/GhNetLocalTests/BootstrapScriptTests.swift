import Foundation
import Testing
@testable import GhNetCore
@testable import GhNetLocal

/// Runs the real bootstrap script under /bin/sh, as the remote would, with a fake "agent"
/// (a shell script) and stub commands first on PATH to play remotes that fail a check.
@Suite(.serialized) struct BootstrapScriptTests {
    /// A fake agent: reports its arguments, then echoes what follows on stdin (the frames).
    static let fakeAgent = Array("#!/bin/sh\necho \"AGENT-RAN $*\"\nexec cat\n".utf8)

    struct Run {
        let dir: URL
        let process = Process()
        let stdin = Pipe()
        let stdout = Pipe()
        var received: [UInt8] = []

        /// `cacheMountedNoexec`: the script runs in a mount namespace of its own (root only), with
        /// a tmpfs mounted noexec on `XDG_CACHE_HOME`. `shell`: the remote's shell.
        init(stubs: [String: String], environment overrides: [String: String?] = [:], cacheMountedNoexec: Bool = false,
             shell: [String] = ["/bin/sh"]) throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("ghnet-boot-\(UUID().uuidString)")
            let bin = dir.appendingPathComponent("stubs")
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            for (name, body) in stubs {
                let path = bin.appendingPathComponent(name)
                try ("#!/bin/sh\n" + body + "\n").write(to: path, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path.path)
            }
            if cacheMountedNoexec {
                try FileManager.default.createDirectory(at: dir.appendingPathComponent("cache"), withIntermediateDirectories: true)
                process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
                process.arguments = ["--mount", "--propagation", "private", "/bin/sh", "-c",
                                     "mount -t tmpfs -o noexec,mode=700 tmpfs \"$XDG_CACHE_HOME\" && exec \"$@\"", "sh"] + shell
            } else {
                process.executableURL = URL(fileURLWithPath: shell[0])
                process.arguments = Array(shell.dropFirst())
            }
            var environment: [String: String] = [
                "PATH": bin.path + ":/usr/sbin:/usr/bin:/sbin:/bin",
                "HOME": dir.path,
                "XDG_CACHE_HOME": dir.appendingPathComponent("cache").path,
                "SSH_CONNECTION": "198.18.3.2 51234 198.18.0.2 22",
            ]
            for (name, value) in overrides { environment[name] = value }
            process.environment = environment
            process.standardInput = stdin
            process.standardOutput = stdout
            process.standardError = FileHandle.nullDevice
            try process.run()
            let p = process
            DispatchQueue.global().asyncAfter(deadline: .now() + 20) { if p.isRunning { p.terminate() } }
        }

        func send(_ bytes: [UInt8]) { stdin.fileHandleForWriting.write(Data(bytes)) }

        /// Reads until a line starting with `prefix` arrives (or the output ends); gives that line.
        mutating func line(startingWith prefix: String) -> String? {
            while true {
                if let text = String(bytes: received, encoding: .utf8) {
                    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                    if let hit = lines.dropLast().first(where: { $0.hasPrefix(prefix) }) {
                        return String(hit)
                    }
                }
                let chunk = stdout.fileHandleForReading.availableData
                if chunk.isEmpty { return nil }
                received += chunk
            }
        }

        func finish() -> String {
            try? stdin.fileHandleForWriting.close()
            let rest = stdout.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: dir)
            return String(decoding: received + rest, as: UTF8.self)
        }
    }

    static func script(for payload: [UInt8], glibc: GlibcVersion? = GlibcVersion(major: 2, minor: 17),
                       tunDevice: String = "/dev/net/tun") -> BootstrapScript {
        let identity = try! ExecutableIdentity.current()
        return BootstrapScript(sha256: sha256Hex(payload), size: payload.count, machine: identity.machine,
                               requiredGlibc: glibc, agentArguments: ["--trace", "debug"], tunDevice: tunDevice)
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let i = Pipe(), o = Pipe()
        p.standardInput = i
        p.standardOutput = o
        try! p.run()
        i.fileHandleForWriting.write(Data(bytes))
        try! i.fileHandleForWriting.close()
        let out = String(decoding: o.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return String(out.prefix(64))
    }

    @Test func sendsStoresThenReusesTheCachedBuild() throws {
        let script = Self.script(for: Self.fakeAgent)
        // First start: the script asks for the executable, verifies and stores it, and execs it.
        var first = try Run(stubs: [:])
        first.send(Array(script.text.utf8))
        #expect(first.line(startingWith: "GHNET-BOOT send") == "GHNET-BOOT send \(Self.fakeAgent.count)")
        first.send(Self.fakeAgent)
        #expect(first.line(startingWith: "GHNET-BOOT stored")?.hasSuffix(script.sha256) == true)
        #expect(first.line(startingWith: "GHNET-BOOT exec") == "GHNET-BOOT exec root")
        #expect(first.line(startingWith: "AGENT-RAN") == "AGENT-RAN agent --trace debug --transport-peer 198.18.3.2")
        first.send(Array("FRAME-BYTES\n".utf8))
        #expect(first.line(startingWith: "FRAME-BYTES") != nil, "stdin reaches the agent intact after exec")
        let cacheDir = first.dir.appendingPathComponent("cache/gh-net")
        let stored = try FileManager.default.contentsOfDirectory(atPath: cacheDir.path)
        #expect(stored == ["gh-net-\(script.sha256)"], "stored atomically under its hash, no temporary left")

        // Second start with the same cache: no transfer.
        var second = try Run(stubs: [:])
        try FileManager.default.createDirectory(at: second.dir.appendingPathComponent("cache"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: cacheDir, to: second.dir.appendingPathComponent("cache/gh-net"))
        _ = first.finish()
        second.send(Array(script.text.utf8))
        #expect(second.line(startingWith: "GHNET-BOOT cached") != nil)
        #expect(second.line(startingWith: "AGENT-RAN") != nil)
        #expect(!second.finish().contains("GHNET-BOOT send"))
    }

    @Test func startUpOutputWithoutANewlineDoesNotHideTheFirstStatusLine() throws {
        let script = Self.script(for: Self.fakeAgent)
        var run = try Run(stubs: [:])
        // What an rc file that sets the terminal title prints before the script runs.
        run.send(Array("printf '\\033]0;my codespace\\007'\n".utf8) + Array(script.text.utf8))
        let line = run.line(startingWith: "GHNET-BOOT send") ?? "nothing"
        #expect(try BootstrapLine.parse(Substring(line)) == .send(size: Self.fakeAgent.count))
        _ = run.finish()
    }

    @Test func aTruncatedCachedBuildIsSentAgain() throws {
        let script = Self.script(for: Self.fakeAgent)
        var run = try Run(stubs: [:])
        let cache = run.dir.appendingPathComponent("cache/gh-net")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        let cut = cache.appendingPathComponent("gh-net-\(script.sha256)")
        try Data(Self.fakeAgent.prefix(5)).write(to: cut)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: cut.path)
        run.send(Array(script.text.utf8))
        #expect(run.line(startingWith: "GHNET-BOOT send") == "GHNET-BOOT send \(Self.fakeAgent.count)", "not taken for the cached build")
        run.send(Self.fakeAgent)
        #expect(run.line(startingWith: "AGENT-RAN") != nil)
        _ = run.finish()
    }

    @Test func withoutAHomeFolderNothingIsKeptInASharedPlace() throws {
        let script = Self.script(for: Self.fakeAgent)
        // No HOME, no XDG_CACHE_HOME, and no passwd entry to find one in.
        var run = try Run(stubs: ["getent": "exit 2"], environment: ["HOME": nil, "XDG_CACHE_HOME": nil])
        run.send(Array(script.text.utf8))
        let line = run.line(startingWith: "GHNET-BOOT error")
        #expect(line?.hasPrefix("GHNET-BOOT error store the remote user has no home folder") == true, "\(line ?? "nothing")")
        #expect(!run.finish().contains("GHNET-BOOT send"))
    }

    @Test func aCacheFolderOfAnotherUserIsRefused() throws {
        guard getuid() == 0 else { return }
        let script = Self.script(for: Self.fakeAgent)
        var run = try Run(stubs: [:])
        let cache = run.dir.appendingPathComponent("cache/gh-net")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        #expect(chown(cache.path, 65534, 65534) == 0)
        run.send(Array(script.text.utf8))
        let line = run.line(startingWith: "GHNET-BOOT error")
        #expect(line?.hasPrefix("GHNET-BOOT error store the cache folder") == true && line?.hasSuffix("belongs to another user") == true,
                "\(line ?? "nothing")")
        _ = run.finish()
    }

    /// The remote shells the noexec tests run the script under: dash, and busybox's ash (whose
    /// `test -x` does not notice a noexec mount) where it is installed.
    static let shells: [[String]] = [["/bin/sh"]] + (FileManager.default.isExecutableFile(atPath: "/bin/busybox") ? [["/bin/busybox", "sh"]] : [])

    /// A folder for `XDG_RUNTIME_DIR` with the given mode; removed by the caller.
    static func runtimeFolder(mode: Int16 = 0o700) throws -> URL {
        let runtime = FileManager.default.temporaryDirectory.appendingPathComponent("ghnet-boot-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: runtime, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: runtime.path)
        return runtime
    }

    @Test(.enabled(if: getuid() == 0, "mounts a noexec tmpfs in a mount namespace"), arguments: shells)
    func whereTheCacheCannotRunProgramsTheRuntimeFolderKeepsTheAgent(shell: [String]) throws {
        let script = Self.script(for: Self.fakeAgent)
        let runtime = try Self.runtimeFolder()
        defer { try? FileManager.default.removeItem(at: runtime) }
        var first = try Run(stubs: [:], environment: ["XDG_RUNTIME_DIR": runtime.path], cacheMountedNoexec: true, shell: shell)
        first.send(Array(script.text.utf8))
        #expect(first.line(startingWith: "GHNET-BOOT send") == "GHNET-BOOT send \(Self.fakeAgent.count)")
        first.send(Self.fakeAgent)
        #expect(first.line(startingWith: "GHNET-BOOT stored") == "GHNET-BOOT stored \(runtime.path)/gh-net/gh-net-\(script.sha256)")
        #expect(first.line(startingWith: "AGENT-RAN") != nil)
        _ = first.finish()
        #expect(try FileManager.default.contentsOfDirectory(atPath: runtime.appendingPathComponent("gh-net").path) == ["gh-net-\(script.sha256)"],
                "no probe file is left behind")

        // The next start finds it there: nothing is sent again.
        var second = try Run(stubs: [:], environment: ["XDG_RUNTIME_DIR": runtime.path], cacheMountedNoexec: true, shell: shell)
        second.send(Array(script.text.utf8))
        #expect(second.line(startingWith: "GHNET-BOOT cached") == "GHNET-BOOT cached \(runtime.path)/gh-net/gh-net-\(script.sha256)")
        #expect(second.line(startingWith: "AGENT-RAN") != nil)
        #expect(!second.finish().contains("GHNET-BOOT send"))
    }

    @Test(.enabled(if: getuid() == 0, "mounts a noexec tmpfs in a mount namespace"), arguments: shells)
    func whereNoPrivateFolderCanRunProgramsTheScriptSaysWhyBeforeAnyTransfer(shell: [String]) throws {
        let script = Self.script(for: Self.fakeAgent)
        let shared = try Self.runtimeFolder(mode: 0o755)
        let elsewhere = try Self.runtimeFolder()
        let link = FileManager.default.temporaryDirectory.appendingPathComponent("ghnet-boot-link-\(UUID().uuidString)")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: elsewhere)
        defer { for url in [shared, elsewhere, link] { try? FileManager.default.removeItem(at: url) } }
        // Unset, missing, open to others, or a symlink: not a folder of this user alone.
        for runtime: String? in [nil, "/nonexistent-runtime-dir", shared.path, link.path] {
            var run = try Run(stubs: [:], environment: ["XDG_RUNTIME_DIR": runtime], cacheMountedNoexec: true, shell: shell)
            run.send(Array(script.text.utf8))
            // The first status line: an error, not a request for the executable.
            let line = run.line(startingWith: "GHNET-BOOT")
            #expect(line == "GHNET-BOOT error noexec programs cannot run from \(run.dir.path)/cache/gh-net (its file system is mounted noexec), "
                        + "and XDG_RUNTIME_DIR names no private folder to use instead; point XDG_CACHE_HOME on the remote at a folder where they can",
                    "runtime folder \(runtime ?? "unset")")
            #expect(!run.finish().contains("GHNET-BOOT send"), "the agent is not sent where it could not run")
        }
        for folder in [shared, elsewhere] {
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("gh-net").path), "nothing is made there")
        }
    }

    @Test func refusesACorruptedTransfer() throws {
        let script = Self.script(for: Self.fakeAgent)
        var run = try Run(stubs: [:])
        run.send(Array(script.text.utf8))
        _ = run.line(startingWith: "GHNET-BOOT send")
        var corrupted = Self.fakeAgent
        corrupted[0] ^= 0xFF
        run.send(corrupted)
        let error = run.line(startingWith: "GHNET-BOOT error")
        #expect(error?.hasPrefix("GHNET-BOOT error hash the agent arrived corrupted") == true)
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: run.dir.appendingPathComponent("cache/gh-net").path)) ?? []
        #expect(leftovers.isEmpty, "nothing half-written stays in the cache: \(leftovers)")
        _ = run.finish()
    }

    @Test(arguments: [
        (["uname": "[ \"$1\" = -s ] && echo Darwin || echo x86_64"], 17, "GHNET-BOOT error os the remote runs Darwin"),
        (["uname": "[ \"$1\" = -m ] && echo riscv64 || echo Linux"], 17, "GHNET-BOOT error arch the remote CPU is riscv64"),
        (["getconf": "echo glibc 2.17"], 99, "GHNET-BOOT error libc the remote C library is glibc 2.17; this gh-net build needs glibc 2.99 or newer"),
        (["getconf": "exit 1"], 17, "GHNET-BOOT error libc the remote C library is not glibc"),
        (["df": "printf 'Filesystem 1K-blocks Used Available Use%% Mounted\\n/dev/x 100 90 10 90%% /\\n'"], 17, "GHNET-BOOT error space no space left for the agent"),
        (["id": "echo 1000", "sudo": "exit 1"], 17, "GHNET-BOOT error sudo sudo on the remote asks for a password"),
    ])
    func reportsFailedChecksClearly(stubs: [String: String], glibcMinor: Int, expected: String) throws {
        let script = Self.script(for: Self.fakeAgent, glibc: GlibcVersion(major: 2, minor: glibcMinor))
        var run = try Run(stubs: stubs)
        run.send(Array(script.text.utf8))
        var error: String?
        while let line = run.line(startingWith: "GHNET-BOOT"), error == nil {
            if line.hasPrefix("GHNET-BOOT send") { run.send(Self.fakeAgent) }
            if line.hasPrefix("GHNET-BOOT error") { error = line }
            if line.hasPrefix("GHNET-BOOT exec") { break }
            run.received.removeFirst(run.received.firstIndex(of: 0x0A).map { $0 + 1 } ?? 0)
        }
        #expect(error?.hasPrefix(expected) == true, "got \(error ?? "no error line")")
        #expect(!run.finish().contains("AGENT-RAN"), "a failed check never starts the agent")
    }

    @Test func refusesARemoteWithoutTheTunDevice() throws {
        let script = Self.script(for: Self.fakeAgent, tunDevice: "/dev/net/no-such-tun")
        var run = try Run(stubs: [:])
        run.send(Array(script.text.utf8))
        let error = run.line(startingWith: "GHNET-BOOT error")
        #expect(error?.hasPrefix("GHNET-BOOT error tun the remote has no /dev/net/no-such-tun") == true, "got \(error ?? "no error line")")
        #expect(!run.finish().contains("AGENT-RAN"), "a failed check never starts the agent")
    }

    @Test func findsTheGlibcRequirementOfThisBuild() throws {
        let identity = try ExecutableIdentity.current()
        #expect(identity.size > 0 && identity.sha256.count == 64)
        let need = try #require(identity.requiredGlibc, "a dynamically linked build needs some glibc")
        #expect(need >= GlibcVersion(major: 2, minor: 2))
        var scanner = GlibcRequirementScanner()
        for chunk in [Data("xxGLIBC_2.3".utf8), Data("4\0GLIBC_2.17\0GLIBC_2.2.5\0".utf8)] { scanner.scan(chunk) }
        #expect(scanner.highest == GlibcVersion(major: 2, minor: 34))
    }
}
