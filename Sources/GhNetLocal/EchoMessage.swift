import GhNetAddress
import GhNetPackets

/// The few ICMP fields the echo relay reads and writes, at fixed offsets (type, code, checksum,
/// identifier, sequence, data). Parsing is done with ``ICMPMessageView`` for bounds checks.
enum EchoMessage {
    /// An echo request of `family` with `identifier`, `sequence` and `data`, checksum filled in
    /// for IPv4 (for ICMPv6 the kernel computes it, RFC 3542).
    static func request(family: IPFamily, identifier: UInt16, sequence: UInt16, data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [family == .v4 ? 8 : 128, 0, 0, 0,
                              UInt8(identifier >> 8), UInt8(identifier & 0xFF),
                              UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
        bytes += data
        if family == .v4 {
            let sum = bytes.withUnsafeBytes { InternetChecksum.compute($0) }
            bytes[2] = UInt8(sum >> 8)
            bytes[3] = UInt8(sum & 0xFF)
        }
        return bytes
    }

    /// What an ICMP message the relay received means for it.
    enum Received: Equatable {
        /// An echo reply: identifier, sequence, and where its data starts.
        case reply(identifier: UInt16, sequence: UInt16, dataOffset: Int)
        /// An error quoting one of our echo requests to `destination` with `identifier`/`sequence`.
        case error(kind: ICMPErrorKindCode, destination: IPAddress, identifier: UInt16, sequence: UInt16)
        /// Anything else (other hosts' traffic on a raw socket, requests, malformed).
        case other
    }

    /// Type and code of an ICMP error, family-independent.
    enum ICMPErrorKindCode: Equatable {
        case unreachable(family: IPFamily, code: UInt8)
        case timeExceeded
    }

    /// Classifies an ICMP message (without any IP header).
    static func classify(_ bytes: UnsafeRawBufferPointer, family: IPFamily) -> Received {
        guard let view = try? ICMPMessageView(bytes), bytes.count >= 8 else { return .other }
        let identifier = UInt16(bytes[4]) << 8 | UInt16(bytes[5])
        let sequence = UInt16(bytes[6]) << 8 | UInt16(bytes[7])
        switch (family, view.type) {
        case (.v4, 0), (.v6, 129):
            return .reply(identifier: identifier, sequence: sequence, dataOffset: 8)
        case (.v4, 3), (.v6, 1):
            return quoted(bytes, family: family, kind: .unreachable(family: family, code: bytes[1]))
        case (.v4, 11), (.v6, 3):
            return quoted(bytes, family: family, kind: .timeExceeded)
        default:
            return .other
        }
    }

    /// Reads the quoted echo request (IP header + first 8 ICMP bytes) of an error message.
    private static func quoted(_ bytes: UnsafeRawBufferPointer, family: IPFamily, kind: ICMPErrorKindCode) -> Received {
        let quote = UnsafeRawBufferPointer(rebasing: bytes[8...])
        let headerLength: Int
        let destination: IPAddress?
        let proto: UInt8
        switch family {
        case .v4:
            guard quote.count >= 20 else { return .other }
            headerLength = Int(quote[0] & 0x0F) * 4
            proto = quote[9]
            destination = IPAddress(bytes: quote[16..<20])
        case .v6:
            guard quote.count >= 40 else { return .other }
            headerLength = 40
            proto = quote[6]
            destination = IPAddress(bytes: quote[24..<40])
        }
        let echoType: UInt8 = family == .v4 ? 8 : 128
        guard let destination, proto == (family == .v4 ? 1 : 58), quote.count >= headerLength + 8,
              quote[headerLength] == echoType else { return .other }
        let identifier = UInt16(quote[headerLength + 4]) << 8 | UInt16(quote[headerLength + 5])
        let sequence = UInt16(quote[headerLength + 6]) << 8 | UInt16(quote[headerLength + 7])
        return .error(kind: kind, destination: destination, identifier: identifier, sequence: sequence)
    }
}
