import Logging
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
}
