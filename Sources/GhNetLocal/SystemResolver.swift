import Foundation
import NIOPosix

/// The operating system's own name lookup (`getaddrinfo`), for VPN clients that hook only the
/// system resolver and not the servers in resolv.conf. Blocking, so it runs on NIO's thread pool.
public enum SystemResolver {
    /// The IPv4 (`AF_INET`, 4-byte) or IPv6 (`AF_INET6`, 16-byte) addresses the system gives for
    /// `name`, without duplicates; empty when it has none or fails.
    public static func addresses(of name: String, family: Int32) async -> [[UInt8]] {
        (try? await NIOThreadPool.singleton.runIfActive { lookup(name, family: family) }) ?? []
    }

    private static func lookup(_ name: String, family: Int32) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_family = family
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var found: [[UInt8]] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let address = current.pointee.ai_addr {
                let bytes: [UInt8]?
                switch current.pointee.ai_family {
                case AF_INET:
                    bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
                    }
                case AF_INET6:
                    bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                    }
                default:
                    bytes = nil
                }
                if let bytes, current.pointee.ai_family == family, !found.contains(bytes) { found.append(bytes) }
            }
            entry = current.pointee.ai_next
        }
        return found
    }
}
