import GhNetPackets
import Testing

@Suite("Drop counters")
struct PacketDropCountersTests {
    @Test func countsEachReasonSeparately() {
        var counters = PacketDropCounters()
        for (index, reason) in PacketError.allCases.enumerated() {
            for _ in 0...index { counters.record(reason) }
        }
        for (index, reason) in PacketError.allCases.enumerated() {
            #expect(counters[reason] == UInt64(index + 1))
        }
        #expect(counters.truncated == 1)
        #expect(counters.badTCPOption == UInt64(PacketError.allCases.count))
        let n = UInt64(PacketError.allCases.count)
        #expect(counters.total == n * (n + 1) / 2)
    }

    @Test func everyReasonDescribesItself() {
        let descriptions = PacketError.allCases.map(\.description)
        #expect(Set(descriptions).count == descriptions.count)
        #expect(PacketBuildError.invalidPacket(.fragment).description.contains("fragments"))
    }
}
