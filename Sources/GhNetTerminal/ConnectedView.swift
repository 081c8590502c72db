import GhNetCore
import GhNetLocal
import GhNetUI

/// The full-screen connected view: header, NAT panel, DNS panel and a status line, redrawn from
/// the monitor at most ``framesPerSecond`` times a second (and at once after a key or a resize),
/// writing only the cells that changed. `q`, ESC or Ctrl-C asks the session to stop; the view
/// ends when the session has.
public struct ConnectedView: Sendable {
    /// The redraw cap.
    public static let framesPerSecond = 5

    private let terminal: Terminal
    private let monitor: ActivityMonitor
    private let target: String
    private let logSink: LineLogHandler.Sink?
    private let logPath: String?
    private let stop: StopSignals

    public init(terminal: Terminal, monitor: ActivityMonitor, target: String, logSink: LineLogHandler.Sink?, logPath: String?,
                stop: StopSignals) {
        self.terminal = terminal
        self.monitor = monitor
        self.target = target
        self.logSink = logSink
        self.logPath = logPath
        self.stop = stop
    }

    /// Takes over the terminal until the session ends, then gives it back as it was.
    public func run() async throws {
        try terminal.enterFullScreen()
        defer { terminal.leaveFullScreen() }
        let input = TerminalInput()
        defer { input.stop() }
        let events = input.events
        let ticks = AsyncStream<Void> { continuation in
            let task = Task {
                while !Task.isCancelled {
                    continuation.yield()
                    try? await Task.sleep(for: .milliseconds(1000 / Self.framesPerSecond))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
        var screen: ScreenGrid?
        var meter = ThroughputMeter()
        var decoder = KeyDecoder()
        await withTaskGroup(of: Void.self) { group in
            let (wakeups, wake) = AsyncStream.makeStream(of: Wakeup.self, bufferingPolicy: .bufferingNewest(8))
            group.addTask {
                for await _ in ticks { wake.yield(.tick) }
            }
            group.addTask {
                for await event in events { wake.yield(.input(event)) }
            }
            for await wakeup in wakeups {
                if case .input(let event) = wakeup {
                    var keys: [Key] = []
                    switch event {
                    case .bytes(let bytes): keys = decoder.feed(bytes)
                    case .pause: keys = decoder.flush()
                    case .resized: screen = nil
                    }
                    if keys.contains(where: { [.character("q"), .character("Q"), .ctrlC, .escape].contains($0) }) {
                        stop.requestStop()
                    }
                }
                let link = monitor.link
                if link == .ended { break }
                let size = terminal.size
                let snapshot = monitor.snapshot(maxFlows: size.height, maxLookups: size.height)
                let rate = meter.record(up: snapshot.totalUp, down: snapshot.totalDown, at: snapshot.taken)
                let model = ViewModel(snapshot: snapshot, link: link, stopping: stop.requested != nil,
                                      quitAgainStopsAtOnce: stop.repeatWouldInsist, target: target, rate: rate,
                                      lastWarning: logSink?.lastWarning, logPath: logPath)
                let next = ConnectedLayout.render(model, width: size.width, height: size.height)
                terminal.write(ScreenDiff.update(from: screen, to: next))
                screen = next
            }
            group.cancelAll()
        }
    }

    /// Why the view wakes up.
    private enum Wakeup: Sendable {
        case tick
        case input(TerminalInput.Event)
    }
}
