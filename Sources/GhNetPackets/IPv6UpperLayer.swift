/// Where the upper-layer header of an IPv6 packet starts, found by walking its extension headers.
struct IPv6UpperLayer {
    /// The upper-layer protocol (or ``IPProtocol/noNextHeader``).
    var `protocol`: IPProtocol
    /// Offset of the upper-layer header in the packet.
    var offset: Int
    /// Offset of the next-header byte that names ``protocol`` (6 without extension headers);
    /// an ICMPv6 parameter problem about an unknown protocol points at it.
    var protocolFieldOffset: Int

    /// Skips hop-by-hop (only first), routing and destination-options headers between the fixed
    /// header and `end`. A fragment header throws ``PacketError/fragment``; ESP, AH, mobility, HIP and
    /// shim6 throw ``PacketError/unsupportedExtensionHeader``; anything else (the experimental
    /// 253 and 254 included) is the upper layer, as the Linux kernel treats it. Each header
    /// is at least 8 bytes, so the walk ends within `(end - 40) / 8` steps.
    static func find(in packet: UnsafeRawBufferPointer, end: Int) throws(PacketError) -> IPv6UpperLayer {
        var next = IPProtocol(rawValue: packet[6])
        var fieldOffset = 6
        var offset = IPv6Header.length
        while true {
            switch next {
            case .hopByHop, .routing, .destinationOptions:
                if next == .hopByHop && offset != IPv6Header.length { throw .badExtensionHeader }
                guard end - offset >= 8 else { throw .badExtensionHeader }
                let length = (Int(packet[offset + 1]) + 1) * 8
                guard end - offset >= length else { throw .badExtensionHeader }
                next = IPProtocol(rawValue: packet[offset])
                fieldOffset = offset
                offset += length
            case .fragment:
                throw .fragment
            case .esp, .authenticationHeader, Self.mobility, Self.hip, Self.shim6:
                throw .unsupportedExtensionHeader
            default:
                return IPv6UpperLayer(protocol: next, offset: offset, protocolFieldOffset: fieldOffset)
            }
        }
    }

    private static let mobility = IPProtocol(rawValue: 135)
    private static let hip = IPProtocol(rawValue: 139)
    private static let shim6 = IPProtocol(rawValue: 140)
}
