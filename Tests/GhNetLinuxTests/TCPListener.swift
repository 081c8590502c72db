import GhNetAddress
import Glibc

/// A listening TCP socket in a test namespace, as a server there would have one: the kernel
/// answers SYNs to it on its own. Make it on the namespace's thread.
final class TCPListener: @unchecked Sendable {
    private let descriptor: Int32

    /// Listens on `address`:`port` (IPv4).
    init(address: IPAddress, port: UInt16) throws {
        guard case .v4(let value) = address else { throw NamespaceError(text: "TCPListener binds IPv4 only") }
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw NamespaceError(text: "socket: \(String(cString: strerror(errno)))") }
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        socketAddress.sin_addr.s_addr = value.bigEndian
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 8) == 0 else {
            let text = String(cString: strerror(errno))
            close(descriptor)
            throw NamespaceError(text: "listen \(address):\(port): \(text)")
        }
    }

    deinit { close(descriptor) }
}
