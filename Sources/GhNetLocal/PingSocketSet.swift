import Foundation
import GhNetAddress
import NIOCore
import Synchronization

/// The unprivileged ICMP ("ping") sockets of the echo relay, one per flow, read on one thread
/// of their own with `poll`.
///
/// Why not SwiftNIO: a ping socket learns of the ICMP errors about its requests (host
/// unreachable, time exceeded…) only with `IP_RECVERR`, which queues them on the socket's error
/// queue, to be read with `recvmsg(MSG_ERRQUEUE)`; NIO's datagram channels do not read that
/// queue and treat the pending error as fatal. Here replies and errors alike reach
/// ``Delegate``, so the codespace gets the matching ICMP error instead of silence.
///
/// Bound: one descriptor per flow, as many as the relay's flow table holds. Sockets are closed
/// by the thread itself (``close(_:)`` only marks them), so a descriptor number is never reused
/// while `poll` still watches it.
final class PingSocketSet: @unchecked Sendable {
    /// Where what the sockets receive goes (called on the reading thread).
    protocol Delegate: AnyObject, Sendable {
        /// An ICMP message (a reply) from `sender` on the socket of flow `key`.
        func pingSocket(_ key: EchoRelay.FlowKey, received message: [UInt8], from sender: IPAddress)
        /// An ICMP error about the request `request` (the ICMP message we sent) of flow `key`.
        func pingSocket(_ key: EchoRelay.FlowKey, error: SocketExtendedError, about request: [UInt8])
    }

    private struct Member {
        let key: EchoRelay.FlowKey
        let family: IPFamily
        var closing = false
    }

    private let members = Mutex<[Int32: Member]>([:])
    private let stopped = Atomic<Bool>(false)
    /// A pipe whose read end `poll` watches too: a byte in it says "the set changed".
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private weak var delegate: (any Delegate)?

    init(delegate: any Delegate) throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw IOError(errnoCode: errno, reason: "pipe") }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
        (wakeRead, wakeWrite) = (fds[0], fds[1])
        self.delegate = delegate
        let thread = Thread { [self] in run() }
        thread.name = "gh-net ping sockets"
        thread.start()
    }

    /// A new ping socket for flow `key`, reporting ICMP errors, watched from now on.
    func open(family: IPFamily, for key: EchoRelay.FlowKey) throws -> Int32 {
        let fd = socket(family == .v4 ? AF_INET : AF_INET6, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue),
                        family == .v4 ? Int32(IPPROTO_ICMP) : Int32(IPPROTO_ICMPV6))
        guard fd >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        var on: Int32 = 1
        let size = socklen_t(MemoryLayout<Int32>.size)
        _ = family == .v4 ? setsockopt(fd, Int32(IPPROTO_IP), IP_RECVERR, &on, size)
                          : setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_RECVERR, &on, size)
        members.withLock { $0[fd] = Member(key: key, family: family) }
        wake()
        return fd
    }

    /// Sends `message` (an ICMP echo request) to `destination`; the errno when the kernel refused.
    func send(_ message: [UInt8], on fd: Int32, to destination: IPAddress) -> Int32? {
        let sent: Int = withSocketAddress(destination) { address, length in
            message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT), address, length) }
        }
        return sent < 0 ? errno : nil
    }

    /// Stops watching `fd`; the reading thread closes it.
    func close(_ fd: Int32) {
        members.withLock { $0[fd]?.closing = true }
        wake()
    }

    /// Closes every socket and ends the thread.
    func stop() {
        members.withLock { members in for fd in members.keys { members[fd]?.closing = true } }
        stopped.store(true, ordering: .relaxed)
        wake()
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = Glibc.write(wakeWrite, &byte, 1)
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var control = [UInt8](repeating: 0, count: 512)
        while true {
            let watched = members.withLock { members -> [(Int32, Member)] in
                for (fd, member) in members where member.closing {
                    Glibc.close(fd)
                    members[fd] = nil
                }
                return Array(members)
            }
            if stopped.load(ordering: .relaxed) { break }
            var polled = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            polled += watched.map { pollfd(fd: $0.0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&polled, nfds_t(polled.count), 1000)
            if ready < 0 && errno != EINTR { break }
            guard ready > 0 else { continue }
            if polled[0].revents != 0 {
                var drain = [UInt8](repeating: 0, count: 64)
                while Glibc.read(wakeRead, &drain, drain.count) > 0 {}
            }
            for (index, (fd, member)) in watched.enumerated() where polled[index + 1].revents != 0 {
                if polled[index + 1].revents & Int16(POLLERR) != 0 { readErrors(fd, member, &buffer, &control) }
                if polled[index + 1].revents & Int16(POLLIN) != 0 { readReplies(fd, member, &buffer) }
            }
        }
        members.withLock { members in
            for fd in members.keys { Glibc.close(fd) }
            members.removeAll()
        }
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
    }

    /// Every queued datagram (at most 64 a round, so one busy socket cannot starve the rest).
    private func readReplies(_ fd: Int32, _ member: Member, _ buffer: inout [UInt8]) {
        for _ in 0..<64 {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = buffer.withUnsafeMutableBytes { bytes in
                withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT), $0, &length) }
                }
            }
            guard count > 0 else { return }
            guard let sender = IPAddress(socketAddress: address) else { continue }
            delegate?.pingSocket(member.key, received: Array(buffer[0..<count]), from: sender)
        }
    }

    /// Every queued ICMP error: the request it is about, and the kernel's record of it.
    private func readErrors(_ fd: Int32, _ member: Member, _ buffer: inout [UInt8], _ control: inout [UInt8]) {
        let (level, type) = member.family == .v4 ? (Int32(IPPROTO_IP), IP_RECVERR) : (Int32(IPPROTO_IPV6), IPV6_RECVERR)
        for _ in 0..<64 {
            var found: SocketExtendedError?
            let count = buffer.withUnsafeMutableBytes { bytes -> Int in
                control.withUnsafeMutableBytes { controlBytes -> Int in
                    var part = iovec(iov_base: bytes.baseAddress, iov_len: bytes.count)
                    return withUnsafeMutablePointer(to: &part) { parts -> Int in
                        var header = msghdr(msg_name: nil, msg_namelen: 0, msg_iov: parts, msg_iovlen: 1,
                                            msg_control: controlBytes.baseAddress, msg_controllen: controlBytes.count, msg_flags: 0)
                        let count = recvmsg(fd, &header, Int32(MSG_ERRQUEUE | MSG_DONTWAIT))
                        guard count >= 0 else { return count }
                        found = Self.extendedError(in: UnsafeRawBufferPointer(rebasing: controlBytes[0..<min(Int(header.msg_controllen), controlBytes.count)]),
                                                   level: level, type: Int32(type))
                        return count
                    }
                }
            }
            guard count >= 0 else { return }
            if let found { delegate?.pingSocket(member.key, error: found, about: Array(buffer[0..<count])) }
        }
    }

    /// The `IP_RECVERR` / `IPV6_RECVERR` record among a message's control data (`cmsghdr`s:
    /// a length, a level and a type, then the data, each padded to 8 bytes).
    static func extendedError(in control: UnsafeRawBufferPointer, level: Int32, type: Int32) -> SocketExtendedError? {
        let headerSize = MemoryLayout<cmsghdr>.size
        var offset = 0
        while offset + headerSize <= control.count {
            let length = Int(control.loadUnaligned(fromByteOffset: offset, as: Int.self))
            guard length >= headerSize, offset + length <= control.count else { return nil }
            let messageLevel = control.loadUnaligned(fromByteOffset: offset + MemoryLayout<Int>.size, as: Int32.self)
            let messageType = control.loadUnaligned(fromByteOffset: offset + MemoryLayout<Int>.size + 4, as: Int32.self)
            if messageLevel == level, messageType == type {
                return SocketExtendedError(UnsafeRawBufferPointer(rebasing: control[(offset + headerSize)..<(offset + length)]))
            }
            offset += (length + 7) & ~7
        }
        return nil
    }
}

extension IPAddress {
    /// The address of a `sockaddr_in` / `sockaddr_in6` held in `storage`.
    init?(socketAddress storage: sockaddr_storage) {
        var copy = storage
        let parsed: IPAddress? = withUnsafeBytes(of: &copy) { bytes in
            switch Int32(storage.ss_family) {
            case AF_INET: IPAddress(bytes: bytes[4..<8])
            case AF_INET6: IPAddress(bytes: bytes[8..<24])
            default: nil
            }
        }
        guard let parsed else { return nil }
        self = parsed
    }
}

/// Runs `body` with `address` as a `sockaddr` (port 0) and its length.
private func withSocketAddress<Result>(_ address: IPAddress, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
    var storage = sockaddr_storage()
    let bytes = address.bytes
    let length: Int = withUnsafeMutableBytes(of: &storage) { raw in
        if address.family == .v4 {
            raw.storeBytes(of: UInt16(AF_INET), toByteOffset: 0, as: UInt16.self)
            for (i, byte) in bytes.enumerated() { raw[4 + i] = byte }
            return MemoryLayout<sockaddr_in>.size
        }
        raw.storeBytes(of: UInt16(AF_INET6), toByteOffset: 0, as: UInt16.self)
        for (i, byte) in bytes.enumerated() { raw[8 + i] = byte }
        return MemoryLayout<sockaddr_in6>.size
    }
    return withUnsafePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(length)) }
    }
}
