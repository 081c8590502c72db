import ArgumentParser
import Testing
@testable import GhNetCLI
@testable import GhNetLocal

@Suite struct StartCommandParsingTests {
    func parse(_ arguments: [String]) throws -> StartCommand {
        let command = try GhNetCommand.parseAsRoot(arguments)
        return try #require(command as? StartCommand)
    }

    @Test func startIsTheDefaultCommand() throws {
        let start = try parse(["--ssh", "root@cs:2222"])
        #expect(start.ssh == (try SSHDestination(parsing: "root@cs:2222")))
        #expect(start.trace == .info && start.gui == nil && start.dns == nil)
    }

    @Test func takesTheOriginalsOptionForms() throws {
        let start = try parse(["start", "-c", "my-space", "--gui", "false", "--trace", "debug", "--trace-dest", "/tmp/x.log",
                               "--dns", "true", "--route", "198.18.0.0/15", "--route", "2001:db8::/32",
                               "--exclude", "198.19.0.0/16", "--dns-domain", "Corp.Example.", "--dns-domain", "lab.test"])
        #expect(start.codespace == "my-space")
        #expect(start.gui == .false && start.dns == .true && start.trace == .debug && start.traceDest == "/tmp/x.log")
        #expect(start.route.map(\.description) == ["198.18.0.0/15", "2001:db8::/32"])
        #expect(start.exclude.map(\.description) == ["198.19.0.0/16"])
        #expect(start.dnsDomain.map(\.name) == ["corp.example", "lab.test"])
    }

    @Test(arguments: [
        ["--gui", "yes"], ["--trace", "loud"], ["--route", "198.18.0.1/15"], ["--route", "nonsense"],
        ["--ssh", "a", "--via", "b"], ["-c", "x", "--ssh", "y"], ["--via", "'unbalanced"], ["--via", ""],
        ["--dns-domain", "bad..name"], ["--dns-domain", "-x.example"], ["--ssh", "host:0"], ["--unknown"],
        ["start", "extra-positional"],
    ])
    func rejectsBadArguments(arguments: [String]) {
        #expect(throws: (any Error).self) { try GhNetCommand.parseAsRoot(arguments) }
        #expect(GhNetCommand.exitCode(for: CleanExit.helpRequest()) == .success)
    }

    @Test func agentIsHiddenFromHelp() {
        let help = GhNetCommand.helpMessage()
        #expect(help.contains("start") && help.contains("demo") && help.contains("version"))
        #expect(!help.contains("\n  agent "), "the agent subcommand is not listed")
    }

    @Test func domainNamesAreValidated() {
        #expect(DNSDomain(argument: "a-b.example")?.name == "a-b.example")
        #expect(DNSDomain(argument: String(repeating: "a", count: 64) + ".example") == nil)
        #expect(DNSDomain(argument: "") == nil)
        #expect(DNSDomain(argument: "x_y.example") != nil)
    }
}

@Suite struct UDPOptionTests {
    @Test func defaultsAndBounds() throws {
        let start = try #require(try GhNetCommand.parseAsRoot(["--ssh", "h"]) as? StartCommand)
        #expect(start.udpTimeout == 60 && start.udpFlows == 4096)
        let custom = try #require(try GhNetCommand.parseAsRoot(["--ssh", "h", "--udp-timeout", "5", "--udp-flows", "10"]) as? StartCommand)
        #expect(custom.udpTimeout == 5 && custom.udpFlows == 10)
        for bad in [["--udp-timeout", "0"], ["--udp-flows", "0"], ["--udp-timeout", "x"]] {
            #expect(throws: (any Error).self) { try GhNetCommand.parseAsRoot(["--ssh", "h"] + bad) }
        }
    }
}

@Suite struct ReconnectOptionTests {
    @Test func onUnlessSwitchedOff() throws {
        let start = try #require(try GhNetCommand.parseAsRoot(["--ssh", "h"]) as? StartCommand)
        #expect(start.reconnect == nil, "unset means on")
        let off = try #require(try GhNetCommand.parseAsRoot(["--ssh", "h", "--reconnect", "false"]) as? StartCommand)
        #expect(off.reconnect?.isOn == false)
        #expect(throws: (any Error).self) { try GhNetCommand.parseAsRoot(["--ssh", "h", "--reconnect", "sometimes"]) }
    }
}

@Suite struct ResumeGraceOptionTests {
    @Test func threeMinutesUnlessSetWithinADay() throws {
        let start = try #require(try GhNetCommand.parseAsRoot(["--ssh", "h"]) as? StartCommand)
        #expect(start.resumeGrace == 180)
        let off = try #require(try GhNetCommand.parseAsRoot(["--ssh", "h", "--resume-grace", "0"]) as? StartCommand)
        #expect(off.resumeGrace == 0)
        for bad in ["-1", "86401", "soon"] {
            #expect(throws: (any Error).self) { try GhNetCommand.parseAsRoot(["--ssh", "h", "--resume-grace", bad]) }
        }
    }
}

/// The agent's options the local side passes.
@Suite struct AgentCommandParsingTests {
    @Test func aRunIsOneToThirtyTwoHexDigits() throws {
        let agent = try #require(try GhNetCommand.parseAsRoot(["agent", "--run", "9f3a", "--reconnecting"]) as? AgentCommand)
        #expect(agent.run == "9f3a" && agent.reconnecting)
        for bad in ["", "xyz", String(repeating: "a", count: 33), "12 34"] {
            #expect(throws: (any Error).self) { try GhNetCommand.parseAsRoot(["agent", "--run", bad]) }
        }
    }

    @Test func reconnectingNamesTheRun() {
        #expect(throws: (any Error).self) { try GhNetCommand.parseAsRoot(["agent", "--reconnecting"]) }
    }
}
