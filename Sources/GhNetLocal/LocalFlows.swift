import GhNetCore
import GhNetWire
import Logging
import NIOCore

/// The local side's flows of one session: the relays, the resolver, their housekeeping.
final class Flows: Sendable {
    private let session: FrameSession
    private let udp: UDPRelay
    private let echo: EchoRelay
    private let tcp: TCPRelay
    private let resolver: LocalResolver
    private let housekeeping: RepeatedTask
    private let agentLogger = Logger(label: "agent")

    init(session: FrameSession, udp: UDPRelay, echo: EchoRelay, tcp: TCPRelay, resolver: LocalResolver, housekeeping: RepeatedTask) {
        self.session = session
        self.udp = udp
        self.echo = echo
        self.tcp = tcp
        self.resolver = resolver
        self.housekeeping = housekeeping
    }

    /// One frame from the agent, on the loop.
    func handle(_ frame: Frame) {
        switch frame {
        case .udpDatagram(let source, let destination, let payload):
            udp.forward(source: source, destination: destination, payload: payload)
        case .icmpEchoRequest(let request):
            echo.forward(request)
        case .tcpOpen(let stream, let source, let destination, let window):
            tcp.open(stream: stream, source: source, destination: destination, window: window)
        case .data, .windowCredit, .halfClose, .reset:
            tcp.handle(frame)
        case .dnsQuery(let id, let payload):
            resolver.answer(id: id, payload: payload, sink: session)
        case .log(let level, let message):
            agentLogger.log(level: level.loggerLevel, "\(message)")
        default:
            agentLogger.debug("ignoring \(frame.kind) frame: not handled by this version")
        }
    }

    /// Ends every flow (the session is over).
    func close() {
        housekeeping.cancel()
        udp.closeAll()
        echo.closeAll()
        tcp.closeAll()
    }
}
