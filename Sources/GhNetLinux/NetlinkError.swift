import GhNetNetlink

/// A netlink operation that failed: what was being done, and why. Its description is one
/// sentence for a log: "adding route 198.18.2.0/24 via ghnet0: File exists".
public struct NetlinkError: Error, Sendable, CustomStringConvertible {
    /// Why the operation failed.
    public enum Reason: Error, Sendable, Equatable {
        /// The kernel refused the request with this errno, and perhaps its own explanation.
        case kernel(errno: Int32, message: String?)
        /// A socket call failed with this errno.
        case system(call: String, errno: Int32)
        /// The kernel did not finish answering within the client's timeout.
        case timedOut(Duration)
        /// The kernel's answer could not be read.
        case malformedReply(NetlinkDecodingError)
        /// The kernel's tables kept changing while a dump was read, on every attempt.
        case inconsistentDump
        /// The client was closed.
        case closed
    }

    /// What was being done, e.g. "adding route 198.18.2.0/24 via ghnet0".
    public let action: String
    /// Why it failed.
    public let reason: Reason

    /// An error from its parts.
    public init(action: String, reason: Reason) {
        self.action = action
        self.reason = reason
    }

    /// The errno, when the kernel or a socket call gave one.
    public var errno: Int32? {
        switch reason {
        case .kernel(let code, _), .system(_, let code): return code
        case .timedOut, .malformedReply, .inconsistentDump, .closed: return nil
        }
    }

    public var description: String {
        switch reason {
        case .kernel(let code, let message):
            return "\(action): \(errorText(code))" + (message.map { " (\($0))" } ?? "")
        case .system(let call, let code):
            return "\(action): \(call): \(errorText(code))"
        case .timedOut(let limit):
            return "\(action): the kernel did not answer within \(limit)"
        case .malformedReply(let error):
            return "\(action): \(error)"
        case .inconsistentDump:
            return "\(action): the kernel's tables kept changing while they were read"
        case .closed:
            return "\(action): the netlink socket is closed"
        }
    }
}
