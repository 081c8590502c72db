/// The local side of agent delivery, as a pure state machine: it takes the bootstrap script's
/// status lines (and the end of the stream) and says what to do next. The I/O around it sends
/// the script, streams the executable when asked and switches to frames on `exec`.
public struct AgentDeliveryStateMachine: Sendable {
    /// Where delivery stands.
    public enum State: Equatable, Sendable {
        /// The script was sent; waiting for it to report a cached build or ask for the executable.
        case awaitingStatus
        /// The executable is being sent; waiting for the script to confirm it was stored.
        case sending
        /// The build is in place; waiting for the script to exec it.
        case awaitingExec(cached: Bool)
        /// The agent runs; the following bytes are frames.
        case started
        /// Delivery failed; nothing more is accepted.
        case failed
    }

    /// What the I/O layer must do after an input.
    public enum Action: Equatable, Sendable {
        /// Nothing; read on.
        case none
        /// Send exactly the executable's bytes now.
        case sendExecutable
        /// The agent is running; switch to frames. `cached` says whether the build was reused.
        case agentStarted(cached: Bool, how: String)
        /// Stop: delivery failed with this reason.
        case fail(DeliveryFailure)
    }

    /// The state now.
    public private(set) var state: State = .awaitingStatus
    private let executableSize: Int

    /// A machine for delivering an executable of `executableSize` bytes.
    public init(executableSize: Int) {
        self.executableSize = executableSize
    }

    /// Feeds one status line.
    public mutating func received(_ line: BootstrapLine) -> Action {
        switch (state, line) {
        case (.failed, _), (.started, _):
            return .none
        case (_, .error(let code, let message)):
            return fail(.remoteCheck(code: code, message: message))
        case (.awaitingStatus, .cached):
            state = .awaitingExec(cached: true)
            return .none
        case (.awaitingStatus, .send(let size)):
            guard size == executableSize else {
                return fail(.protocolViolation("the remote asked for \(size) bytes, the executable has \(executableSize)"))
            }
            state = .sending
            return .sendExecutable
        case (.sending, .stored):
            state = .awaitingExec(cached: false)
            return .none
        case (.awaitingExec(let cached), .exec(let how)):
            state = .started
            return .agentStarted(cached: cached, how: how)
        default:
            return fail(.protocolViolation("unexpected bootstrap step \(line) while \(state)"))
        }
    }

    /// The remote's stdout ended before the agent started.
    public mutating func endOfStream() -> Action {
        switch state {
        case .started, .failed:
            return .none
        default:
            return fail(.transportEnded)
        }
    }

    private mutating func fail(_ failure: DeliveryFailure) -> Action {
        state = .failed
        return .fail(failure)
    }
}

/// Why the agent could not be started.
public enum DeliveryFailure: Error, Equatable, Sendable {
    /// A check of the bootstrap script failed: `code` is os, arch, libc, tun, store, space,
    /// hash or sudo; `message` says what to do.
    case remoteCheck(code: String, message: String)
    /// The remote printed something this version does not expect.
    case protocolViolation(String)
    /// The transport's output ended first (ssh could not connect, or the remote shell died).
    case transportEnded
}
