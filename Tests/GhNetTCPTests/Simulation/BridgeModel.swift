import GhNetTCP

/// The bridge side of the simulation: the local machine's socket to the far server, reduced to
/// what the state machine sees. It writes server bytes within the credit the connection grants,
/// reads app bytes at its own pace (pausing now and then, so windows close), grants credit
/// for what it read, and checks that nothing arrives beyond that credit.
struct BridgeModel {
    /// Server → app bytes.
    let outgoing: [UInt8]
    /// The credit window it grants for app → server bytes.
    let window: UInt32
    /// Bytes handed to ``TCPConnection/send(_:)``.
    private(set) var written = 0
    /// The connection's send credit: written bytes may not pass it.
    private(set) var creditLimit = 0
    private(set) var acknowledged: UInt64 = 0
    /// App → server bytes delivered.
    private(set) var received: [UInt8] = []
    /// Of those, how many the reader consumed.
    private(set) var consumed = 0
    private(set) var halfClosedByApp = false
    private(set) var shutDown = false
    private(set) var violations: [String] = []

    init(outgoing: [UInt8], window: UInt32) {
        self.outgoing = outgoing
        self.window = window
    }

    /// ``TCPEvent/openRequested(_:window:)`` granted `window` bytes of credit.
    mutating func openRequested(window: UInt32) {
        creditLimit = Int(window)
    }

    /// Bytes delivered to the far server.
    mutating func deliver<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        if halfClosedByApp { violations.append("bytes after the app's FIN") }
        received += bytes
        if received.count - consumed > Int(window) {
            violations.append("\(received.count - consumed) unread bytes, more than the credit window \(window)")
        }
    }

    mutating func peerHalfClosed() {
        if halfClosedByApp { violations.append("a second half-close") }
        halfClosedByApp = true
    }

    mutating func sendSpaceReleased(_ acknowledged: UInt64, capacity: Int) {
        if acknowledged < self.acknowledged || acknowledged > UInt64(written) {
            violations.append("released space \(acknowledged) after \(self.acknowledged), with \(written) written")
        }
        self.acknowledged = acknowledged
        creditLimit = Int(acknowledged) + capacity
    }

    /// Writes up to `chunk` bytes within the credit; returns how many the connection took.
    mutating func write(into connection: inout TCPConnection, chunk: Int) {
        let count = min(chunk, creditLimit - written, outgoing.count - written)
        guard count > 0, !shutDown else { return }
        let taken = outgoing[written..<(written + count)].withUnsafeBytes { connection.send($0) }
        if taken != count { violations.append("send took \(taken) of \(count) bytes within the credit") }
        written += taken
    }

    /// Reads up to `count` bytes; returns the credit to grant, if anything was read.
    mutating func read(_ count: Int) -> (consumed: UInt64, window: UInt32)? {
        let amount = min(count, received.count - consumed)
        guard amount > 0 else { return nil }
        consumed += amount
        return (UInt64(consumed), window)
    }

    /// Every server byte was written: the far server may close.
    var everythingWritten: Bool { written == outgoing.count }

    mutating func shutdown() {
        shutDown = true
    }
}
