import ArgumentParser
import GhNetAddress
import GhNetAgent
import GhNetCore
import Logging

/// `gh-net agent`: the remote side. The local side starts it over the transport; it speaks
/// frames on stdin/stdout and logs on stderr. Not meant to be run by hand.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "The remote side, started by `gh-net start` over the transport.",
        shouldDisplay: false
    )

    @Option(help: "Log verbosity (the local side passes its own).")
    var trace: TraceLevel = .info

    @Option(name: .customLong("transport-peer"), help: "The address the transport (SSH) connection comes from; never routed into the tunnel.")
    var transportPeer: IPAddress?

    @Option(name: .customLong("resume-grace"), help: "Seconds a session whose transport dropped is kept for the local side to come back.")
    var resumeGrace: Int = 180

    @Flag(name: .customLong("resume-only"), help: "Only take this transport to the agent that holds its session; never start a fresh one.")
    var resumeOnly = false

    @Option(help: "The gh-net run this agent serves (1-32 hex digits, drawn by the local side once per start).")
    var run: String?

    @Flag(help: "This transport reconnects its run: leave an agent of another run alone rather than take the codespace over.")
    var reconnecting = false

    func validate() throws {
        guard (0...86_400).contains(resumeGrace) else { throw ValidationError("--resume-grace must be 0-86400 seconds") }
        if let run, !(1...32).contains(run.count) || !run.allSatisfy(\.isHexDigit) {
            throw ValidationError("--run must be 1-32 hex digits")
        }
        if reconnecting && run == nil { throw ValidationError("--reconnecting needs --run") }
    }

    func run() async throws {
        try LogSetup.bootstrap(level: trace, destination: nil)
        let logger = Logger(label: "agent")
        do {
            try await AgentSession(logger: logger, traceLevel: trace, transportPeer: transportPeer,
                                   resumeGrace: .seconds(resumeGrace), resumeOnly: resumeOnly,
                                   run: run, reconnecting: reconnecting).run()
        } catch let error as AgentSessionError {
            logger.error("\(error)")
            throw ExitCode(error.exitCode)
        }
    }
}
