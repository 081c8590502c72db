import GhNetAddress

/// One rtnetlink attribute (`struct rtattr` and its value). The nested and byte-order flag bits
/// are cleared from `type`.
public struct NetlinkAttribute: Hashable, Sendable {
    /// The attribute type, e.g. RTA_DST.
    public let type: UInt16
    /// The value bytes, padding excluded.
    public let value: ArraySlice<UInt8>

    /// An attribute from its type and value.
    public init(type: UInt16, value: ArraySlice<UInt8>) {
        self.type = type
        self.value = value
    }

    /// Reads every attribute in `bytes`, which must hold attributes and nothing else.
    public static func parseAll(_ bytes: ArraySlice<UInt8>) throws(NetlinkDecodingError) -> [NetlinkAttribute] {
        var attributes: [NetlinkAttribute] = []
        var offset = 0
        while offset < bytes.count {
            let available = bytes.count - offset
            guard let length = bytes.hostOrderInteger(at: offset, as: UInt16.self),
                  let type = bytes.hostOrderInteger(at: offset + 2, as: UInt16.self) else {
                throw .badAttributeLength(declared: 0, available: available)
            }
            guard Int(length) >= 4, Int(length) <= available else {
                throw .badAttributeLength(declared: Int(length), available: available)
            }
            let start = bytes.startIndex + offset
            attributes.append(NetlinkAttribute(type: type & 0x3FFF, value: bytes[(start + 4)..<(start + Int(length))]))
            offset += min(netlinkAligned(Int(length)), available)
        }
        return attributes
    }

    /// The value as a 32-bit host-order integer; it must be exactly 4 bytes.
    public func uint32() throws(NetlinkDecodingError) -> UInt32 {
        guard value.count == 4, let number = value.hostOrderInteger(at: 0, as: UInt32.self) else {
            throw .badAttributeValue(type: type, length: value.count)
        }
        return number
    }

    /// The value as an address of `family`; it must be exactly 4 or 16 bytes to match.
    public func address(of family: IPFamily) throws(NetlinkDecodingError) -> IPAddress {
        guard value.count == family.bitWidth / 8, let address = IPAddress(bytes: value) else {
            throw .badAttributeValue(type: type, length: value.count)
        }
        return address
    }

    /// The value as text, up to the first NUL byte (invalid UTF-8 is replaced).
    public func string() -> String {
        String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
    }
}

extension [NetlinkAttribute] {
    /// The last attribute of `type` (the kernel sends each at most once).
    func last(ofType type: UInt16) -> NetlinkAttribute? {
        last { $0.type == type }
    }
}
