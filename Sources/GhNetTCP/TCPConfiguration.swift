import GhNetAddress
import GhNetPackets

/// The knobs of every ``TCPConnection``: the TUN MTU, the buffer bounds and the timers.
///
/// The defaults suit the agent: a large TUN MTU, 1 MiB of buffering each way (the agent raises
/// both to 8 MiB and lets the wire credit decide how much is used), RFC 6298 timers with a 200 ms
/// floor (the "link" is the local kernel), a 5 ms delayed ACK and a 2 s TIME-WAIT.
/// `docs/tcp.md` explains each choice.
public struct TCPConfiguration: Hashable, Sendable {
    /// The TUN device's MTU; the MSS advertised to the app is this minus the IP and TCP headers.
    public var mtu: Int = 65520
    /// Bytes from the far server the connection buffers until the app acknowledges them. The
    /// open request grants the local side exactly this much credit, so it never sends more.
    public var sendBufferCapacity: Int = 1 << 20
    /// The most the receive window advertised to the app may be, whatever credit the local side
    /// grants; it also decides the window-scale shift. At most 65535 × 2^14.
    public var maximumReceiveWindow: Int = 1 << 20
    /// Bytes of out-of-order data held until the gap before them fills.
    public var maximumOutOfOrderBytes: Int = 256 << 10
    /// Separate out-of-order ranges held (each is one allocation).
    public var maximumOutOfOrderSegments: Int = 64
    /// Retransmission timeout before any round-trip sample (RFC 6298 §2.1).
    public var initialRetransmissionTimeout: Duration = .seconds(1)
    /// Floor of the retransmission timeout (RFC 6298 says 1 s for the Internet; the app's kernel
    /// is a local hop).
    public var minimumRetransmissionTimeout: Duration = .milliseconds(200)
    /// Ceiling of the retransmission and persist timeouts, backoff included.
    public var maximumRetransmissionTimeout: Duration = .seconds(60)
    /// Consecutive expiries of the retransmission timer (no progress in between) after which the
    /// connection is given up with a reset; also the most window probes the app may leave
    /// unanswered in a row. A zero window may last as long as the app answers the probes.
    public var maximumRetransmissions: Int = 12
    /// How long an acknowledgment of in-order data may wait for a second segment or a reply.
    public var delayedAcknowledgmentTimeout: Duration = .milliseconds(5)
    /// How long TIME-WAIT lasts: 2 × MSL with a 1 s MSL, enough for a local hop.
    public var timeWaitDuration: Duration = .seconds(2)

    /// The defaults.
    public init() {}

    /// The largest window-scale shift RFC 7323 allows.
    static let maximumWindowShift = 14

    /// The MSS advertised to the app: the MTU minus a bare IP and TCP header, capped at 65535.
    func maximumSegmentSize(family: IPFamily) -> Int {
        min(Int(UInt16.max), mtu - IPHeader.length(of: family) - TCPSegmentView.minimumHeaderLength)
    }

    /// The window-scale shift advertised to the app: the smallest that can express
    /// ``maximumReceiveWindow``.
    var receiveWindowShift: Int {
        var shift = 0
        while Int(UInt16.max) << shift < maximumReceiveWindow, shift < Self.maximumWindowShift { shift += 1 }
        return shift
    }

    /// Stops on settings the state machine cannot work with.
    func validate() {
        precondition(mtu >= 576 && mtu <= 65535, "TCPConfiguration.mtu must be 576...65535")
        precondition(sendBufferCapacity > 0, "TCPConfiguration.sendBufferCapacity must be positive")
        precondition(sendBufferCapacity <= Int(UInt32.max), "TCPConfiguration.sendBufferCapacity must fit a wire credit")
        precondition(maximumReceiveWindow > 0 && maximumReceiveWindow <= Int(UInt16.max) << Self.maximumWindowShift,
                     "TCPConfiguration.maximumReceiveWindow must be 1...65535 << 14")
        precondition(maximumOutOfOrderBytes >= 0 && maximumOutOfOrderSegments >= 0,
                     "TCPConfiguration out-of-order limits must not be negative")
        precondition(minimumRetransmissionTimeout > .zero
                     && minimumRetransmissionTimeout <= initialRetransmissionTimeout
                     && initialRetransmissionTimeout <= maximumRetransmissionTimeout,
                     "TCPConfiguration retransmission timeouts must satisfy 0 < minimum <= initial <= maximum")
        precondition(maximumRetransmissions > 0, "TCPConfiguration.maximumRetransmissions must be positive")
    }
}
