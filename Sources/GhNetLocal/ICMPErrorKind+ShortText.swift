import GhNetWire

extension ICMPErrorKind {
    /// The NAT panel's word for a flow that met this error.
    var shortText: String {
        switch self {
        case .netUnreachable: "net unreachable"
        case .hostUnreachable: "host unreachable"
        case .portUnreachable: "refused"
        case .adminProhibited: "blocked"
        case .protocolUnreachable: "protocol unreachable"
        case .timeExceeded: "ttl exceeded"
        case .fragmentationNeeded(let mtu): "too big (mtu \(mtu))"
        }
    }
}
