/// Why a packet read from the TUN device (or quoted inside an ICMP error) was rejected.
///
/// Every parser in this module throws only this type. Callers drop the packet and bump the
/// matching counter in ``PacketDropCounters``.
public enum PacketError: Error, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// The bytes end before a header, or before the length a header field promises.
    case truncated
    /// The IP version nibble is neither 4 nor 6 (or not the one the parser expected).
    case badVersion
    /// A header-length field is too small: IPv4 IHL below 5 or TCP data offset below 5.
    case badHeaderLength
    /// A length field contradicts the header it belongs to: IPv4 total length shorter than its
    /// header, or a UDP length below 8.
    case badTotalLength
    /// The IPv4 header, TCP, UDP or ICMP checksum does not verify.
    case badChecksum
    /// The IPv4 header carries options; the agent does not process them.
    case ipv4OptionsUnsupported
    /// The packet is a fragment (IPv4 more-fragments or a nonzero offset, or an IPv6 fragment
    /// header); the agent does not reassemble.
    case fragment
    /// An IPv6 extension header the agent does not skip (ESP, AH, mobility, HIP, shim6,
    /// experimental) precedes the upper-layer header.
    case unsupportedExtensionHeader
    /// An IPv6 extension header runs past the end of the payload, or a hop-by-hop header does
    /// not directly follow the fixed header.
    case badExtensionHeader
    /// A TCP option has a length below 2, runs past the header, or has the wrong size for its kind.
    case badTCPOption

    public var description: String {
        switch self {
        case .truncated: "packet truncated: the bytes end before a header or the length a header promises"
        case .badVersion: "bad IP version"
        case .badHeaderLength: "bad header length (IPv4 IHL or TCP data offset below 5)"
        case .badTotalLength: "bad length field (IPv4 total length below its header, or UDP length below 8)"
        case .badChecksum: "checksum does not verify"
        case .ipv4OptionsUnsupported: "IPv4 options are not supported"
        case .fragment: "fragments are not reassembled"
        case .unsupportedExtensionHeader: "unsupported IPv6 extension header before the upper-layer header"
        case .badExtensionHeader: "IPv6 extension header runs past the payload or is out of order"
        case .badTCPOption: "malformed TCP option"
        }
    }
}
