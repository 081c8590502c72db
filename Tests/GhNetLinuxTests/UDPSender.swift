import GhNetAddress
import Glibc

/// Sends one UDP datagram from an ordinary socket, as an application in the namespace would.
/// Call it on the namespace's thread.
enum UDPSender {
    static func send(_ payload: [UInt8], to address: IPAddress, port: UInt16) throws {
        let family = address.family == .v4 ? AF_INET : AF_INET6
        let descriptor = socket(family, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw NamespaceError(text: "socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var storage = sockaddr_storage()
        let length: Int
        switch address {
        case .v4(let value):
            length = MemoryLayout<sockaddr_in>.size
            withUnsafeMutableBytes(of: &storage) { raw in
                var socketAddress = sockaddr_in()
                socketAddress.sin_family = sa_family_t(AF_INET)
                socketAddress.sin_port = port.bigEndian
                socketAddress.sin_addr.s_addr = value.bigEndian
                withUnsafeBytes(of: socketAddress) { raw.copyMemory(from: $0) }
            }
        case .v6:
            length = MemoryLayout<sockaddr_in6>.size
            withUnsafeMutableBytes(of: &storage) { raw in
                var socketAddress = sockaddr_in6()
                socketAddress.sin6_family = sa_family_t(AF_INET6)
                socketAddress.sin6_port = port.bigEndian
                withUnsafeMutableBytes(of: &socketAddress.sin6_addr) { $0.copyBytes(from: address.bytes) }
                withUnsafeBytes(of: socketAddress) { raw.copyMemory(from: $0) }
            }
        }
        let sent = payload.withUnsafeBytes { bytes in
            withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, bytes.baseAddress, bytes.count, 0, $0, socklen_t(length))
                }
            }
        }
        guard sent == payload.count else { throw NamespaceError(text: "sendto \(address): \(String(cString: strerror(errno)))") }
    }
}
