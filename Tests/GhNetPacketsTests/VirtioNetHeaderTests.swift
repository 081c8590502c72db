import GhNetAddress
import Testing
@testable import GhNetPackets

/// The TUN device header and the checksum offload it carries.
@Suite struct VirtioNetHeaderTests {
    @Test func parsesTheKernelsLittleEndianLayout() {
        let bytes: [UInt8] = [1, 0, 0x36, 0x00, 0xA8, 0x05, 0x14, 0x00, 0x10, 0x00, 0xEE]
        let header = bytes.withUnsafeBytes { VirtioNetHeader.parse($0) }
        #expect(header == VirtioNetHeader(flags: 1, gsoType: 0, headerLength: 0x36, segmentSize: 0x5A8, checksumStart: 20, checksumOffset: 16))
        #expect(header?.bytes == Array(bytes.prefix(10)))
        #expect(header?.checksumTrusted == true && header?.isSegmented == false)
    }

    @Test func aShortReadHasNoHeader() {
        #expect([UInt8](repeating: 0, count: 9).withUnsafeBytes { VirtioNetHeader.parse($0) } == nil)
    }

    @Test func whatTheFlagsSay() {
        #expect(!VirtioNetHeader.plain.checksumTrusted)
        #expect(VirtioNetHeader(flags: VirtioNetHeader.dataValid).checksumTrusted)
        #expect(VirtioNetHeader(gsoType: 1).isSegmented)
        #expect(VirtioNetHeader.plain.bytes == [UInt8](repeating: 0, count: 10))
        let partial = VirtioNetHeader.partialChecksum(transportOffset: 40, fieldOffset: 16)
        #expect(partial.bytes == [1, 0, 0, 0, 0, 0, 40, 0, 16, 0])
    }

    @Test func anOffloadedTCPHeaderCarriesThePseudoHeaderSumThatCompletesToTheRealChecksum() throws {
        let addresses = try #require(IPAddressPair(source: IPAddress("198.18.2.10")!, destination: IPAddress("198.19.255.254")!))
        let header = TCPSegmentHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: 7, acknowledgmentNumber: 9,
                                      flags: [.ack, .psh], window: 512)
        let payload = (0..<1001).map { UInt8(truncatingIfNeeded: $0 * 7) }
        var full = [UInt8](repeating: 0, count: header.length)
        var offloaded = full
        try payload.withUnsafeBytes { data in
            _ = try full.withUnsafeMutableBytes { try header.emitHeader(payload: data, addresses: addresses, into: $0) }
            _ = try offloaded.withUnsafeMutableBytes { try header.emitHeader(payload: data, addresses: addresses, into: $0, offloadingChecksum: true) }
        }
        let field = TCPSegmentHeader.checksumFieldOffset
        #expect(Array(full[..<field]) == Array(offloaded[..<field]) && Array(full[(field + 2)...]) == Array(offloaded[(field + 2)...]))
        // What the kernel does: sum from the transport header to the end, field included, and complement.
        var completion = InternetChecksum()
        (offloaded + payload).withUnsafeBytes { completion.add($0) }
        #expect(completion.checksum == UInt16(full[field]) << 8 | UInt16(full[field + 1]))
        // And the pseudo-header sum alone is what the field holds.
        let pseudo = InternetChecksum(pseudoHeader: PseudoHeader(addresses: addresses, protocol: .tcp, length: header.length + payload.count))
        #expect(UInt16(offloaded[field]) << 8 | UInt16(offloaded[field + 1]) == pseudo.partialChecksum)
    }

    @Test func aTrustedChecksumIsNotChecked() throws {
        let addresses = try #require(IPAddressPair(source: IPAddress("198.19.255.254")!, destination: IPAddress("198.18.2.10")!))
        let header = TCPSegmentHeader(sourcePort: 40000, destinationPort: 80, sequenceNumber: 1, acknowledgmentNumber: 0, flags: [.syn], window: 1000)
        var bytes = try PacketBuilder.tcp(addresses: addresses, header: header)
        bytes[20 + TCPSegmentHeader.checksumFieldOffset] ^= 0xFF
        let ip = try bytes.withUnsafeBytes { try IPPacket.parse($0) }
        try bytes.withUnsafeBytes { raw in
            let view = try TCPSegmentView(ip.transport(of: raw))
            #expect(throws: PacketError.badChecksum) { try TCPSegmentHeader.parse(view, addresses: addresses) }
            #expect(try TCPSegmentHeader.parse(view, addresses: addresses, checksumTrusted: true) == header)
        }
    }
}
