import GhNetCore
import Logging
import NIOCore

/// Drains the transport's stderr: every line goes to the log (an agent log line keeps its
/// own level). The ``LineTail`` — the last words shown when the transport fails — gets ssh's own
/// lines and the agent's warnings and errors, not the agent's routine lines (those are in the
/// log already, and would push ssh's reason out). A line longer than 4 KiB is cut, so a child
/// that never prints a newline cannot grow memory.
final class StderrLineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let tail: LineTail
    private let logger: Logger
    private var pending: [UInt8] = []
    private static let maxLine = 4096

    init(tail: LineTail, logger: Logger) {
        self.tail = tail
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        for byte in buffer.readableBytesView {
            if byte == 0x0A {
                emit()
            } else if pending.count < StderrLineHandler.maxLine {
                pending.append(byte)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !pending.isEmpty { emit() }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelEvent, case .inputClosed = event as! ChannelEvent {
            if !pending.isEmpty { emit() }
            context.close(promise: nil)
        }
    }

    private func emit() {
        var line = String(decoding: pending, as: UTF8.self)
        pending.removeAll(keepingCapacity: true)
        if line.hasSuffix("\r") { line.removeLast() }
        guard !line.isEmpty else { return }
        let parsed = RemoteLogLine(line)
        if let kept = parsed.lastWords { tail.append(kept) }
        logger.log(level: parsed.level, "\(parsed.message)")
    }
}

/// A line from the remote's stderr: an agent log line (`<time> <level> <label>: <text>`)
/// keeps its level and drops its timestamp; anything else (ssh's own messages) is `info`.
struct RemoteLogLine {
    let level: Logger.Level
    let message: String
    /// True for an agent log line.
    let fromAgent: Bool

    /// What the line adds to the last words of a failed transport: ssh's lines as they are,
    /// the agent's warnings and errors without their timestamp, nothing for the agent's routine lines.
    var lastWords: String? {
        guard fromAgent else { return message }
        return level >= .warning ? message : nil
    }

    init(_ line: String) {
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        if parts.count == 3, parts[0].count >= 20, parts[0].hasSuffix("Z"),
           let level = TraceLevel(rawValue: String(parts[1])), let mapped = level.loggerLevel {
            self.level = mapped
            self.message = String(parts[2].drop { $0 == " " })
            self.fromAgent = true
        } else {
            self.level = .info
            self.message = line
            self.fromAgent = false
        }
    }
}
