import Foundation
import Testing
@testable import GhNetCore

/// The open-file limit goes up to what the flow tables need, within the hard limit.
@Suite struct DescriptorLimitTests {
    @Test func theSoftLimitRisesToTheHardOneAtMostToWhatIsWanted() {
        #expect(DescriptorLimit.target(soft: 1024, hard: 524_288) == DescriptorLimit.wanted)
        #expect(DescriptorLimit.target(soft: 1024, hard: 4096) == 4096)
        #expect(DescriptorLimit.target(soft: 100_000, hard: 1_048_576) == 100_000, "never lowered")
        #expect(DescriptorLimit.target(soft: 1024, hard: rlim_t.max) == DescriptorLimit.wanted)
    }

    @Test func raisingSetsTheProcessLimit() throws {
        let inForce = try #require(DescriptorLimit.raise())
        var limit = rlimit()
        #expect(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0)
        #expect(limit.rlim_cur == inForce && inForce == DescriptorLimit.target(soft: inForce, hard: limit.rlim_max))
    }
}
