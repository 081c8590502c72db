import Testing
@testable import GhNetLocal

/// Lines from the transport's stderr: the agent's keep their level; the last words of a failed
/// transport are ssh's lines and the agent's warnings and errors, not its routine lines.
@Suite struct RemoteLogLineTests {
    @Test func anAgentLineKeepsItsLevelAndLosesItsTimestamp() {
        let line = RemoteLogLine("2026-12-07T13:34:25.740Z error agent: cannot set up the TUN device: EPERM")
        #expect(line.level == .error && line.message == "agent: cannot set up the TUN device: EPERM" && line.fromAgent)
        #expect(line.lastWords == "agent: cannot set up the TUN device: EPERM")
    }

    @Test func routineAgentLinesAreNotLastWords() {
        let line = RemoteLogLine("2026-12-07T13:34:25.745Z info  agent: routes: installed 4 via ghnet0")
        #expect(line.level == .info && line.fromAgent && line.lastWords == nil)
    }

    @Test func sshLinesAreLastWordsAsTheyAre() {
        let line = RemoteLogLine("Connection to 198.18.0.2 closed by remote host.")
        #expect(line.level == .info && !line.fromAgent)
        #expect(line.lastWords == "Connection to 198.18.0.2 closed by remote host.")
    }
}
