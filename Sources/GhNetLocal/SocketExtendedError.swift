import Foundation
import GhNetAddress

/// What the kernel says about an ICMP error it queued on a socket with `IP_RECVERR` /
/// `IPV6_RECVERR`: the control message of a `recvmsg(MSG_ERRQUEUE)`, a `struct
/// sock_extended_err` (linux/errqueue.h) followed by the address of the host that reported it.
/// Pure: parsed from bytes, never trusted beyond their length.
struct SocketExtendedError: Equatable {
    /// `SO_EE_ORIGIN_ICMP` and `SO_EE_ORIGIN_ICMP6`: the error is an ICMP message.
    static let originICMP: UInt8 = 2
    static let originICMP6: UInt8 = 3
    /// Bytes of `struct sock_extended_err`.
    static let length = 16

    /// The errno it stands for (EHOSTUNREACH…).
    var errno: Int32
    var origin: UInt8
    /// ICMP type and code.
    var type: UInt8
    var code: UInt8
    /// The reporting host (`SO_EE_OFFENDER`), when given.
    var reporter: IPAddress?

    /// Reads the control message's data; nil when it is too short.
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.length else { return nil }
        errno = Int32(bitPattern: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        origin = bytes[4]
        type = bytes[5]
        code = bytes[6]
        reporter = Self.address(UnsafeRawBufferPointer(rebasing: bytes[Self.length...]))
    }

    /// The echo relay's reading of it: which ICMP error, or nil when it is not an ICMP error
    /// about a request (a local error, or an ICMP type the relay does not pass on).
    var kind: EchoMessage.ICMPErrorKindCode? {
        switch (origin, type) {
        case (Self.originICMP, 3): .unreachable(family: .v4, code: code)
        case (Self.originICMP, 11), (Self.originICMP6, 3): .timeExceeded
        case (Self.originICMP6, 1): .unreachable(family: .v6, code: code)
        default: nil
        }
    }

    /// An IP address from a `sockaddr_in` / `sockaddr_in6` (family in host order, as the kernel
    /// writes it).
    private static func address(_ bytes: UnsafeRawBufferPointer) -> IPAddress? {
        guard bytes.count >= 2 else { return nil }
        let family = bytes.loadUnaligned(fromByteOffset: 0, as: UInt16.self)
        if family == UInt16(AF_INET), bytes.count >= 8 { return IPAddress(bytes: bytes[4..<8]) }
        if family == UInt16(AF_INET6), bytes.count >= 24 { return IPAddress(bytes: bytes[8..<24]) }
        return nil
    }
}
