import GhNetAddress
import NIOCore

/// One message between the local side and the agent.
///
/// On the wire every frame is a 4-byte big-endian length (of everything after it), a
/// ``FrameKind`` byte, and the body: big-endian integers, strings as a `UInt16` byte count and
/// UTF-8, addresses as a family byte (`4` or `6`) and 4 or 16 bytes, endpoints as an address
/// and a `UInt16` port. A payload or a list is always the last field and runs to the end of
/// the frame, so it needs no count of its own. `docs/wire-protocol.md` lays out each body byte
/// by byte.
///
/// Directions below are what the protocol allows; a frame arriving in the wrong direction is
/// decoded fine and must be rejected by the session layer.
public enum Frame: Hashable, Sendable {
    /// Both ways, first frame on a connection: versions, role, build, capabilities, session.
    case hello(Hello)
    /// Both ways, during the handshake: "I will not talk to you", with a reason for a human
    /// (naming both builds and which to update). The sender closes after it.
    case refuse(reason: String)
    /// Both ways, at any time after the handshake: a clean end of the session with a reason
    /// for a human. The sender closes after it; the receiver does not try to resume.
    case goodbye(reason: String)

    /// Local→agent: the complete set of prefixes to route into the tunnel, replacing any set
    /// sent before.
    case routes([IPPrefix])
    /// Local→agent: whether the agent should forward DNS, and the domains whose names always
    /// go to the local resolver (replacing any list sent before).
    case dnsConfig(enabled: Bool, domains: [String])

    /// Agent→local: an app in the codespace sent a SYN from `source` to `destination`; the
    /// agent holds it until the matching ``tcpOpenResult(stream:result:)``. `window` is the
    /// initial credit the agent grants for local→agent data on this stream.
    case tcpOpen(stream: StreamID, source: Endpoint, destination: Endpoint, window: UInt32)
    /// Local→agent: how the local `connect()` for `stream` ended.
    case tcpOpenResult(stream: StreamID, result: TCPOpenResult)
    /// Both ways: stream bytes. `offset` is the stream offset of the payload's first byte
    /// (counted from 0 in each direction), which lets a resumed session drop duplicates.
    case data(stream: StreamID, offset: UInt64, payload: ByteBuffer)
    /// Both ways: the sender has delivered every byte before `consumed` to its app or socket,
    /// and the peer may have bytes up to `consumed + window` in flight. Also the
    /// acknowledgement that lets the peer free its retransmission buffer up to `consumed`.
    case windowCredit(stream: StreamID, consumed: UInt64, window: UInt32)
    /// Both ways: the sender's direction of `stream` ends after `offset` bytes (a FIN).
    case halfClose(stream: StreamID, offset: UInt64)
    /// Both ways: `stream` is gone in both directions; unacknowledged data is dropped.
    case reset(stream: StreamID, reason: ResetReason)

    /// Both ways: one UDP datagram. Agent→local: sent by a codespace app. Local→agent: a reply,
    /// with `source` the remote server and `destination` the codespace app. Same families.
    case udpDatagram(source: Endpoint, destination: Endpoint, payload: ByteBuffer)

    /// Agent→local: a codespace app pinged a remote host.
    case icmpEchoRequest(ICMPEcho)
    /// Local→agent: the remote host answered an echo request.
    case icmpEchoReply(ICMPEcho)
    /// Local→agent: an earlier echo, datagram or connection attempt met an ICMP error.
    case icmpError(ICMPErrorReport)

    /// Agent→local: a raw DNS message (without the TCP length prefix) for the local resolver.
    /// `id` is the agent's handle for matching the answer, not the DNS message ID.
    case dnsQuery(id: UInt32, payload: ByteBuffer)
    /// Local→agent: the local resolver's raw DNS answer to query `id`.
    case dnsAnswer(id: UInt32, payload: ByteBuffer)
    /// Local→agent: query `id` could not be answered.
    case dnsFailure(id: UInt32, reason: DNSFailureReason)

    /// Both ways: are you there? The peer answers with ``keepaliveAck(nonce:)`` and the same nonce.
    case keepalive(nonce: UInt64)
    /// Both ways: the answer to ``keepalive(nonce:)``.
    case keepaliveAck(nonce: UInt64)
    /// Both ways, in a session with ``Capabilities/resume``: the sender has received `count`
    /// sequenced frames (``isSequenced``) of this session from the peer, which may forget
    /// them. After a resumed handshake it is the first frame each side sends, and the peer
    /// sends again every sequenced frame from that count on (docs/wire-protocol.md, "Resume").
    case received(count: UInt64)
    /// Both ways: counters for the status display.
    case statistics([Statistic])
    /// Agent→local: an agent log line, shown by the local side.
    case log(level: LogLevel, message: String)

    /// The kind byte this frame is sent with.
    public var kind: FrameKind {
        switch self {
        case .hello: .hello
        case .refuse: .refuse
        case .goodbye: .goodbye
        case .routes: .routes
        case .dnsConfig: .dnsConfig
        case .tcpOpen: .tcpOpen
        case .tcpOpenResult: .tcpOpenResult
        case .data: .data
        case .windowCredit: .windowCredit
        case .halfClose: .halfClose
        case .reset: .reset
        case .udpDatagram: .udpDatagram
        case .icmpEchoRequest: .icmpEchoRequest
        case .icmpEchoReply: .icmpEchoReply
        case .icmpError: .icmpError
        case .dnsQuery: .dnsQuery
        case .dnsAnswer: .dnsAnswer
        case .dnsFailure: .dnsFailure
        case .keepalive: .keepalive
        case .keepaliveAck: .keepaliveAck
        case .received: .received
        case .statistics: .statistics
        case .log: .log
        }
    }

    /// The largest payload senders put in one ``data(stream:offset:payload:)``,
    /// ``udpDatagram(source:destination:payload:)``, echo or DNS frame: 1 MiB.
    public static let maximumPayloadLength = 1 << 20
}
