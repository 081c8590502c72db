import GhNetCore
import GhNetWire
import Subprocess

/// Why the local side stopped with a failure; each case is one clear line for the user.
public enum LocalSessionError: Error, CustomStringConvertible {
    /// `/proc/self/exe` could not be read (needed to deliver the agent).
    case cannotReadOwnExecutable(String)
    /// The transport command could not be started (e.g. ssh is not installed).
    case cannotStartTransport(String)
    /// The transport ended before the agent started: ssh could not connect or log in.
    case transportFailed(target: String, status: TerminationStatus?, stderr: [String])
    /// A check on the remote failed (OS, CPU, C library, TUN, space, sudo…).
    case remoteUnsuitable(target: String, message: String)
    /// The remote or the agent broke the protocol.
    case protocolError(target: String, detail: String)
    /// One side refused the other (mismatched versions).
    case refused(String)
    /// The link ended after the session was up, without a goodbye.
    case linkLost(target: String, status: TerminationStatus?, stderr: [String])
    /// Nothing arrived for too long.
    case linkDead(target: String, silentFor: Duration)

    /// The exit code for this failure.
    public var exitCode: Int32 { 1 }

    public var description: String {
        switch self {
        case .cannotReadOwnExecutable(let detail):
            return "cannot read the gh-net executable to deliver it: \(detail)"
        case .cannotStartTransport(let detail):
            return detail
        case .transportFailed(let target, let status, let stderr):
            return "cannot reach \(target): \(Self.reason(status: status, stderr: stderr))"
        case .remoteUnsuitable(let target, let message):
            return "the agent cannot run on \(target): \(message)"
        case .protocolError(let target, let detail):
            return "protocol error with \(target): \(detail)"
        case .refused(let reason):
            return reason
        case .linkLost(let target, let status, let stderr):
            return "the connection to \(target) was lost: \(Self.reason(status: status, stderr: stderr))"
        case .linkDead(let target, let silence):
            return "the connection to \(target) is dead: nothing heard for \(silence.components.seconds) s"
        }
    }

    /// ssh's last words and its exit status, e.g. `ssh: connect to host x port 22: Connection
    /// refused (transport exited with status 255)`.
    static func reason(status: TerminationStatus?, stderr: [String]) -> String {
        let said = stderr.suffix(3).joined(separator: " | ")
        let how: String
        switch status {
        case .exited(let code)?: how = "transport exited with status \(code)"
        case .signaled(let signal)?: how = "transport killed by signal \(signal)"
        case nil: how = "transport status unknown"
        }
        return said.isEmpty ? how : "\(said) (\(how))"
    }

    /// Maps an error thrown while bridging to the user's sentence.
    static func classify(_ error: any Error, target: String, status: TerminationStatus?, stderr: [String]) -> LocalSessionError {
        switch error {
        case let failure as DeliveryFailure:
            switch failure {
            case .transportEnded: return .transportFailed(target: target, status: status, stderr: stderr)
            case .remoteCheck(_, let message): return .remoteUnsuitable(target: target, message: message)
            case .protocolViolation(let detail): return .protocolError(target: target, detail: detail)
            }
        case let refused as FrameSession.Refused:
            return .refused(refused.byPeer ? "the agent refused this side: \(refused.reason)" : refused.reason)
        case let wire as WireError:
            return .protocolError(target: target, detail: "\(wire)")
        case let violation as FrameSession.ProtocolViolation:
            return .protocolError(target: target, detail: violation.description)
        case is LinkEnded:
            return .linkLost(target: target, status: status, stderr: stderr)
        default:
            if status.map({ !$0.isSuccess }) ?? false {
                return .linkLost(target: target, status: status, stderr: stderr)
            }
            return .protocolError(target: target, detail: "\(error)")
        }
    }
}
