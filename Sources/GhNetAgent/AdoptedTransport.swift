import Foundation
import Synchronization

/// A transport the running agent adopted from a new agent process (see
/// ``AgentHandoverListener``): the new process's stdin, stdout and stderr, and the bytes it had
/// already read from its stdin (the local side's hello).
///
/// The descriptors belong to the receiver, which closes them. The new process lives — and with
/// it the SSH session whose pipes these are — until ``release()``, which dropping this object
/// also does: keep it for as long as the descriptors are in use.
final class AdoptedTransport: Sendable {
    /// The new agent's stdin: frames from the local side.
    let input: Int32
    /// The new agent's stdout: frames to the local side.
    let output: Int32
    /// The new agent's stderr: log lines to the local side.
    let errorOutput: Int32
    /// What the new agent had read from `input` before handing it over.
    let alreadyRead: [UInt8]

    /// The hand-over connection the new process waits on.
    private let connection: Int32
    /// True once ``release()`` closed `connection`.
    private let released = Mutex(false)

    init(input: Int32, output: Int32, errorOutput: Int32, alreadyRead: [UInt8], connection: Int32) {
        self.input = input
        self.output = output
        self.errorOutput = errorOutput
        self.alreadyRead = alreadyRead
        self.connection = connection
    }

    deinit {
        release()
    }

    /// Closes the connection to the new agent process, which then exits 0. Idempotent.
    func release() {
        let first = released.withLock { released in
            defer { released = true }
            return !released
        }
        if first { close(connection) }
    }
}
