import GhNetAddress
import NIOCore

/// Writers for the field encodings shared by all frame bodies.
extension ByteBuffer {
    /// The longest string a `UInt16` byte count can describe.
    static let maximumWireStringLength = Int(UInt16.max)

    /// A `UInt16` byte count and the UTF-8 bytes. Text beyond 65,535 bytes is cut at the last
    /// whole Unicode scalar that fits, so the result is always valid UTF-8.
    mutating func writeWireString(_ string: String) {
        let utf8 = string.utf8
        var end = utf8.index(utf8.startIndex, offsetBy: Self.maximumWireStringLength, limitedBy: utf8.endIndex)
            ?? utf8.endIndex
        while end != utf8.endIndex, UTF8.isContinuation(utf8[end]) {
            end = utf8.index(before: end)
        }
        let bytes = utf8[..<end]
        writeInteger(UInt16(bytes.count))
        writeBytes(bytes)
    }

    /// Family byte `4` or `6`, then the 4 or 16 network-order address bytes.
    mutating func writeAddress(_ address: IPAddress) {
        switch address {
        case .v4(let value):
            writeInteger(UInt8(4))
            writeInteger(value)
        case .v6(let bytes):
            writeInteger(UInt8(6))
            writeInteger(bytes.high)
            writeInteger(bytes.low)
        }
    }

    /// An address, or the single byte `0` for "none".
    mutating func writeOptionalAddress(_ address: IPAddress?) {
        if let address { writeAddress(address) } else { writeInteger(UInt8(0)) }
    }

    /// An address and a `UInt16` port.
    mutating func writeEndpoint(_ endpoint: Endpoint) {
        writeAddress(endpoint.address)
        writeInteger(endpoint.port)
    }
}
