import Logging
import Testing
@testable import GhNetLocal

@Suite struct ActivityMonitorTests {
    private func monitor(capacity: Int = 100) -> ActivityMonitor {
        ActivityMonitor(capacity: capacity, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    @Test func recordsAreNewestFirstWithTheirBytesAndTotals() {
        let activity = monitor()
        let first = activity.opened(.tcp, source: "198.18.0.2:40000", destination: "198.18.2.10:80", state: .connecting)
        let second = activity.opened(.udp, source: "198.18.0.2:5353", destination: "198.18.2.10:7", state: .active)
        activity.changed(first, to: .open)
        activity.carried(first, up: 100)
        activity.carried(first, down: 5000)
        activity.carried(second, up: 7)
        let snapshot = activity.snapshot(maxFlows: 10, maxLookups: 10)
        #expect(snapshot.flows.map(\.proto) == [.udp, .tcp])
        #expect(snapshot.flows[1].state == .open)
        #expect(snapshot.flows[1].bytesUp == 100)
        #expect(snapshot.flows[1].bytesDown == 5000)
        #expect(snapshot.flows[1].lastUp != nil && snapshot.flows[1].lastDown != nil)
        #expect(snapshot.flows[0].lastDown == nil)
        #expect(snapshot.totalUp == 107)
        #expect(snapshot.totalDown == 5000)
        #expect(snapshot.flowCount == 2)
    }

    @Test func snapshotCutsToTheNumberAsked() {
        let activity = monitor(capacity: 20_000)
        for port in 0..<10_000 {
            _ = activity.opened(.tcp, source: "198.18.0.2:\(port)", destination: "198.18.2.10:80", state: .open)
        }
        let snapshot = activity.snapshot(maxFlows: 20, maxLookups: 0)
        #expect(snapshot.flows.count == 20)
        #expect(snapshot.flowCount == 10_000)
        #expect(snapshot.flows.first?.source == "198.18.0.2:9999")
    }

    @Test func anEndedRecordLingersThenGoes() {
        let activity = monitor()
        let flow = activity.opened(.tcp, source: "a", destination: "b", state: .open)
        activity.ended(flow, as: .closed)
        activity.ended(flow, as: .reset)
        activity.changed(flow, to: .open)
        activity.sweep()
        #expect(activity.snapshot(maxFlows: 5, maxLookups: 0).flows.map(\.state) == [.closed])
        activity.sweep(now: .now + ActivityMonitor.linger(after: .closed) + .milliseconds(10))
        #expect(activity.snapshot(maxFlows: 5, maxLookups: 0).flowCount == 0)
        // Reports for a record that is gone change nothing.
        activity.carried(flow, up: 10)
        #expect(activity.snapshot(maxFlows: 5, maxLookups: 0).flowCount == 0)
        #expect(activity.snapshot(maxFlows: 5, maxLookups: 0).totalUp == 10)
    }

    @Test func aFailureIsOneEndedRecord() {
        let activity = monitor()
        activity.failed(.udp, source: "a", destination: "b", reason: "blocked")
        let flows = activity.snapshot(maxFlows: 5, maxLookups: 0).flows
        #expect(flows.map(\.state) == [.failed("blocked")])
        activity.sweep(now: .now + ActivityMonitor.linger(after: .failed("blocked")) + .milliseconds(10))
        #expect(activity.snapshot(maxFlows: 5, maxLookups: 0).flowCount == 0)
    }

    @Test func aFullTablePushesOutTheOldestEndedRecordFirst() {
        let activity = monitor(capacity: 3)
        let a = activity.opened(.tcp, source: "a", destination: "x", state: .open)
        let b = activity.opened(.tcp, source: "b", destination: "x", state: .open)
        _ = activity.opened(.tcp, source: "c", destination: "x", state: .open)
        activity.ended(b, as: .closed)
        _ = activity.opened(.tcp, source: "d", destination: "x", state: .open)
        #expect(activity.snapshot(maxFlows: 10, maxLookups: 0).flows.map(\.source) == ["d", "c", "a"])
        _ = activity.opened(.tcp, source: "e", destination: "x", state: .open)
        #expect(activity.snapshot(maxFlows: 10, maxLookups: 0).flows.map(\.source) == ["e", "d", "c"])
        // The flow pushed out still counts toward the totals.
        activity.carried(a, up: 3)
        #expect(activity.snapshot(maxFlows: 10, maxLookups: 0).totalUp == 3)
    }

    @Test func lookupsAreNewestFirstAndBounded() {
        let activity = monitor()
        for n in 0..<(ActivityMonitor.lookupCapacity + 10) {
            activity.answered(.init(name: "host\(n).corp.example", type: "A", outcome: "NOERROR", answers: ["198.18.2.10"], ttl: 60, at: .now))
        }
        let lookups = activity.snapshot(maxFlows: 0, maxLookups: 1000).lookups
        #expect(lookups.count == ActivityMonitor.lookupCapacity)
        #expect(lookups.first?.name == "host\(ActivityMonitor.lookupCapacity + 9).corp.example")
        #expect(lookups.last?.name == "host10.corp.example")
    }
}
