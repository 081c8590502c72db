import Synchronization
import Testing
@testable import GhNetCore

@Suite struct TimeLimitTests {
    @Test func aQuickOperationGivesItsResult() async {
        #expect(await withTimeLimit(.seconds(10)) { 42 } == 42)
    }

    @Test func aSlowOneGivesNilAndIsCancelled() async {
        // No wall-clock assertion: a saturated test pool can delay any task by seconds.
        let sawCancellation = Mutex(false)
        let result: Int? = await withTimeLimit(.milliseconds(50)) {
            try? await Task.sleep(for: .seconds(30))
            sawCancellation.withLock { $0 = Task.isCancelled }
            return 1
        }
        #expect(result == nil)
        #expect(sawCancellation.withLock { $0 }, "the operation was cancelled once the time was up")
    }
}
