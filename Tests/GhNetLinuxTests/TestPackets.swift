import GhNetAddress

/// Hand-built IPv4/IPv6 packets for the tests (the packet library is another target's job),
/// and just enough parsing to check what the kernel wrote.
enum TestPacket {
    /// The Internet checksum of `bytes`.
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        for index in stride(from: 0, to: bytes.count, by: 2) {
            sum += UInt32(bytes[index]) << 8 | UInt32(index + 1 < bytes.count ? bytes[index + 1] : 0)
        }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    static func bigEndian(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

    /// An IPv4 packet (no options) around `payload`.
    static func ipv4(from source: IPAddress, to destination: IPAddress, protocol number: UInt8, payload: [UInt8]) -> [UInt8] {
        var header: [UInt8] = [0x45, 0] + bigEndian(UInt16(20 + payload.count)) + [0x12, 0x34, 0x40, 0, 64, number, 0, 0]
        header += source.bytes + destination.bytes
        header.replaceSubrange(10..<12, with: bigEndian(checksum(header)))
        return header + payload
    }

    /// An IPv6 packet (no extension headers) around `payload`.
    static func ipv6(from source: IPAddress, to destination: IPAddress, nextHeader: UInt8, payload: [UInt8]) -> [UInt8] {
        [0x60, 0, 0, 0] + bigEndian(UInt16(payload.count)) + [nextHeader, 64] + source.bytes + destination.bytes + payload
    }

    /// An ICMPv4 echo request from `source` to `destination`.
    static func echoRequest4(from source: IPAddress, to destination: IPAddress, identifier: UInt16, sequence: UInt16, data: [UInt8]) -> [UInt8] {
        var icmp: [UInt8] = [8, 0, 0, 0] + bigEndian(identifier) + bigEndian(sequence) + data
        icmp.replaceSubrange(2..<4, with: bigEndian(checksum(icmp)))
        return ipv4(from: source, to: destination, protocol: 1, payload: icmp)
    }

    /// An ICMPv6 echo request from `source` to `destination` (checksum over the pseudo-header).
    static func echoRequest6(from source: IPAddress, to destination: IPAddress, identifier: UInt16, sequence: UInt16, data: [UInt8]) -> [UInt8] {
        var icmp: [UInt8] = [128, 0, 0, 0] + bigEndian(identifier) + bigEndian(sequence) + data
        let pseudo = source.bytes + destination.bytes + [0, 0] + bigEndian(UInt16(icmp.count)) + [0, 0, 0, 58]
        icmp.replaceSubrange(2..<4, with: bigEndian(checksum(pseudo + icmp)))
        return ipv6(from: source, to: destination, nextHeader: 58, payload: icmp)
    }
}

/// The fields of a kernel-written packet the tests look at.
struct ReceivedPacket: Sendable {
    let source: IPAddress
    let destination: IPAddress
    /// IPv4 protocol or IPv6 next header.
    let transport: UInt8
    /// The bytes after the IP header.
    let payload: [UInt8]
    /// True when the IP header's length field matches the bytes read exactly.
    let lengthMatches: Bool

    /// Parses `bytes` as IPv4 or IPv6; nil for anything else.
    init?(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return nil }
        switch first >> 4 {
        case 4 where bytes.count >= 20:
            let headerLength = Int(first & 0x0F) * 4
            guard headerLength >= 20, bytes.count >= headerLength,
                  let source = IPAddress(bytes: bytes[12..<16]), let destination = IPAddress(bytes: bytes[16..<20]) else { return nil }
            self.source = source
            self.destination = destination
            transport = bytes[9]
            payload = Array(bytes[headerLength...])
            lengthMatches = (Int(bytes[2]) << 8 | Int(bytes[3])) == bytes.count
        case 6 where bytes.count >= 40:
            guard let source = IPAddress(bytes: bytes[8..<24]), let destination = IPAddress(bytes: bytes[24..<40]) else { return nil }
            self.source = source
            self.destination = destination
            transport = bytes[6]
            payload = Array(bytes[40...])
            lengthMatches = (Int(bytes[4]) << 8 | Int(bytes[5])) + 40 == bytes.count
        default:
            return nil
        }
    }
}
