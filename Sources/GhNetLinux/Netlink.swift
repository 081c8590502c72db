import GhNetAddress
import GhNetNetlink
import Synchronization

/// A small rtnetlink client: reads the host's links, addresses and routes, and changes them.
/// Each call sends one request and waits (at most the timeout) for the kernel's whole answer;
/// calls are rare, so they block. Thread-safe: calls from several threads run one at a time.
///
/// The socket belongs to the network namespace of the thread that created the client, and so
/// does every interface it names.
public final class Netlink: Sendable {
    /// A dump the kernel flags as inconsistent (its tables changed meanwhile) is asked again
    /// this many times in all.
    static let dumpAttempts = 3

    private struct State: ~Copyable {
        var socket: NetlinkSocket?
        var nextSequence: UInt32
    }

    private let state: Mutex<State>

    /// Opens a NETLINK_ROUTE socket. `timeout` bounds how long one request waits for its answer.
    public init(timeout: Duration = .seconds(5)) throws(NetlinkError) {
        do {
            let socket = try NetlinkSocket(timeout: timeout)
            state = Mutex(State(socket: socket, nextSequence: UInt32.random(in: 1...UInt32.max / 2)))
        } catch {
            throw NetlinkError(action: "opening a netlink socket", reason: error)
        }
    }

    /// Closes the socket; later calls fail with ``NetlinkError/Reason/closed``.
    public func close() {
        state.withLock { $0.socket?.close(); $0.socket = nil }
    }

    // MARK: Links

    /// The interface named `name` (ENODEV if there is none).
    public func link(named name: String) throws(NetlinkError) -> LinkRecord {
        try single(.getLink(named: name), action: "looking up interface \(name)")
    }

    /// The interface with index `index` (ENODEV if there is none).
    public func link(index: Int32) throws(NetlinkError) -> LinkRecord {
        try single(.getLink(index: index), action: "looking up interface #\(index)")
    }

    /// The index of the interface named `name`.
    public func interfaceIndex(named name: String) throws(NetlinkError) -> Int32 {
        try link(named: name).index
    }

    /// Every interface.
    public func links() throws(NetlinkError) -> [LinkRecord] {
        try decodeAll(try exchange(.dumpLinks(), action: "reading the interfaces"), action: "reading the interfaces") {
            message throws(NetlinkDecodingError) in try LinkRecord(decoding: message)
        }
    }

    /// Brings interface `interfaceIndex` administratively up and, when given, sets its MTU and
    /// transmit queue length.
    public func setLinkUp(interfaceIndex: Int32, mtu: Int? = nil, transmitQueueLength: Int? = nil) throws(NetlinkError) {
        _ = try exchange(.setLink(interfaceIndex: interfaceIndex, up: true, mtu: mtu, transmitQueueLength: transmitQueueLength)) {
            "bringing \(self.interfaceName(interfaceIndex)) up" + (mtu.map { " with MTU \($0)" } ?? "")
        }
    }

    // MARK: Addresses

    /// Adds `address` to interface `interfaceIndex` (EEXIST if it is already there).
    public func addAddress(_ address: InterfaceAddress, interfaceIndex: Int32) throws(NetlinkError) {
        _ = try exchange(.addAddress(address, interfaceIndex: interfaceIndex)) {
            "adding address \(address) to \(self.interfaceName(interfaceIndex))"
        }
    }

    /// Removes `address` from interface `interfaceIndex`.
    public func deleteAddress(_ address: InterfaceAddress, interfaceIndex: Int32) throws(NetlinkError) {
        _ = try exchange(.deleteAddress(address, interfaceIndex: interfaceIndex)) {
            "deleting address \(address) from \(self.interfaceName(interfaceIndex))"
        }
    }

    /// Every IPv4 and IPv6 address of every interface, or of one family.
    public func addresses(family: IPFamily? = nil) throws(NetlinkError) -> [AddressRecord] {
        let action = "reading the interface addresses"
        return try decodeAll(try exchange(.dumpAddresses(family: family), action: action), action: action) {
            message throws(NetlinkDecodingError) in try AddressRecord.decode(message)
        }
    }

    // MARK: Routes

    /// Adds a route in the main table for `destination` straight out of interface
    /// `interfaceIndex`, marked as gh-net's (``RouteProtocol/ghNet``). EEXIST when the table
    /// already has a route for exactly this destination, whoever owns it.
    public func addRoute(_ destination: IPPrefix, interfaceIndex: Int32) throws(NetlinkError) {
        _ = try exchange(.addRoute(destination, interfaceIndex: interfaceIndex)) {
            "adding route \(destination) via \(self.interfaceName(interfaceIndex))"
        }
    }

    /// Deletes the route ``addRoute(_:interfaceIndex:)`` added; never a route gh-net did not
    /// add. ESRCH when there is no such route.
    public func deleteRoute(_ destination: IPPrefix, interfaceIndex: Int32) throws(NetlinkError) {
        _ = try exchange(.deleteRoute(destination, interfaceIndex: interfaceIndex)) {
            "deleting route \(destination) via \(self.interfaceName(interfaceIndex))"
        }
    }

    /// Every IPv4 and IPv6 route in every table, or of one family. Filter on
    /// ``RouteRecord/table`` (`.main` is what `ip route` shows) as needed.
    public func routes(family: IPFamily? = nil) throws(NetlinkError) -> [RouteRecord] {
        let action = "reading the routing table"
        return try decodeAll(try exchange(.dumpRoutes(family: family), action: action), action: action) {
            message throws(NetlinkDecodingError) in try RouteRecord.decode(message)
        }
    }

    // MARK: Exchange

    /// A name for interface `index` in messages: its name, or "interface #N" if it has none.
    private func interfaceName(_ index: Int32) -> String {
        (try? link(index: index).name) ?? "interface #\(index)"
    }

    private func single(_ request: NetlinkRequest, action: String) throws(NetlinkError) -> LinkRecord {
        let records = try decodeAll(try exchange(request, action: action), action: action) {
            message throws(NetlinkDecodingError) in try LinkRecord(decoding: message)
        }
        guard records.count == 1, let record = records.first else {
            throw NetlinkError(action: action, reason: .malformedReply(.unexpectedMessage(type: NetlinkMessageType.newLink.rawValue)))
        }
        return record
    }

    private func decodeAll<Record>(_ messages: [NetlinkMessage], action: String,
                                   _ decode: (NetlinkMessage) throws(NetlinkDecodingError) -> Record?) throws(NetlinkError) -> [Record] {
        var records: [Record] = []
        records.reserveCapacity(messages.count)
        for message in messages {
            do {
                if let record = try decode(message) { records.append(record) }
            } catch {
                throw NetlinkError(action: action, reason: .malformedReply(error))
            }
        }
        return records
    }

    private func exchange(_ request: NetlinkRequest, action: String) throws(NetlinkError) -> [NetlinkMessage] {
        try exchange(request) { action }
    }

    /// Sends `request` and gathers the answer. `action` is only worked out on failure, after
    /// the lock is released (it may ask the kernel for an interface name).
    private func exchange(_ request: NetlinkRequest, action: () -> String) throws(NetlinkError) -> [NetlinkMessage] {
        let result: Result<[NetlinkMessage], NetlinkError.Reason> = state.withLock { state in
            guard let socket = state.socket else { return .failure(.closed) }
            for _ in 0..<Self.dumpAttempts {
                let sequence = state.nextSequence
                state.nextSequence = sequence == .max ? 1 : sequence + 1
                do throws(NetlinkError.Reason) {
                    if let messages = try Self.attempt(request, sequence: sequence, on: socket) { return .success(messages) }
                } catch {
                    return .failure(error)
                }
            }
            return .failure(.inconsistentDump)
        }
        switch result {
        case .success(let messages): return messages
        case .failure(let reason): throw NetlinkError(action: action(), reason: reason)
        }
    }

    /// One request and its answer; nil when a dump came back inconsistent.
    private static func attempt(_ request: NetlinkRequest, sequence: UInt32, on socket: NetlinkSocket) throws(NetlinkError.Reason) -> [NetlinkMessage]? {
        try socket.send(request.encoded(sequence: sequence, portID: socket.portID))
        let deadline = ContinuousClock.now + socket.timeout
        var collector = NetlinkReplyCollector(sequence: sequence, isDump: request.isDump)
        while true {
            let datagram = try socket.receive(before: deadline)
            let progress: NetlinkReplyCollector.Progress
            do {
                progress = try collector.receive(datagram)
            } catch {
                throw .malformedReply(error)
            }
            switch progress {
            case .needMore: continue
            case .completed(let messages): return messages
            case .failed(let reply): throw .kernel(errno: reply.errorNumber, message: reply.message)
            case .interrupted: return nil
            }
        }
    }
}
