import CGhNetFDPass
import Foundation

/// The new agent's side of a hand-over (see ``AgentHandoverListener``): offers its stdio to the
/// agent already running in the namespace.
enum AgentHandoverClient {
    /// How an offer ended.
    enum Outcome: Equatable {
        /// The running agent took the descriptors; wait on the ``AgentHandoverWaiter`` until it
        /// lets this process go.
        case handedOver
        /// The running agent answered but does not take them (another session, another build).
        case declined
        /// Nobody took them: no agent listens at the path, it did not answer in time, or the
        /// exchange failed half-way.
        case noListener
    }

    /// Connects to `path`, sends `request`, and if the agent there accepts, sends it
    /// `descriptors` (stdin, stdout, stderr: exactly 3) and `alreadyRead` (at most
    /// ``AgentHandoverListener/maximumAlreadyRead`` bytes; more gives ``Outcome/noListener``).
    /// Every step has ``AgentHandoverConnection/patience``. The waiter, returned with
    /// ``Outcome/handedOver`` only, keeps the connection open.
    static func offer(path: String = AgentHandoverListener.defaultPath, request: AgentHandoverRequest,
                      descriptors: [Int32], alreadyRead: [UInt8]) -> (Outcome, AgentHandoverWaiter?) {
        guard descriptors.count == 3, alreadyRead.count <= AgentHandoverListener.maximumAlreadyRead else { return (.noListener, nil) }
        let descriptor = AgentHandoverConnection.makeSocket()
        guard descriptor >= 0 else { return (.noListener, nil) }
        let waiter = AgentHandoverWaiter(connection: descriptor)  // closes the socket unless handed out
        // Bounds connecting to a full backlog and sending to an agent that stopped reading.
        var timeout = timeval(tv_sec: Int(AgentHandoverConnection.patience.components.seconds), tv_usec: 0)
        let link = AgentHandoverConnection(descriptor: descriptor, deadline: .now + AgentHandoverConnection.patience, interrupt: nil)
        guard setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0,
              AgentHandoverConnection.withAddress(of: path, { connect(descriptor, $0, $1) }) == 0,
              link.write(request.encoded()),
              let answer = link.read(count: 1) else { return (.noListener, nil) }
        switch answer[0] {
        case 0: return (.declined, nil)
        case 1: break
        default: return (.noListener, nil)
        }
        let count = UInt32(alreadyRead.count)
        let message = (0..<4).reversed().map { UInt8(truncatingIfNeeded: count >> ($0 * 8)) } + alreadyRead
        guard ghnet_send_fds(descriptor, descriptors, Int32(descriptors.count), message, message.count) == 0 else { return (.noListener, nil) }
        return (.handedOver, waiter)
    }
}

/// The new agent's hold on a hand-over it made: the connection to the agent that took its stdio,
/// open until that agent releases it.
final class AgentHandoverWaiter: Sendable {
    /// The hand-over connection (owned).
    private let connection: Int32

    init(connection: Int32) {
        self.connection = connection
    }

    deinit {
        close(connection)
    }

    /// Blocks until the agent that took the stdio releases this process (end of file on the
    /// connection, or an error).
    func waitForRelease() {
        var byte: UInt8 = 0
        while true {
            let got = recv(connection, &byte, 1, 0)
            guard got > 0 || (got < 0 && errno == EINTR) else { return }
        }
    }
}
