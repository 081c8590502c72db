/// A parsed ICMPv4 message header (RFC 792). The body (echo data or the quoted packet) stays in
/// the caller's buffer (``ICMPMessageView/body``); ``QuotedPacket`` reads a quoted packet.
public enum ICMPv4Message: Hashable, Sendable {
    /// Type 0.
    case echoReply(identifier: UInt16, sequence: UInt16)
    /// Type 3; `nextHopMTU` is meaningful for code 4, fragmentation needed (RFC 1191).
    case destinationUnreachable(code: UInt8, nextHopMTU: UInt16)
    /// Type 8.
    case echoRequest(identifier: UInt16, sequence: UInt16)
    /// Type 11; code 0 TTL exceeded in transit, 1 reassembly time exceeded.
    case timeExceeded(code: UInt8)
    /// Any other type, kept verbatim.
    case other(type: UInt8, code: UInt8, restOfHeader: UInt32)

    /// Destination-unreachable codes (RFC 792, RFC 1812 §5.2.7.1).
    public enum UnreachableCode {
        /// Net unreachable.
        public static let network: UInt8 = 0
        /// Host unreachable.
        public static let host: UInt8 = 1
        /// Protocol unreachable.
        public static let `protocol`: UInt8 = 2
        /// Port unreachable.
        public static let port: UInt8 = 3
        /// Fragmentation needed and DF set.
        public static let fragmentationNeeded: UInt8 = 4
        /// Communication administratively prohibited.
        public static let administrativelyProhibited: UInt8 = 13
    }

    /// True for error messages (unreachable, source quench, redirect, time exceeded, parameter
    /// problem), which must never be answered with another error.
    public static func isError(type: UInt8) -> Bool {
        switch type {
        case 3, 4, 5, 11, 12: true
        default: false
        }
    }

    /// Reads a checked view; the checksum must verify.
    public static func parse(_ view: ICMPMessageView) throws(PacketError) -> ICMPv4Message {
        guard view.icmpv4ChecksumVerifies else { throw .badChecksum }
        let rest = view.restOfHeader
        let (identifier, sequence) = (UInt16(truncatingIfNeeded: rest >> 16), UInt16(truncatingIfNeeded: rest))
        switch view.type {
        case 0: return .echoReply(identifier: identifier, sequence: sequence)
        case 3: return .destinationUnreachable(code: view.code, nextHopMTU: sequence)
        case 8: return .echoRequest(identifier: identifier, sequence: sequence)
        case 11: return .timeExceeded(code: view.code)
        default: return .other(type: view.type, code: view.code, restOfHeader: rest)
        }
    }

    /// Writes the message with `body` at the start of `buffer`; returns the bytes written.
    @discardableResult
    public func emit(body: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer) throws(PacketBuildError) -> Int {
        let (type, code, rest): (UInt8, UInt8, UInt32) = switch self {
        case .echoReply(let id, let seq): (0, 0, UInt32(id) << 16 | UInt32(seq))
        case .destinationUnreachable(let code, let mtu): (3, code, UInt32(mtu))
        case .echoRequest(let id, let seq): (8, 0, UInt32(id) << 16 | UInt32(seq))
        case .timeExceeded(let code): (11, code, 0)
        case .other(let type, let code, let rest): (type, code, rest)
        }
        return try emitICMP(type: type, code: code, restOfHeader: rest, body: body,
                            checksumStart: InternetChecksum(), into: buffer)
    }
}
