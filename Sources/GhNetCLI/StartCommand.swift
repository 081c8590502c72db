import ArgumentParser
import Foundation
import GhNetAddress
import GhNetCore
import GhNetLocal
import GhNetTerminal
import Logging

/// `gh-net start` (the default command): connect to the remote, start the agent there, and
/// bridge until the user quits or the link ends.
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Bridge a codespace or SSH host into this machine's networks (the default command).",
        discussion: """
        Give exactly one of --codespace, --ssh or --via. The remote needs Linux and root (or \
        passwordless sudo); gh-net delivers its own agent there. Press Ctrl-C to stop: the agent \
        removes everything it set up.

        The ssh program and its options can be set with GHNET_SSH_COMMAND (like GIT_SSH_COMMAND), \
        e.g. GHNET_SSH_COMMAND='ssh -F ./ssh_config'.
        """
    )

    @Option(name: [.customShort("c"), .long], help: ArgumentHelp("The codespace to bridge (as `gh codespace list` names it).", valueName: "name"))
    var codespace: String?

    @Option(help: ArgumentHelp("Bridge an SSH host instead of a codespace, with the system ssh.", valueName: "[user@]host[:port]"))
    var ssh: SSHDestination?

    @Option(help: ArgumentHelp("Reach the remote through any command prefix; gh-net appends the remote command, as it does for ssh (e.g. 'ip netns exec NS').", valueName: "command"))
    var via: String?

    @Option(help: ArgumentHelp("Full-screen view with NAT and DNS panels (true), or plain log lines (false). Default: true on a terminal.", valueName: "true|false"))
    var gui: Switch?

    @Option(help: ArgumentHelp("Log verbosity, on both sides.", valueName: "none|trace|debug|info|warn|error"))
    var trace: TraceLevel = .info

    @Option(name: .customLong("trace-dest"), help: ArgumentHelp("Write the log to this file instead of the terminal.", valueName: "file"))
    var traceDest: String?

    @Option(help: ArgumentHelp("Hook the remote's DNS so names only this machine resolves work there (default: true).", valueName: "true|false"))
    var dns: Switch?

    @Option(help: ArgumentHelp("Also bridge this prefix (repeatable), e.g. 10.20.0.0/16.", valueName: "cidr"))
    var route: [IPPrefix] = []

    @Option(help: ArgumentHelp("Never bridge this prefix (repeatable).", valueName: "cidr"))
    var exclude: [IPPrefix] = []

    @Option(name: .customLong("dns-domain"), help: ArgumentHelp("Resolve names under this domain with this machine's resolver only, skipping the remote's (repeatable).", valueName: "name"))
    var dnsDomain: [DNSDomain] = []

    @Option(name: .customLong("udp-timeout"), help: ArgumentHelp("Seconds a UDP or ping flow may stay idle before its NAT record is freed.", valueName: "seconds"))
    var udpTimeout: Int = 60

    @Option(help: ArgumentHelp("When a session that was up is lost, start a new one by itself, waiting 1 s, 2 s, 4 s… up to 30 s between attempts, until it is up again or you stop gh-net (default: true).", valueName: "true|false"))
    var reconnect: Switch?

    @Option(name: .customLong("resume-grace"), help: ArgumentHelp("Seconds the remote keeps a session whose connection dropped, so that its connections go on once gh-net reconnects; 0 resets them at every drop instead.", valueName: "seconds"))
    var resumeGrace: Int = 180

    @Option(name: .customLong("udp-flows"), help: ArgumentHelp("Most UDP flows kept at once; when full, idle flows go first, then the least recently used.", valueName: "count"))
    var udpFlows: Int = 4096

    func validate() throws {
        guard (1...86_400).contains(udpTimeout) else { throw ValidationError("--udp-timeout must be 1-86400 seconds") }
        guard (1...1_000_000).contains(udpFlows) else { throw ValidationError("--udp-flows must be 1-1000000") }
        guard (0...86_400).contains(resumeGrace) else { throw ValidationError("--resume-grace must be 0-86400 seconds") }
        let chosen = [codespace != nil, ssh != nil, via != nil].filter { $0 }.count
        guard chosen <= 1 else { throw ValidationError("give only one of --codespace, --ssh and --via") }
        if let via {
            guard let words = try? ShellWords.split(via), !words.isEmpty else {
                throw ValidationError("--via needs a command, with balanced quotes")
            }
        }
        if let codespace, codespace.isEmpty || codespace.hasPrefix("-") {
            throw ValidationError("--codespace needs a codespace name")
        }
    }

    func run() async throws {
        let stop = StopSignals()
        let sink: LineLogHandler.Sink?
        do {
            sink = try LogSetup.bootstrap(level: trace, destination: traceDest)
        } catch {
            throw Failure("\(error)", exitCode: 2)
        }
        let logger = Logger(label: "local")
        let interactive = Terminal.isInteractive
        var showView = gui?.isOn ?? interactive
        if showView && !interactive {
            logger.warning("--gui true needs a terminal on standard input and output; showing log lines")
            showView = false
        }

        let target: TransportTarget
        if let codespace {
            target = .codespace(name: codespace)
        } else if let ssh {
            target = .ssh(ssh)
        } else if let via {
            target = .via(try ShellWords.split(via))
        } else {
            guard let chosen = try await CodespaceSelection.choose(interactive: showView, stop: stop, logger: logger) else { return }
            target = .codespace(name: chosen)
        }

        var sshCommand = ["ssh"]
        if let custom = ProcessInfo.processInfo.environment["GHNET_SSH_COMMAND"], !custom.isEmpty {
            guard let words = try? ShellWords.split(custom), !words.isEmpty else {
                throw Failure("GHNET_SSH_COMMAND is not a valid command line: \(custom)", exitCode: 2)
            }
            sshCommand = words
        }
        let options = LocalSession.Options(target: target, sshCommand: sshCommand, traceLevel: trace, routes: route, excluded: exclude,
                                          udpIdleTimeout: .seconds(udpTimeout), udpFlowLimit: udpFlows,
                                          dns: dns?.isOn ?? true, dnsDomains: dnsDomain.map(\.description),
                                          reconnect: reconnect?.isOn ?? true, resumeGrace: .seconds(resumeGrace))
        let monitor = ActivityMonitor(logger: Logger(label: "nat"))
        let session = LocalSession(options: options, logger: logger, monitor: monitor)
        let running = Task { try await session.run(stop: stop) }
        if showView {
            try await showConnectedView(monitor: monitor, target: target, sink: sink, stop: stop, logger: logger)
        }
        do {
            // Said once the view has given the terminal back.
            if let parting = try await running.value { logger.warning("\(parting)") }
        } catch let error as LocalSessionError {
            throw Failure(error.description, exitCode: error.exitCode)
        }
    }

    /// Once connected (ssh's prompts, if any, are answered by then), the full-screen view runs
    /// until the session ends; meanwhile the log goes to the trace file, or to a default file.
    private func showConnectedView(monitor: ActivityMonitor, target: TransportTarget, sink: LineLogHandler.Sink?, stop: StopSignals,
                                   logger: Logger) async throws {
        while monitor.link == .connecting { try await Task.sleep(for: .milliseconds(50)) }
        guard case .connected = monitor.link else { return }
        var logPath = traceDest
        var logFile: Int32?
        if traceDest == nil, let sink {
            do {
                let path = LogFile.defaultPath()
                let fd = try LogSetup.openLogFile(path, truncate: true)
                sink.redirect(to: fd)
                (logFile, logPath) = (fd, path)
            } catch {
                logger.warning("\(error); the full-screen view will not show the log")
            }
        }
        func logToTerminalAgain() {
            guard let fd = logFile else { return }
            sink?.redirect(to: STDERR_FILENO)
            close(fd)
            logFile = nil
        }
        defer { logToTerminalAgain() }
        let view = ConnectedView(terminal: Terminal(), monitor: monitor, target: target.displayName, logSink: sink, logPath: logPath,
                                 stop: stop)
        do {
            try await view.run()
        } catch {
            logToTerminalAgain()
            logger.warning("\(error); showing log lines")
        }
    }
}
