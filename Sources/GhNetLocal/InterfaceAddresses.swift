import Foundation
import GhNetAddress

/// This machine's interface addresses, read with `getifaddrs(3)`: interface name → addresses.
enum InterfaceAddresses {
    /// Every IPv4 and IPv6 address of every interface.
    static func current() -> [String: [IPAddress]] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [:] }
        defer { freeifaddrs(head) }
        var result: [String: [IPAddress]] = [:]
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let sockaddr = entry.pointee.ifa_addr, let name = entry.pointee.ifa_name else { continue }
            let address: IPAddress?
            switch Int32(sockaddr.pointee.sa_family) {
            case AF_INET:
                address = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    IPAddress.v4(UInt32(bigEndian: $0.pointee.sin_addr.s_addr))
                }
            case AF_INET6:
                address = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { IPAddress(bytes: $0) }
                }
            default:
                address = nil
            }
            if let address { result[String(cString: name), default: []].append(address) }
        }
        return result
    }
}
