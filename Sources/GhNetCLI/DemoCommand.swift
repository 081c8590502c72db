import ArgumentParser
import Foundation
import GhNetCore
import Subprocess
import SystemPackage

/// `gh-net demo`: the bridge with no codespace. It builds throwaway network namespaces on this
/// machine (a codespace, a laptop, a corp network behind the laptop's "VPN", an internet router)
/// with the project's test-hosts script, runs the real `gh-net start` in the laptop namespace
/// against the codespace's sshd, prints what to try, and removes everything on exit.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Try gh-net on this machine alone: bridges throwaway network namespaces (Linux, root).",
        discussion: """
        Needs root (network namespaces), iproute2, openssh-server, dnsmasq and python3. It finds \
        scripts/testhosts.sh next to the build (or set GHNET_TESTHOSTS to its path). Everything \
        it creates is removed when the bridge ends (Ctrl-C).
        """
    )

    @Option(help: ArgumentHelp("Log verbosity of the bridge.", valueName: "none|trace|debug|info|warn|error"))
    var trace: String = "info"

    func run() async throws {
        guard geteuid() == 0 else { throw Failure("the demo builds network namespaces and needs root: sudo gh-net demo") }
        let script = try Self.locateTestHosts()
        let ownExecutable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        print("gh-net demo: building the test network (about 5 seconds)…")
        let up = try await Subprocess.run(.path(FilePath(script)), arguments: ["up"], output: .string(limit: 4096), error: .currentStandardError)
        guard up.terminationStatus.isSuccess, let envFile = Optional(up.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)), !envFile.isEmpty else {
            throw Failure("could not build the demo network (\(script) up failed; see above)")
        }
        defer {
            print("gh-net demo: removing the demo network…")
            let down = Foundation.Process()
            down.executableURL = URL(fileURLWithPath: script)
            down.arguments = ["down", envFile]
            try? down.run()
            down.waitUntilExit()
        }
        let hosts = try DemoHosts(envFile: envFile)
        print(hosts.instructions)
        if isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 {
            // The live view fills the terminal: give the user time to note the commands first.
            print("Press Enter to start the bridge and its live view (q quits it)…", terminator: "")
            fflush(nil)
            _ = readLine()
        }
        // Ctrl-C at the terminal reaches the bridge too (same process group) and stops it cleanly;
        // SIGTERM and SIGHUP sent to the demo are passed on. Either way this process waits for the
        // bridge and then tears the network down.
        let stop = StopSignals()
        let bridge = try await Subprocess.run(
            .path("/usr/bin/env"),
            arguments: Arguments(["ip", "netns", "exec", hosts.laptopNamespace, ownExecutable, "start",
                                  "--ssh", "root@\(hosts.codespaceAddress)", "--trace", trace]),
            environment: .inherit.updating(["GHNET_SSH_COMMAND": "ssh -F \(hosts.sshConfig)"]),
            input: .currentStandardInput, output: .currentStandardOutput, error: .currentStandardError
        ) { execution in
            let pid = execution.processIdentifier.value
            Task {
                if let signal = await stop.wait(), signal != SIGINT { kill(pid, signal) }
            }
        }
        print("gh-net demo: the bridge ended (\(bridge.terminationStatus)).")
    }

    /// The test-hosts script: `$GHNET_TESTHOSTS`, or `scripts/testhosts.sh` above the executable
    /// (a build in `.build/…` of a checkout), or under the working directory.
    static func locateTestHosts() throws -> String {
        if let given = ProcessInfo.processInfo.environment["GHNET_TESTHOSTS"] { return given }
        var candidates: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
            for _ in 0..<5 {
                candidates.append(dir.appendingPathComponent("scripts/testhosts.sh"))
                dir = dir.deletingLastPathComponent()
            }
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("scripts/testhosts.sh"))
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) {
            return found.path
        }
        throw Failure("cannot find scripts/testhosts.sh; run the demo from a gh-net checkout or set GHNET_TESTHOSTS")
    }
}

/// The parts of the test-hosts env file the demo needs.
struct DemoHosts {
    let laptopNamespace: String
    let codespaceNamespace: String
    let codespaceAddress: String
    let sshConfig: String
    let corpAddress: String

    init(envFile: String) throws {
        let text = try String(contentsOfFile: envFile, encoding: .utf8)
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let body = line.hasPrefix("export ") ? line.dropFirst(7) : line[...]
            guard let eq = body.firstIndex(of: "=") else { continue }
            var value = String(body[body.index(after: eq)...])
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            if value.hasPrefix("'"), value.hasSuffix("'"), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            values[String(body[..<eq])] = value
        }
        func need(_ key: String) throws -> String {
            guard let value = values[key], !value.isEmpty else { throw Failure("the test-hosts env file \(envFile) lacks \(key)") }
            return value
        }
        laptopNamespace = try need("GHNET_NS_LAPTOP")
        codespaceNamespace = try need("GHNET_NS_CS")
        codespaceAddress = try need("GHNET_CS_IP4")
        sshConfig = try need("GHNET_SSH_CONFIG")
        corpAddress = try need("GHNET_CORP_IP4")
    }

    /// What the user can try in another terminal while the bridge runs.
    var instructions: String {
        """

        The demo network is up:
          codespace  \(codespaceNamespace)  (\(codespaceAddress); runs sshd)
          laptop     \(laptopNamespace)  (runs gh-net start; reaches corp over its "VPN")
          corp       \(corpAddress) web server, echo servers, DNS for corp.example

        The bridge starts now: watch the agent being delivered, the handshake and the routes.
        Then, in another terminal (as root), from the codespace:
          ip netns exec \(codespaceNamespace) ping -c 3 \(corpAddress)
          ip netns exec \(codespaceNamespace) ping -6 -c 3 2001:db8:2::10
          echo hi | ip netns exec \(codespaceNamespace) python3 -c "import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(3); s.sendto(sys.stdin.buffer.read(),('\(corpAddress)',7)); print(s.recv(99))"
          ip netns exec \(codespaceNamespace) curl http://\(corpAddress)/
          ip netns exec \(codespaceNamespace) ip route     (the routes through ghnet0)
          ip netns exec \(codespaceNamespace) curl http://db.corp.example/     (a name only the laptop resolves)
          ip netns exec \(codespaceNamespace) dig MX corp.example
          ip netns exec \(codespaceNamespace) cat /etc/resolv.conf     (restored when the bridge stops)
        Press q (in the live view) or Ctrl-C to stop; everything is removed.

        """
    }
}
