import GhNetAddress
import Glibc

/// A UDP socket bound in a test namespace, as an application there would have one: waits
/// (bounded) for one datagram. Make it and use it on the namespace's thread.
final class UDPReceiver: @unchecked Sendable {
    private let descriptor: Int32

    /// Binds to `address`:`port`.
    init(address: IPAddress, port: UInt16) throws {
        guard case .v4(let value) = address else { throw NamespaceError(text: "UDPReceiver binds IPv4 only") }
        descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw NamespaceError(text: "socket: \(String(cString: strerror(errno)))") }
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        socketAddress.sin_addr.s_addr = value.bigEndian
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(descriptor)
            throw NamespaceError(text: "bind \(address):\(port): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// The next datagram's payload, or nil when none arrives within `milliseconds`.
    func receive(within milliseconds: Int32) -> [UInt8]? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, milliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return count >= 0 ? Array(buffer[..<count]) : nil
    }
}
