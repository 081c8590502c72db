/// What became of one packet written to a TUN device. Every outcome but ``written`` drops the
/// packet, and the device stays usable.
public enum TunWriteResult: Hashable, Sendable {
    /// The kernel took the packet.
    case written
    /// The kernel could not take it now (EAGAIN: the descriptor is non-blocking because SwiftNIO
    /// reads it). Dropped, as a congested link would; the sender's retransmission covers it.
    case wouldBlock
    /// The kernel refused this packet (EINVAL: not a well-formed IPv4 or IPv6 packet; EIO,
    /// EMSGSIZE, …): the errno.
    case rejected(errno: Int32)
    /// The device is closed.
    case closed
}

/// How many packets were written to a TUN device, and how many were dropped and why.
public struct TunWriteStatistics: Hashable, Sendable {
    /// Packets the kernel took.
    public var written: UInt64 = 0
    /// Packets dropped because the kernel could not take them at that moment.
    public var wouldBlock: UInt64 = 0
    /// Packets the kernel refused.
    public var rejected: UInt64 = 0
    /// Packets written after the device was closed.
    public var afterClose: UInt64 = 0

    /// All zero.
    public init() {}
}
