import GhNetAddress
import GhNetPackets
import GhNetWire
import NIOCore
import Testing
@testable import GhNetAgent

@Suite struct PacketTranslatorTests {
    let translator = PacketTranslator()
    let app4 = Endpoint(IPAddress("198.18.0.2")!, port: 40000)
    let corp4 = Endpoint(IPAddress("198.18.2.10")!, port: 7)
    let app6 = Endpoint(IPAddress("2001:db8::2")!, port: 40001)
    let corp6 = Endpoint(IPAddress("2001:db8:2::10")!, port: 7)

    func udpPacket(_ from: Endpoint, _ to: Endpoint, _ payload: [UInt8]) throws -> ByteBuffer {
        let addresses = try #require(IPAddressPair(source: from.address, destination: to.address))
        let bytes = try payload.withUnsafeBytes {
            try PacketBuilder.udp(addresses: addresses, header: UDPHeader(sourcePort: from.port, destinationPort: to.port), payload: $0)
        }
        return ByteBuffer(bytes: bytes)
    }

    @Test(arguments: [0, 1, 1400, 65000])
    func forwardsUDPBothFamilies(size: Int) throws {
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 7) }
        for (from, to) in [(app4, corp4), (app6, corp6)] {
            let size4 = from.address.family == .v4 ? min(size, 65507) : size
            let data = Array(payload.prefix(size4))
            let decision = translator.inbound(try udpPacket(from, to, data))
            #expect(decision == .forward(.udpDatagram(source: from, destination: to, payload: ByteBuffer(bytes: data))))
        }
    }

    @Test func dropsCorruptUDP() throws {
        var packet = try udpPacket(app4, corp4, [1, 2, 3])
        let last = packet.writerIndex - 1
        packet.setInteger(packet.getInteger(at: last, as: UInt8.self)! ^ 0xFF, at: last)
        #expect(translator.inbound(packet) == .drop(.malformed(.badChecksum)))
        #expect(translator.inbound(ByteBuffer(bytes: [0x45, 0, 0])) == .drop(.malformed(.truncated)))
    }

    @Test func aChecksumTheKernelVouchesForIsNotChecked() throws {
        // With checksum offload the kernel sends only a partial sum (here: a wrong one) and flags it.
        var packet = try udpPacket(app4, corp4, [1, 2, 3])
        packet.setInteger(UInt16(0x1234), at: packet.readerIndex + 20 + 6)
        #expect(translator.inbound(packet) == .drop(.malformed(.badChecksum)))
        #expect(translator.inbound(packet, checksumTrusted: true)
            == .forward(.udpDatagram(source: app4, destination: corp4, payload: ByteBuffer(bytes: [1, 2, 3]))))
    }

    @Test func forwardsEchoRequestsAndIgnoresOtherICMP() throws {
        let payload = [UInt8](repeating: 0xAB, count: 56)
        for (from, to) in [(app4.address, corp4.address), (app6.address, corp6.address)] {
            let addresses = try #require(IPAddressPair(source: from, destination: to))
            let request = try payload.withUnsafeBytes {
                try PacketBuilder.echoRequest(addresses: addresses, identifier: 77, sequence: 3, data: $0)
            }
            #expect(translator.inbound(ByteBuffer(bytes: request)) == .forward(.icmpEchoRequest(ICMPEcho(
                source: from, destination: to, identifier: 77, sequence: 3, hopLimit: 64, payload: ByteBuffer(bytes: payload)))))
            // An echo reply from the app is not forwarded: nothing outside pings the codespace through us.
            let reply = try payload.withUnsafeBytes {
                try PacketBuilder.echoReply(addresses: addresses, identifier: 77, sequence: 3, data: $0)
            }
            #expect(translator.inbound(ByteBuffer(bytes: reply)) == .drop(.icmpNotEcho))
        }
    }

    @Test func answersOtherProtocolsWithProtocolUnreachable() throws {
        // A GRE packet (protocol 47) from the app to corp.
        var gre: [UInt8] = [0x45, 0, 0, 24, 0, 1, 0x40, 0, 64, 47, 0, 0, 198, 18, 0, 2, 198, 18, 2, 10, 0, 0, 0x08, 0]
        let sum = gre.withUnsafeBytes { InternetChecksum.compute(UnsafeRawBufferPointer(rebasing: $0[0..<20])) }
        gre[10] = UInt8(sum >> 8)
        gre[11] = UInt8(sum & 0xFF)
        guard case .answer(let answer) = translator.inbound(ByteBuffer(bytes: gre)) else { Issue.record("no answer"); return }
        let ip = try answer.withUnsafeBytes { try IPPacket.parse($0) }
        #expect(ip.source == corp4.address && ip.destination == app4.address && ip.transportProtocol == .icmp)
        #expect(answer[ip.transportRange.lowerBound] == 3 && answer[ip.transportRange.lowerBound + 1] == 2, "type 3 code 2")
    }

    @Test func buildsReplyPacketsFromFrames() throws {
        let reply = try #require(translator.outbound(.udpDatagram(source: corp6, destination: app6, payload: ByteBuffer(bytes: [9, 8, 7]))))
        let ip = try reply.withUnsafeBytes { try IPPacket.parse($0) }
        #expect(ip.source == corp6.address && ip.destination == app6.address && ip.transportProtocol == .udp)
        let udp = try reply.withUnsafeBytes { try UDPDatagramView(ip.transport(of: $0)) }
        #expect(udp.sourcePort == 7 && udp.destinationPort == 40001 && Array(udp.payload) == [9, 8, 7])
        #expect(reply.withUnsafeBytes { bytes in (try? UDPDatagramView(ip.transport(of: bytes)))?.checksumVerifies(addresses: ip.addresses) } == true)

        let echo = try #require(translator.outbound(.icmpEchoReply(ICMPEcho(source: corp4.address, destination: app4.address, identifier: 5,
                                                                             sequence: 9, hopLimit: 64, payload: ByteBuffer(bytes: [1, 2])))))
        let echoIP = try echo.withUnsafeBytes { try IPPacket.parse($0) }
        #expect(echoIP.transportProtocol == .icmp && echo[echoIP.transportRange.lowerBound] == 0)
    }

    @Test func turnsErrorReportsIntoICMPErrorsQuotingTheAppsFlow() throws {
        let error = try #require(translator.outbound(.icmpError(ICMPErrorReport(kind: .portUnreachable, reporter: nil,
                                                                                  original: .udp(source: app4, destination: corp4)))))
        let ip = try error.withUnsafeBytes { try IPPacket.parse($0) }
        #expect(ip.source == corp4.address && ip.destination == app4.address)
        let icmp = ip.transportRange.lowerBound
        #expect(error[icmp] == 3 && error[icmp + 1] == 3, "port unreachable")
        let quote = try error.withUnsafeBytes { try QuotedPacket.parse(UnsafeRawBufferPointer(rebasing: $0[(icmp + 8)...])) }
        #expect(quote.sourcePort == 40000 && quote.destinationPort == 7 && quote.transportProtocol == .udp)

        let prohibited6 = try #require(translator.outbound(.icmpError(ICMPErrorReport(kind: .adminProhibited, reporter: nil,
            original: .icmpEcho(source: app6.address, destination: corp6.address, identifier: 1, sequence: 2)))))
        let ip6 = try prohibited6.withUnsafeBytes { try IPPacket.parse($0) }
        #expect(prohibited6[ip6.transportRange.lowerBound] == 1 && prohibited6[ip6.transportRange.lowerBound + 1] == 1, "ICMPv6 admin prohibited")
        #expect(translator.outbound(.icmpError(ICMPErrorReport(kind: .timeExceeded, reporter: nil, original: .udp(source: app4, destination: corp4)))) == nil)
        #expect(translator.outbound(.keepalive(nonce: 1)) == nil)
    }
}
