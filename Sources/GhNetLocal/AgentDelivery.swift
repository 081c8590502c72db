import Foundation
import GhNetCore
import Logging
import NIOCore

/// Runs agent delivery over the transport's stdio: writes the ``BootstrapScript``, reads the
/// status lines, streams the executable when the remote asks for it, and returns once the
/// agent has started, with any bytes that already followed the `exec` line (the first frames).
struct AgentDelivery {
    /// How the start went, for the log and for measuring.
    struct Report {
        /// True when the remote already had this build.
        let cached: Bool
        /// `root` or `sudo`.
        let how: String
        /// Bytes received after the `exec` line: the start of the frame stream.
        let leftover: ByteBuffer
        /// Time from sending the script to the agent running.
        let elapsed: Duration
    }

    /// Non-marker output longer than this before the agent starts is cut (bounded memory).
    static let maxLineLength = 16 * 1024

    let identity: ExecutableIdentity
    let agentArguments: [String]
    let logger: Logger

    func run(link: FrameLink) async throws -> Report {
        let clock = ContinuousClock()
        let started = clock.now
        let script = BootstrapScript(
            sha256: identity.sha256, size: identity.size, machine: identity.machine,
            requiredGlibc: identity.requiredGlibc, agentArguments: agentArguments
        )
        await write(ByteBuffer(string: script.text), to: link)
        var machine = AgentDeliveryStateMachine(executableSize: identity.size)
        var pending = ByteBuffer()
        while true {
            while let newline = pending.readableBytesView.firstIndex(of: 0x0A) {
                let length = newline - pending.readerIndex
                let line = pending.readString(length: length) ?? ""
                pending.moveReaderIndex(forwardBy: 1)
                let action: AgentDeliveryStateMachine.Action
                do {
                    guard let parsed = try BootstrapLine.parse(Substring(line)) else {
                        logger.debug("remote said: \(line)")
                        continue
                    }
                    logger.debug("bootstrap: \(line)")
                    action = machine.received(parsed)
                } catch {
                    action = .fail(.protocolViolation(error.description))
                }
                switch action {
                case .none:
                    continue
                case .sendExecutable:
                    try await sendExecutable(link: link)
                case .agentStarted(let cached, let how):
                    pending.discardReadBytes()
                    return Report(cached: cached, how: how, leftover: pending, elapsed: clock.now - started)
                case .fail(let failure):
                    throw failure
                }
            }
            if pending.readableBytes > AgentDelivery.maxLineLength {
                logger.debug("remote printed a very long line before the agent started; cut")
                pending.clear()
            }
            // A read error is the transport ending, as far as delivery is concerned.
            guard var chunk = try? await link.readChunk() else {
                if case .fail(let failure) = machine.endOfStream() { throw failure }
                throw DeliveryFailure.transportEnded
            }
            pending.discardReadBytes()
            pending.writeBuffer(&chunk)
        }
    }

    /// Writes to the remote shell. A failed write (ssh exited: a broken pipe) is not reported
    /// here: reading goes on, so what the remote printed before it ended still decides the message.
    @discardableResult
    private func write(_ bytes: ByteBuffer, to link: FrameLink) async -> Bool {
        do {
            try await link.writeRaw(bytes)
            return true
        } catch {
            logger.debug("writing to the transport failed: \(error)")
            return false
        }
    }

    /// Streams the executable in 1 MiB pieces; each write waits for the pipe to take it.
    private func sendExecutable(link: FrameLink) async throws {
        logger.info("sending the agent to the remote (\(identity.size / 1_048_576) MiB, first start of this build there)")
        guard let handle = FileHandle(forReadingAtPath: identity.contentPath) else {
            throw DeliveryFailure.protocolViolation("cannot read own executable at \(identity.executablePath)")
        }
        defer { try? handle.close() }
        var sent = 0
        while sent < identity.size, let data = try handle.read(upToCount: min(1 << 20, identity.size - sent)), !data.isEmpty {
            guard await write(ByteBuffer(bytes: data), to: link) else { return }
            sent += data.count
        }
        guard sent == identity.size else {
            throw DeliveryFailure.protocolViolation("own executable changed while it was being sent (\(sent) of \(identity.size) bytes)")
        }
    }
}
