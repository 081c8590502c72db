/// A parsed ICMPv6 message header (RFC 4443). The body (echo data or the quoted packet) stays in
/// the caller's buffer (``ICMPMessageView/body``); ``QuotedPacket`` reads a quoted packet.
public enum ICMPv6Message: Hashable, Sendable {
    /// Type 1.
    case destinationUnreachable(code: UInt8)
    /// Type 2, with the MTU of the next hop.
    case packetTooBig(mtu: UInt32)
    /// Type 3; code 0 hop limit exceeded in transit, 1 reassembly time exceeded.
    case timeExceeded(code: UInt8)
    /// Type 4; `pointer` is the offset of the offending byte in the quoted packet.
    case parameterProblem(code: UInt8, pointer: UInt32)
    /// Type 128.
    case echoRequest(identifier: UInt16, sequence: UInt16)
    /// Type 129.
    case echoReply(identifier: UInt16, sequence: UInt16)
    /// Any other type (neighbor discovery, MLD, ...), kept verbatim.
    case other(type: UInt8, code: UInt8, restOfHeader: UInt32)

    /// Destination-unreachable codes (RFC 4443 §3.1).
    public enum UnreachableCode {
        /// No route to destination.
        public static let noRoute: UInt8 = 0
        /// Communication with destination administratively prohibited.
        public static let administrativelyProhibited: UInt8 = 1
        /// Address unreachable.
        public static let address: UInt8 = 3
        /// Port unreachable.
        public static let port: UInt8 = 4
    }

    /// Parameter-problem code 1: unrecognized next header type (RFC 4443 §3.4), the IPv6 answer
    /// to an unknown protocol.
    public static let unrecognizedNextHeader: UInt8 = 1

    /// True for error messages (types below 128), which must never be answered with another error.
    public static func isError(type: UInt8) -> Bool { type < 128 }

    /// Reads a checked view; the checksum must verify against `addresses`.
    public static func parse(_ view: ICMPMessageView, addresses: IPAddressPair) throws(PacketError) -> ICMPv6Message {
        guard view.icmpv6ChecksumVerifies(addresses: addresses) else { throw .badChecksum }
        let rest = view.restOfHeader
        let (identifier, sequence) = (UInt16(truncatingIfNeeded: rest >> 16), UInt16(truncatingIfNeeded: rest))
        switch view.type {
        case 1: return .destinationUnreachable(code: view.code)
        case 2: return .packetTooBig(mtu: rest)
        case 3: return .timeExceeded(code: view.code)
        case 4: return .parameterProblem(code: view.code, pointer: rest)
        case 128: return .echoRequest(identifier: identifier, sequence: sequence)
        case 129: return .echoReply(identifier: identifier, sequence: sequence)
        default: return .other(type: view.type, code: view.code, restOfHeader: rest)
        }
    }

    /// Writes the message with `body` at the start of `buffer`, checksummed for `addresses`;
    /// returns the bytes written.
    @discardableResult
    public func emit(
        body: UnsafeRawBufferPointer, addresses: IPAddressPair, into buffer: UnsafeMutableRawBufferPointer
    ) throws(PacketBuildError) -> Int {
        let (type, code, rest): (UInt8, UInt8, UInt32) = switch self {
        case .destinationUnreachable(let code): (1, code, 0)
        case .packetTooBig(let mtu): (2, 0, mtu)
        case .timeExceeded(let code): (3, code, 0)
        case .parameterProblem(let code, let pointer): (4, code, pointer)
        case .echoRequest(let id, let seq): (128, 0, UInt32(id) << 16 | UInt32(seq))
        case .echoReply(let id, let seq): (129, 0, UInt32(id) << 16 | UInt32(seq))
        case .other(let type, let code, let rest): (type, code, rest)
        }
        let pseudo = PseudoHeader(addresses: addresses, protocol: .icmpv6, length: ICMPMessageView.headerLength + body.count)
        return try emitICMP(type: type, code: code, restOfHeader: rest, body: body,
                            checksumStart: InternetChecksum(pseudoHeader: pseudo), into: buffer)
    }
}
