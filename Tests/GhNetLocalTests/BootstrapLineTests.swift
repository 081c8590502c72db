import Testing
@testable import GhNetLocal

@Suite struct BootstrapLineTests {
    @Test func parsesEveryStep() throws {
        #expect(try BootstrapLine.parse("GHNET-BOOT cached /root/.cache/gh-net/x") == .cached(path: "/root/.cache/gh-net/x"))
        #expect(try BootstrapLine.parse("GHNET-BOOT send 1234") == .send(size: 1234))
        #expect(try BootstrapLine.parse("GHNET-BOOT stored /p") == .stored(path: "/p"))
        #expect(try BootstrapLine.parse("GHNET-BOOT exec sudo") == .exec(how: "sudo"))
        #expect(try BootstrapLine.parse("GHNET-BOOT error libc the remote C library is glibc 2.17") ==
                .error(code: "libc", message: "the remote C library is glibc 2.17"))
        #expect(try BootstrapLine.parse("Welcome to Ubuntu") == nil)
    }

    @Test(arguments: ["GHNET-BOOT send", "GHNET-BOOT send -1", "GHNET-BOOT send x", "GHNET-BOOT error", "GHNET-BOOT bogus 1"])
    func rejectsMalformedMarkedLines(line: String) {
        #expect(throws: BootstrapLine.Malformed.self) { try BootstrapLine.parse(Substring(line)) }
    }
}

@Suite struct AgentDeliveryStateMachineTests {
    @Test func cachedPath() {
        var m = AgentDeliveryStateMachine(executableSize: 10)
        #expect(m.received(.cached(path: "/x")) == .none)
        #expect(m.received(.exec(how: "root")) == .agentStarted(cached: true, how: "root"))
        #expect(m.state == .started)
        #expect(m.endOfStream() == .none)
    }

    @Test func sendPath() {
        var m = AgentDeliveryStateMachine(executableSize: 10)
        #expect(m.received(.send(size: 10)) == .sendExecutable)
        #expect(m.state == .sending)
        #expect(m.received(.stored(path: "/x")) == .none)
        #expect(m.received(.exec(how: "sudo")) == .agentStarted(cached: false, how: "sudo"))
    }

    @Test func remoteErrorsFailAtAnyStep() {
        var m = AgentDeliveryStateMachine(executableSize: 10)
        _ = m.received(.send(size: 10))
        #expect(m.received(.error(code: "space", message: "full")) == .fail(.remoteCheck(code: "space", message: "full")))
        #expect(m.state == .failed)
        #expect(m.received(.exec(how: "root")) == .none)
    }

    @Test func refusesWrongSizeAndOrder() {
        var a = AgentDeliveryStateMachine(executableSize: 10)
        guard case .fail(.protocolViolation) = a.received(.send(size: 11)) else { Issue.record("size accepted"); return }
        var b = AgentDeliveryStateMachine(executableSize: 10)
        guard case .fail(.protocolViolation) = b.received(.exec(how: "root")) else { Issue.record("exec before status"); return }
        var c = AgentDeliveryStateMachine(executableSize: 10)
        _ = c.received(.cached(path: "/x"))
        guard case .fail(.protocolViolation) = c.received(.stored(path: "/x")) else { Issue.record("stored after cached"); return }
    }

    @Test func endOfStreamBeforeStartFails() {
        var m = AgentDeliveryStateMachine(executableSize: 10)
        _ = m.received(.cached(path: "/x"))
        #expect(m.endOfStream() == .fail(.transportEnded))
    }
}
