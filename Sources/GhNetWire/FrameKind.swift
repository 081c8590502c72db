/// The kind byte that follows every frame's length prefix, one per ``Frame`` case.
///
/// Values are grouped by concern (0x0_ connection, 0x1_ configuration, 0x2_ TCP streams, 0x3_ UDP,
/// 0x4_ ICMP, 0x5_ DNS). A kind is never reused for a different layout: a new layout gets a new
/// kind, gated by a protocol version or a ``Capabilities`` bit so a peer never receives a kind it
/// does not know. Interpolated into text, a kind prints as its case name (`tcpOpen`).
public enum FrameKind: UInt8, CaseIterable, Hashable, Sendable {
    /// ``Frame/hello(_:)``.
    case hello = 0x01
    /// ``Frame/refuse(reason:)``.
    case refuse = 0x02
    /// ``Frame/goodbye(reason:)``.
    case goodbye = 0x03
    /// ``Frame/keepalive(nonce:)``.
    case keepalive = 0x04
    /// ``Frame/keepaliveAck(nonce:)``.
    case keepaliveAck = 0x05
    /// ``Frame/statistics(_:)``.
    case statistics = 0x06
    /// ``Frame/log(level:message:)``.
    case log = 0x07
    /// ``Frame/received(count:)``.
    case received = 0x08
    /// ``Frame/routes(_:)``.
    case routes = 0x10
    /// ``Frame/dnsConfig(enabled:domains:)``.
    case dnsConfig = 0x11
    /// ``Frame/tcpOpen(stream:source:destination:window:)``.
    case tcpOpen = 0x20
    /// ``Frame/tcpOpenResult(stream:result:)``.
    case tcpOpenResult = 0x21
    /// ``Frame/data(stream:offset:payload:)``.
    case data = 0x22
    /// ``Frame/windowCredit(stream:consumed:window:)``.
    case windowCredit = 0x23
    /// ``Frame/halfClose(stream:offset:)``.
    case halfClose = 0x24
    /// ``Frame/reset(stream:reason:)``.
    case reset = 0x25
    /// ``Frame/udpDatagram(source:destination:payload:)``.
    case udpDatagram = 0x30
    /// ``Frame/icmpEchoRequest(_:)``.
    case icmpEchoRequest = 0x40
    /// ``Frame/icmpEchoReply(_:)``.
    case icmpEchoReply = 0x41
    /// ``Frame/icmpError(_:)``.
    case icmpError = 0x42
    /// ``Frame/dnsQuery(id:payload:)``.
    case dnsQuery = 0x50
    /// ``Frame/dnsAnswer(id:payload:)``.
    case dnsAnswer = 0x51
    /// ``Frame/dnsFailure(id:reason:)``.
    case dnsFailure = 0x52
}
