import GhNetAddress

extension PacketBuilder {
    /// Largest ICMPv4 error the agent sends: RFC 1812 §4.3.2.3 quotes as much of the offending
    /// packet as fits in 576 bytes (RFC 792's header + 8 bytes is the minimum); Linux does the same.
    public static let maximumICMPv4ErrorLength = 576
    /// Largest ICMPv6 error: RFC 4443 §2.4(c), as much as fits in the minimum MTU of 1280 bytes.
    public static let maximumICMPv6ErrorLength = 1280

    /// Builds a complete ICMP echo request packet (IPv4 or ICMPv6, by the address family) —
    /// what a `ping` sends; the agent uses it to rebuild the packet an ICMP error quotes.
    public static func echoRequest(
        addresses: IPAddressPair, identifier: UInt16, sequence: UInt16, data: UnsafeRawBufferPointer,
        hopLimit: UInt8 = defaultHopLimit
    ) throws(PacketBuildError) -> [UInt8] {
        try echo(isRequest: true, addresses: addresses, identifier: identifier, sequence: sequence, data: data, hopLimit: hopLimit)
    }

    /// Builds a complete echo reply packet (IPv4 or ICMPv6, by the address family).
    public static func echoReply(
        addresses: IPAddressPair, identifier: UInt16, sequence: UInt16, data: UnsafeRawBufferPointer,
        hopLimit: UInt8 = defaultHopLimit
    ) throws(PacketBuildError) -> [UInt8] {
        try echo(isRequest: false, addresses: addresses, identifier: identifier, sequence: sequence, data: data, hopLimit: hopLimit)
    }

    private static func echo(
        isRequest: Bool, addresses: IPAddressPair, identifier: UInt16, sequence: UInt16, data: UnsafeRawBufferPointer,
        hopLimit: UInt8
    ) throws(PacketBuildError) -> [UInt8] {
        try icmpPacket(addresses: addresses, bodyCount: data.count, hopLimit: hopLimit) { out throws(PacketBuildError) in
            switch addresses.family {
            case .v4:
                let message: ICMPv4Message = isRequest
                    ? .echoRequest(identifier: identifier, sequence: sequence) : .echoReply(identifier: identifier, sequence: sequence)
                return try message.emit(body: data, into: out)
            case .v6:
                let message: ICMPv6Message = isRequest
                    ? .echoRequest(identifier: identifier, sequence: sequence) : .echoReply(identifier: identifier, sequence: sequence)
                return try message.emit(body: data, addresses: addresses, into: out)
            }
        }
    }

    public static func echoReply(
        to request: UnsafeRawBufferPointer, hopLimit: UInt8 = defaultHopLimit
    ) throws(PacketBuildError) -> [UInt8] {
        let ip = try parse(request)
        let view: ICMPMessageView
        let echo: (identifier: UInt16, sequence: UInt16)?
        do throws(PacketError) {
            view = try ICMPMessageView(ip.transport(of: request))
            switch ip.transportProtocol {
            case .icmp where ip.family == .v4:
                let message = try ICMPv4Message.parse(view)
                if case .echoRequest(let i, let s) = message { echo = (i, s) } else { echo = nil }
            case .icmpv6 where ip.family == .v6:
                let message = try ICMPv6Message.parse(view, addresses: ip.addresses)
                if case .echoRequest(let i, let s) = message { echo = (i, s) } else { echo = nil }
            default:
                echo = nil
            }
        } catch {
            throw .invalidPacket(error)
        }
        guard let (identifier, sequence) = echo else { throw .notAnEchoRequest }
        return try echoReply(addresses: ip.addresses.reversed, identifier: identifier, sequence: sequence,
                             data: view.body, hopLimit: hopLimit)
    }

    /// An ICMP destination unreachable (IPv4) or its ICMPv6 counterpart (IPv6) about `packet`,
    /// sent from `source` (default: the packet's destination, as if the host itself answered) to
    /// the packet's source, quoting as much of the packet as fits in 576 (IPv4) or 1280 (IPv6)
    /// bytes. Refuses to answer ICMP errors and packets from or to no single host.
    public static func destinationUnreachable(
        _ reason: UnreachableReason, quoting packet: UnsafeRawBufferPointer, source: IPAddress? = nil,
        hopLimit: UInt8 = defaultHopLimit
    ) throws(PacketBuildError) -> [UInt8] {
        let ip = try parse(packet)
        guard mayAnswerWithError(ip, packet) else { throw .icmpErrorNotAllowed }
        guard let addresses = IPAddressPair(source: source ?? ip.destination, destination: ip.source) else {
            throw .addressFamilyMismatch
        }
        let limit = ip.family == .v4 ? maximumICMPv4ErrorLength : maximumICMPv6ErrorLength
        let room = limit - IPHeader.length(of: ip.family) - ICMPMessageView.headerLength
        let quote = packet.slice(0..<min(ip.totalLength, room))
        return try icmpPacket(addresses: addresses, bodyCount: quote.count, hopLimit: hopLimit) { out throws(PacketBuildError) in
            switch addresses.family {
            case .v4:
                try reason.icmpv4Message.emit(body: quote, into: out)
            case .v6:
                try reason.icmpv6Message(protocolFieldOffset: ip.protocolFieldOffset)
                    .emit(body: quote, addresses: addresses, into: out)
            }
        }
    }

    /// An IP packet carrying an ICMP message of `bodyCount` body bytes that `emit` writes.
    private static func icmpPacket(
        addresses: IPAddressPair, bodyCount: Int, hopLimit: UInt8,
        emit: (UnsafeMutableRawBufferPointer) throws(PacketBuildError) -> Int
    ) throws(PacketBuildError) -> [UInt8] {
        let transportLength = ICMPMessageView.headerLength + bodyCount
        let proto: IPProtocol = addresses.family == .v4 ? .icmp : .icmpv6
        return try makeArray(count: IPHeader.length(of: addresses.family) + transportLength) { buffer throws(PacketBuildError) in
            try write(addresses: addresses, protocol: proto, hopLimit: hopLimit,
                      transportLength: transportLength, into: buffer, transport: emit)
        }
    }

    private static func parse(_ packet: UnsafeRawBufferPointer) throws(PacketBuildError) -> IPPacket {
        do throws(PacketError) {
            return try IPPacket.parse(packet)
        } catch {
            throw .invalidPacket(error)
        }
    }

    /// RFC 1122 §3.2.2, RFC 1812 §4.3.2.7, RFC 4443 §2.4(e): no error about an ICMP error, and
    /// none about a packet whose source or destination is not a single host.
    private static func mayAnswerWithError(_ ip: IPPacket, _ packet: UnsafeRawBufferPointer) -> Bool {
        guard isSingleHost(ip.source), isSingleHost(ip.destination) else { return false }
        let transport = ip.transport(of: packet)
        switch ip.transportProtocol {
        case .icmp where ip.family == .v4:
            guard let type = transport.first else { return false }
            return !ICMPv4Message.isError(type: type)
        case .icmpv6 where ip.family == .v6:
            guard let type = transport.first else { return false }
            return !ICMPv6Message.isError(type: type)
        default:
            return true
        }
    }

    /// False for unspecified, multicast, broadcast and IPv4 class E addresses.
    private static func isSingleHost(_ address: IPAddress) -> Bool {
        switch address {
        case .v4(let a): a != 0 && a >> 28 < 0xE
        case .v6(let a): (a.high != 0 || a.low != 0) && a.high >> 56 != 0xFF
        }
    }
}
