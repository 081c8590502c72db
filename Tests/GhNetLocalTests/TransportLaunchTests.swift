import Foundation
import Logging
import NIOCore
import NIOPosix
import Subprocess
import Testing
@testable import GhNetLocal

@Suite(.timeLimit(.minutes(1))) struct TransportLaunchTests {
    struct SpawnError: Error {}

    @Test("a spawn that failed before the launcher waited is still reported")
    func failureBeforeWaiting() async throws {
        let box = PidBox()
        box.fail(SpawnError())
        let never = Task<TerminationStatus, any Error> { try await Task.sleep(for: .seconds(3600)); throw SpawnError() }
        defer { never.cancel() }
        await #expect(throws: SpawnError.self) { try await box.wait(orFailureOf: never) }
    }

    @Test("the pid, whether it comes before or after the launcher waits")
    func pidBeforeAndAfterWaiting() async throws {
        let never = Task<TerminationStatus, any Error> { try await Task.sleep(for: .seconds(3600)); throw SpawnError() }
        defer { never.cancel() }
        let early = PidBox()
        early.set(41)
        #expect(try await early.wait(orFailureOf: never) == 41)
        let late = PidBox()
        Task { try await Task.sleep(for: .milliseconds(50)); late.set(42) }
        #expect(try await late.wait(orFailureOf: never) == 42)
    }

    @Test("a program that does not exist fails the launch with its name, without hanging")
    func missingProgram() async throws {
        for _ in 0..<20 {
            do {
                _ = try await TransportProcess.launch(argv: ["/nonexistent/gh-net-no-such-program"],
                                                      loop: MultiThreadedEventLoopGroup.singleton.next(), logger: Logger(label: "test"))
                Issue.record("a program that does not exist was launched")
            } catch let error as TransportProcess.LaunchFailed {
                #expect(error.program == "/nonexistent/gh-net-no-such-program")
            }
        }
    }

    @Test("a program is found on PATH; a missing one, or one that cannot run, is not")
    func locatesPrograms() throws {
        #expect(TransportProcess.locate("sh").map { $0.hasSuffix("/sh") } == true)
        #expect(TransportProcess.locate("gh-net-no-such-program") == nil)
        let plain = FileManager.default.temporaryDirectory.appendingPathComponent("gh-net-not-a-program-\(getpid())").path
        try Data("echo hi\n".utf8).write(to: URL(fileURLWithPath: plain))
        defer { unlink(plain) }
        chmod(plain, 0o644)
        #expect(TransportProcess.locate(plain) == nil)
        #expect(TransportProcess.locate("/bin/sh") == "/bin/sh")
    }

    @Test("the transport runs with SIGINT and SIGHUP ignored, so Ctrl-C or a closed terminal cannot cut the goodbye")
    func ignoresInterrupts() async throws {
        let transport = try await TransportProcess.launch(argv: ["sh", "-c", "grep SigIgn /proc/self/status"],
                                                          loop: MultiThreadedEventLoopGroup.singleton.next(), logger: Logger(label: "test"))
        var text = ""
        while let chunk = try await transport.link.readChunk() { text += String(buffer: chunk) }
        _ = await transport.stop(grace: .seconds(1))
        let mask = text.split(separator: "\t").last.flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) }
        for signal in [SIGINT, SIGHUP] {
            #expect(mask.map { $0 & (1 << (UInt64(signal) - 1)) != 0 } == true, "signal \(signal), SigIgn: \(text)")
        }
        #expect(mask.map { $0 & (1 << (UInt64(SIGTERM) - 1)) == 0 } == true, "SIGTERM still ends it")
    }

    @Test("a second stop ends the grace of a stop under way: a child that does not end by itself is not waited for")
    func stopWaitingEndsTheGrace() async throws {
        for hurryFirst in [false, true] {
            let transport = try await TransportProcess.launch(argv: ["sleep", "30"], loop: MultiThreadedEventLoopGroup.singleton.next(),
                                                              logger: Logger(label: "test"))
            await transport.link.close()
            if hurryFirst { transport.stopWaiting() }
            let started = ContinuousClock.now
            let stopping = Task { await transport.stop(grace: .seconds(20)) }
            if !hurryFirst {
                try await Task.sleep(for: .milliseconds(300))
                transport.stopWaiting()
            }
            let status = await stopping.value
            #expect(ContinuousClock.now - started < .seconds(5), "hurried before the stop: \(hurryFirst)")
            #expect(status == .signaled(SIGTERM), "ended by SIGTERM, not by the grace's end: \(String(describing: status))")
        }
    }
}
