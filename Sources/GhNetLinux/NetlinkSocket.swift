import Glibc

/// A NETLINK_ROUTE socket: bound to a port the kernel picks, extended acknowledgements on,
/// error replies capped. Blocking calls with a deadline; not thread-safe (``Netlink`` locks).
final class NetlinkSocket {
    /// SOL_NETLINK options (linux/netlink.h).
    private static let capAcknowledgement: Int32 = 10
    private static let extendedAcknowledgement: Int32 = 11
    /// The size of `struct sockaddr_nl`.
    private static let addressLength = socklen_t(12)

    private var descriptor: Int32
    /// The port the kernel gave this socket; replies carry it.
    let portID: UInt32
    /// How long one request may wait for its whole answer (reported when it runs out).
    let timeout: Duration

    init(timeout: Duration) throws(NetlinkError.Reason) {
        self.timeout = timeout
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue | SOCK_CLOEXEC.rawValue), 0 /* NETLINK_ROUTE */)
        guard fd >= 0 else { throw .system(call: "socket(AF_NETLINK)", errno: errno) }
        var one: Int32 = 1
        for option in [Self.extendedAcknowledgement, Self.capAcknowledgement] {
            // Older kernels lack these; replies are then read without them.
            _ = setsockopt(fd, SOL_NETLINK, option, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = Self.netlinkAddress()
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, Self.addressLength) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            let code = errno
            Glibc.close(fd)
            throw .system(call: bound != 0 ? "bind" : "getsockname", errno: code)
        }
        descriptor = fd
        portID = Self.portID(of: address)
    }

    deinit { close() }

    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    /// Sends one request datagram to the kernel.
    func send(_ bytes: [UInt8]) throws(NetlinkError.Reason) {
        guard descriptor >= 0 else { throw .closed }
        var kernel = Self.netlinkAddress()
        for _ in 0..<100 {
            let sent = bytes.withUnsafeBytes { raw in
                withUnsafePointer(to: &kernel) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(descriptor, raw.baseAddress, raw.count, 0, $0, Self.addressLength)
                    }
                }
            }
            if sent == bytes.count { return }
            if sent < 0, errno == EINTR { continue }
            throw .system(call: "sendto", errno: sent < 0 ? errno : EMSGSIZE)
        }
        throw .system(call: "sendto", errno: EINTR)
    }

    /// Receives the next datagram from the kernel, waiting no later than `deadline`.
    /// Datagrams from anyone but the kernel are dropped.
    func receive(before deadline: ContinuousClock.Instant) throws(NetlinkError.Reason) -> [UInt8] {
        guard descriptor >= 0 else { throw .closed }
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { throw .timedOut(timeout) }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&poller, 1, milliseconds)
            if ready < 0, errno == EINTR { continue }
            guard ready >= 0 else { throw .system(call: "poll", errno: errno) }
            if ready == 0 { continue }
            let size = recv(descriptor, nil, 0, Int32(MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT))
            if size < 0, errno == EINTR || errno == EAGAIN { continue }
            guard size >= 0 else { throw .system(call: "recv", errno: errno) }
            var buffer = [UInt8](repeating: 0, count: max(size, 1))
            var sender = sockaddr_storage()
            var senderLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let received = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &sender) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(descriptor, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, &senderLength)
                    }
                }
            }
            if received < 0, errno == EINTR || errno == EAGAIN { continue }
            guard received >= 0 else { throw .system(call: "recvfrom", errno: errno) }
            guard Self.portID(of: sender) == 0 else { continue }
            return Array(buffer.prefix(received))
        }
    }

    /// A zeroed `struct sockaddr_nl` (port 0: the kernel, or "pick one" when binding).
    private static func netlinkAddress() -> sockaddr_storage {
        var address = sockaddr_storage()
        address.ss_family = sa_family_t(AF_NETLINK)
        return address
    }

    /// `nl_pid` of a `struct sockaddr_nl` (after the 2-byte family and 2 bytes of padding).
    private static func portID(of address: sockaddr_storage) -> UInt32 {
        withUnsafeBytes(of: address) { $0.load(fromByteOffset: 4, as: UInt32.self) }
    }
}
