import GhNetAddress
import GhNetPackets
import GhNetWire
import NIOCore

/// The agent's pure packet logic: what to do with an IP packet the codespace's kernel routed
/// into the TUN device, and which IP packet to write back for a frame from the local side.
/// No I/O: packets and frames in, packets and frames out, so it is tested without a TUN.
public struct PacketTranslator: Sendable {
    /// What to do with one packet read from the TUN device.
    public enum Inbound: Equatable, Sendable {
        /// Send this frame to the local side.
        case forward(Frame)
        /// Write this packet back into the TUN (an ICMP error for the app).
        case answer([UInt8])
        /// A TCP segment for the agent's TCP endpoints (payload: a slice of the packet).
        case tcp(header: TCPSegmentHeader, addresses: IPAddressPair, payload: ByteBuffer)
        /// Drop it; the reason is counted.
        case drop(DropReason)
    }

    /// Why a packet was dropped.
    public enum DropReason: Hashable, Sendable, CustomStringConvertible {
        /// Not a valid IP packet (or one we do not accept, e.g. a fragment).
        case malformed(PacketError)
        /// ICMP that is not an echo request (neighbour discovery, errors…): nothing to forward.
        case icmpNotEcho
        /// A packet that must not be answered with an ICMP error (e.g. to multicast).
        case unanswerable

        public var description: String {
            switch self {
            case .malformed(let error): return "malformed: \(error)"
            case .icmpNotEcho: return "ICMP other than echo request"
            case .unanswerable: return "cannot be answered"
            }
        }
    }

    public init() {}

    /// Decides what to do with `packet` (one whole IP packet from the TUN). `checksumTrusted`:
    /// the kernel vouched for its TCP or UDP checksum (``VirtioNetHeader/checksumTrusted``), so
    /// it is not checked again.
    public func inbound(_ packet: ByteBuffer, checksumTrusted: Bool = false) -> Inbound {
        packet.withUnsafeReadableBytes { bytes -> Inbound in
            let ip: IPPacket
            switch Result(catching: { () throws(PacketError) in try IPPacket.parse(bytes) }) {
            case .success(let parsed): ip = parsed
            case .failure(let error): return .drop(.malformed(error))
            }
            let transport = ip.transport(of: bytes)
            let start = packet.readerIndex + ip.transportRange.lowerBound
            switch ip.transportProtocol {
            case .tcp:
                guard let view = try? TCPSegmentView(transport) else { return .drop(.malformed(.truncated)) }
                // parse checks the checksum unless trusted (a bad one is dropped as .badChecksum).
                switch Result(catching: { () throws(PacketError) in try TCPSegmentHeader.parse(view, addresses: ip.addresses, checksumTrusted: checksumTrusted) }) {
                case .failure(let error):
                    return .drop(.malformed(error))
                case .success(let header):
                    let payload = packet.getSlice(at: start + view.payloadRange.lowerBound, length: view.payloadRange.count) ?? ByteBuffer()
                    return .tcp(header: header, addresses: ip.addresses, payload: payload)
                }
            case .udp:
                guard let view = try? UDPDatagramView(transport) else { return .drop(.malformed(.truncated)) }
                guard checksumTrusted || view.checksumVerifies(addresses: ip.addresses) else { return .drop(.malformed(.badChecksum)) }
                let payload = packet.getSlice(at: start + view.payloadRange.lowerBound, length: view.payloadRange.count) ?? ByteBuffer()
                return .forward(.udpDatagram(source: Endpoint(ip.source, port: view.sourcePort),
                                             destination: Endpoint(ip.destination, port: view.destinationPort),
                                             payload: payload))
            case .icmp where ip.family == .v4, .icmpv6 where ip.family == .v6:
                guard let view = try? ICMPMessageView(transport) else { return .drop(.malformed(.truncated)) }
                let echoType: UInt8 = ip.family == .v4 ? 8 : 128
                guard view.type == echoType, view.code == 0, transport.count >= 8 else { return .drop(.icmpNotEcho) }
                let identifier = UInt16(transport[4]) << 8 | UInt16(transport[5])
                let sequence = UInt16(transport[6]) << 8 | UInt16(transport[7])
                let payload = packet.getSlice(at: start + view.bodyRange.lowerBound, length: view.bodyRange.count) ?? ByteBuffer()
                return .forward(.icmpEchoRequest(ICMPEcho(source: ip.source, destination: ip.destination, identifier: identifier,
                                                          sequence: sequence, hopLimit: ip.hopLimit, payload: payload)))
            default:
                guard let answer = try? PacketBuilder.destinationUnreachable(.protocol, quoting: bytes) else {
                    return .drop(.unanswerable)
                }
                return .answer(answer)
            }
        }
    }

    /// The IP packet to write into the TUN for a frame from the local side, or `nil` when the
    /// frame is not about packets (or cannot be turned into one, e.g. mixed address families).
    public func outbound(_ frame: Frame) -> [UInt8]? {
        switch frame {
        case .udpDatagram(let source, let destination, let payload):
            guard let addresses = IPAddressPair(source: source.address, destination: destination.address) else { return nil }
            return payload.withUnsafeReadableBytes { bytes in
                try? PacketBuilder.udp(addresses: addresses, header: UDPHeader(sourcePort: source.port, destinationPort: destination.port),
                                       payload: bytes)
            }
        case .icmpEchoReply(let echo):
            guard let addresses = IPAddressPair(source: echo.source, destination: echo.destination) else { return nil }
            return echo.payload.withUnsafeReadableBytes { bytes in
                try? PacketBuilder.echoReply(addresses: addresses, identifier: echo.identifier, sequence: echo.sequence, data: bytes)
            }
        case .icmpError(let report):
            guard let reason = Self.reason(for: report.kind), let original = Self.originalPacket(report.original) else { return nil }
            return original.withUnsafeBytes { bytes in
                try? PacketBuilder.destinationUnreachable(reason, quoting: bytes, source: report.reporter)
            }
        default:
            return nil
        }
    }

    /// The unreachable reason for a reported error; `nil` for kinds with no unreachable form
    /// (time exceeded, fragmentation needed), which are dropped: the app's own timeout applies.
    static func reason(for kind: ICMPErrorKind) -> UnreachableReason? {
        switch kind {
        case .netUnreachable: return .network
        case .hostUnreachable: return .host
        case .portUnreachable: return .port
        case .adminProhibited: return .administrativelyProhibited
        case .protocolUnreachable: return .protocol
        case .timeExceeded, .fragmentationNeeded: return nil
        }
    }

    /// Rebuilds the headers of the codespace's packet an error is about, for the error to quote
    /// (the app's kernel matches the quote's addresses, ports or echo identifier to its socket).
    static func originalPacket(_ flow: OriginalFlow) -> [UInt8]? {
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        switch flow {
        case .udp(let source, let destination):
            guard let addresses = IPAddressPair(source: source.address, destination: destination.address) else { return nil }
            return try? PacketBuilder.udp(addresses: addresses, header: UDPHeader(sourcePort: source.port, destinationPort: destination.port), payload: empty)
        case .tcp(let source, let destination):
            guard let addresses = IPAddressPair(source: source.address, destination: destination.address) else { return nil }
            let header = TCPSegmentHeader(sourcePort: source.port, destinationPort: destination.port, sequenceNumber: 0,
                                          acknowledgmentNumber: 0, flags: [.syn], window: 0, urgentPointer: 0, options: TCPOptions())
            return try? PacketBuilder.tcp(addresses: addresses, header: header)
        case .icmpEcho(let source, let destination, let identifier, let sequence):
            guard let addresses = IPAddressPair(source: source, destination: destination) else { return nil }
            return try? PacketBuilder.echoRequest(addresses: addresses, identifier: identifier, sequence: sequence, data: empty)
        }
    }
}
