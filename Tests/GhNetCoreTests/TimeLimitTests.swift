import Testing
@testable import GhNetCore

@Suite struct TimeLimitTests {
    @Test func aQuickOperationGivesItsResult() async {
        #expect(await withTimeLimit(.seconds(10)) { 42 } == 42)
    }

    @Test func aSlowOneGivesNilAndIsCancelled() async {
        let start = ContinuousClock.now
        let result: Int? = await withTimeLimit(.milliseconds(50)) {
            try? await Task.sleep(for: .seconds(30))
            return Task.isCancelled ? nil : 1
        }
        #expect(result == nil)
        #expect(ContinuousClock.now - start < .seconds(10), "the slow operation was cancelled, not waited for")
    }
}
