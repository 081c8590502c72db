import Foundation
import Testing
@testable import GhNetTCP

/// The state machine against a model of the app's kernel over lossy, duplicating, reordering
/// links, with a bridge that reads at its own pace: byte-exact delivery both ways, clean
/// teardown, and bounded buffers at every step. Every failure names its seed; rerun one with
/// `Simulation(SimulationScenario(seed: N)).run()`.
@Suite struct SimulationTests {
    @Test func randomScenarios() async {
        let outcomes = await run((0..<UInt64(64)).map { SimulationScenario(seed: $0) })
        // The scenarios must reach every state and the paths worth testing, or they prove little.
        let states = outcomes.reduce(into: Set<TCPState>()) { $0.formUnion($1.outcome.states) }
        let expected: [TCPState] = [
            .awaitingOpen, .synReceived, .established, .closeWait, .lastAck, .finWait1, .finWait2, .closing, .timeWait,
        ]
        #expect(expected.allSatisfy(states.contains), "states never reached: \(expected.filter { !states.contains($0) })")
        #expect(outcomes.contains { $0.outcome.fastRecovery }, "no scenario went through fast recovery")
        #expect(outcomes.contains { $0.outcome.persist }, "no scenario ran the persist timer")
        #expect(outcomes.contains { $0.outcome.outOfOrder }, "no scenario held out-of-order data")
    }

    @Test func oneMegabyteEachWay() async {
        _ = await run((1000..<UInt64(1004)).map { SimulationScenario(seed: $0, bytes: 1 << 20) })
    }

    /// Runs the scenarios and expects each to succeed. They run on a thread of their own, not as
    /// tasks: half a minute of pure computation on Swift's cooperative pool (two threads on a
    /// two-core machine) would stall every other suite running in parallel, and their timeouts.
    private func run(_ scenarios: [SimulationScenario]) async -> [(scenario: SimulationScenario, outcome: Simulation.Outcome)] {
        let outcomes = await withCheckedContinuation { (continuation: CheckedContinuation<[(SimulationScenario, Simulation.Outcome)], Never>) in
            Thread {
                continuation.resume(returning: scenarios.map { scenario in
                    var simulation = Simulation(scenario)
                    return (scenario, simulation.run())
                })
            }.start()
        }
        for (scenario, outcome) in outcomes.sorted(by: { $0.0.seed < $1.0.seed }) {
            #expect(outcome.failures.isEmpty, "\(scenario)\n\(outcome.failures.prefix(5).joined(separator: "\n"))")
        }
        return outcomes.map { (scenario: $0.0, outcome: $0.1) }
    }
}
