import GhNetCore
import Logging
import NIOCore

/// Drains the transport's stderr: every line goes to the log (an agent log line keeps its
/// own level) and into a ``LineTail``. A line longer than 4 KiB is cut there, so a child that
/// never prints a newline cannot grow memory.
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
        tail.append(line)
        let parsed = RemoteLogLine(line)
        logger.log(level: parsed.level, "\(parsed.message)")
    }
}

/// A line from the remote's stderr: an agent log line (`<time> <level> <label>: <text>`)
/// keeps its level and drops its timestamp; anything else (ssh's own messages) is `info`.
struct RemoteLogLine {
    let level: Logger.Level
    let message: String

    init(_ line: String) {
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        if parts.count == 3, parts[0].count >= 20, parts[0].hasSuffix("Z"),
           let level = TraceLevel(rawValue: String(parts[1])), let mapped = level.loggerLevel {
            self.level = mapped
            self.message = String(parts[2].drop { $0 == " " })
        } else {
            self.level = .info
            self.message = line
        }
    }
}
