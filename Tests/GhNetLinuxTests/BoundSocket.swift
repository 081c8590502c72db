import GhNetAddress
import Glibc

/// An IPv4 socket of `type` (SOCK_DGRAM, SOCK_STREAM) bound to `address`:`port`, for the test
/// servers in a namespace; make it on the namespace's thread.
enum BoundSocket {
    static func make(type: Int32, address: IPAddress, port: UInt16, role: String) throws -> Int32 {
        guard case .v4(let value) = address else { throw NamespaceError(text: "\(role) binds IPv4 only") }
        let descriptor = socket(AF_INET, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw NamespaceError(text: "socket: \(String(cString: strerror(errno)))") }
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        socketAddress.sin_addr.s_addr = value.bigEndian
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let text = String(cString: strerror(errno))
            close(descriptor)
            throw NamespaceError(text: "bind \(address):\(port): \(text)")
        }
        return descriptor
    }
}
