import GhNetLocal
import GhNetUI
import Logging
import Testing
@testable import GhNetTerminal

@Suite struct ViewModelSnapshotTests {
    private let monitor = ActivityMonitor(logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))

    @Test func theModelCarriesTheMonitorsRecordsAndLookups() {
        let flow = monitor.opened(.tcp, source: "198.18.0.2:40000", destination: "198.18.2.10:80", state: .open)
        monitor.carried(flow, up: 10)
        monitor.answered(.init(name: "db.corp.example", type: "A", outcome: "NOERROR", answers: ["198.18.2.10"], ttl: 300, at: .now))
        let snapshot = monitor.snapshot(maxFlows: 10, maxLookups: 10)
        let since = snapshot.taken - .seconds(75)
        let model = ViewModel(snapshot: snapshot, link: .connected(since: since), stopping: false, target: "root@cs",
                              rate: (5, 6), lastWarning: "tcp: careful", logPath: "/tmp/x.log")
        #expect(model.state == "connected")
        #expect(model.uptime == .seconds(75))
        #expect(model.totals == .init(up: 10, down: 0))
        #expect(model.rate == .init(up: 5, down: 6))
        #expect(model.flows.count == 1)
        #expect(model.flows[0].proto == "TCP" && model.flows[0].state == "open" && model.flows[0].bytes.up == 10)
        #expect(model.flows[0].upAgo != nil && model.flows[0].downAgo == nil)
        #expect(model.lookups.map(\.name) == ["db.corp.example"])
        #expect(model.lastWarning == "tcp: careful" && model.logPath == "/tmp/x.log" && model.target == "root@cs")
    }

    @Test func stoppingAndEndedStatesShow() {
        let snapshot = monitor.snapshot(maxFlows: 1, maxLookups: 1)
        let stopping = ViewModel(snapshot: snapshot, link: .connected(since: snapshot.taken), stopping: true, target: "t", rate: (0, 0),
                                 lastWarning: nil, logPath: nil)
        #expect(stopping.state == "stopping" && !stopping.quitAgainStopsAtOnce)
        let insistable = ViewModel(snapshot: snapshot, link: .connected(since: snapshot.taken), stopping: true, quitAgainStopsAtOnce: true,
                                   target: "t", rate: (0, 0), lastWarning: nil, logPath: nil)
        #expect(insistable.state == "stopping" && insistable.quitAgainStopsAtOnce)
        let ended = ViewModel(snapshot: snapshot, link: .ended, stopping: true, quitAgainStopsAtOnce: true, target: "t", rate: (0, 0),
                              lastWarning: nil, logPath: nil)
        #expect(ended.state == "disconnected" && ended.uptime == .zero)
        #expect(!ended.quitAgainStopsAtOnce, "once ended there is nothing left to wait for")
        let running = ViewModel(snapshot: snapshot, link: .connected(since: snapshot.taken), stopping: false, quitAgainStopsAtOnce: true,
                                target: "t", rate: (0, 0), lastWarning: nil, logPath: nil)
        #expect(!running.quitAgainStopsAtOnce, "only while stopping")
    }

    @Test func reconnectingShowsTheAttempt() {
        let snapshot = monitor.snapshot(maxFlows: 1, maxLookups: 1)
        let first = ViewModel(snapshot: snapshot, link: .reconnecting(attempt: 1), stopping: false, target: "t", rate: (0, 0),
                              lastWarning: nil, logPath: nil)
        #expect(first.state == "reconnecting" && first.uptime == .zero)
        let third = ViewModel(snapshot: snapshot, link: .reconnecting(attempt: 3), stopping: false, target: "t", rate: (0, 0),
                              lastWarning: nil, logPath: nil)
        #expect(third.state == "reconnecting (attempt 3)")
        let quitting = ViewModel(snapshot: snapshot, link: .reconnecting(attempt: 3), stopping: true, target: "t", rate: (0, 0),
                                 lastWarning: nil, logPath: nil)
        #expect(quitting.state == "stopping")
    }
}
