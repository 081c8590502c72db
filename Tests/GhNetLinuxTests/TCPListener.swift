import GhNetAddress
import Glibc

/// A listening TCP socket in a test namespace, as a server there would have one: the kernel
/// answers SYNs to it on its own. Make it on the namespace's thread.
final class TCPListener: @unchecked Sendable {
    private let descriptor: Int32

    /// Listens on `address`:`port` (IPv4).
    init(address: IPAddress, port: UInt16) throws {
        descriptor = try BoundSocket.make(type: Int32(SOCK_STREAM.rawValue), address: address, port: port, role: "TCPListener")
        guard listen(descriptor, 8) == 0 else {
            let text = String(cString: strerror(errno))
            close(descriptor)
            throw NamespaceError(text: "listen \(address):\(port): \(text)")
        }
    }

    deinit { close(descriptor) }
}
