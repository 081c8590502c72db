import GhNetAddress
import GhNetLinux
import GhNetNetlink
import GhNetPackets
import Glibc
import Testing

/// The TUN device in a throwaway namespace: created, configured, read one packet per read,
/// written one packet per `write(2)`, and gone with its routes when closed.
@Suite("TUN device", .serialized, .enabled(if: NamespaceSupport.available, NamespaceSupport.skipReason))
struct TunDeviceTests {
    @Test("created as ghnet0 (then ghnet1), with its MTU, up, both addresses usable at once")
    func creation() async throws {
        try await NetworkNamespace.with(role: "tun") { namespace in
            let setup = try await TunSetup.make(in: namespace)
            #expect(setup.tun.name == "ghnet0" && setup.tun.mtu == TunDevice.defaultMTU)
            let link = try setup.netlink.link(named: "ghnet0")
            #expect(link.index == setup.tun.interfaceIndex && link.mtu == 65520 && link.isUp)
            #expect(link.transmitQueueLength == TunDevice.transmitQueueLength)
            let addresses = try setup.netlink.addresses().filter { $0.interfaceIndex == setup.tun.interfaceIndex && $0.scope == .universe }
            #expect(Set(addresses.map(\.address)) == [TunSetup.address4, TunSetup.address6])
            #expect(addresses.allSatisfy { $0.flags & 0x40 == 0 }, "no address may be tentative")

            let second = try await namespace.run { try TunDevice.create(mtu: 1500, addresses: [], netlink: setup.netlink) }
            #expect(try second.name == "ghnet1" && setup.netlink.link(named: "ghnet1").mtu == 1500)
            await second.close()
            await setup.close()
        }
    }

    @Test("reads one whole packet per read: UDP datagrams the kernel routes into it, IPv4 and IPv6")
    func readsRoutedPackets() async throws {
        try await NetworkNamespace.with(role: "tun") { namespace in
            let setup = try await TunSetup.make(in: namespace)
            _ = setup.installRoutes()
            for (peer, own) in [(TunSetup.peer4, TunSetup.address4.address), (TunSetup.peer6, TunSetup.address6.address)] {
                let payloads = [Array("first datagram to \(peer)".utf8), Array(repeating: 0x5A, count: 3000), Array("third".utf8)]
                try await namespace.run { for payload in payloads { try UDPSender.send(payload, to: peer, port: 5353) } }
                for payload in payloads {
                    let packet = try await setup.packets.waitForPacket {
                        $0.destination == peer && $0.transport == 17 && Array($0.payload.dropFirst(8)) == payload
                    }
                    let received = try #require(packet, "no UDP datagram of \(payload.count) bytes to \(peer) read from the TUN")
                    #expect(received.source == own && received.lengthMatches)
                }
            }
            await setup.close()
        }
    }

    @Test("writes one packet per write(2): the kernel answers echo requests to its own addresses")
    func writesPackets() async throws {
        try await NetworkNamespace.with(role: "tun") { namespace in
            let setup = try await TunSetup.make(in: namespace)
            _ = setup.installRoutes()
            let data = Array("gh-net".utf8)
            for sequence: UInt16 in 1...3 {
                let request4 = TestPacket.echoRequest4(from: TunSetup.peer4, to: TunSetup.address4.address, identifier: 0x6768, sequence: sequence, data: data)
                let request6 = TestPacket.echoRequest6(from: TunSetup.peer6, to: TunSetup.address6.address, identifier: 0x6768, sequence: sequence, data: data)
                #expect(request4.withUnsafeBytes { setup.tun.write($0) } == .written)
                #expect(request6.withUnsafeBytes { setup.tun.write($0) } == .written)
            }
            for sequence: UInt16 in 1...3 {
                let tail = TestPacket.bigEndian(0x6768) + TestPacket.bigEndian(sequence) + data
                let reply4 = try await setup.packets.waitForPacket {
                    $0.destination == TunSetup.peer4 && $0.transport == 1 && $0.payload.first == 0 && Array($0.payload.dropFirst(4)) == tail
                }
                let reply6 = try await setup.packets.waitForPacket {
                    $0.destination == TunSetup.peer6 && $0.transport == 58 && $0.payload.first == 129 && Array($0.payload.dropFirst(4)) == tail
                }
                #expect(reply4?.source == TunSetup.address4.address, "echo reply \(sequence) over IPv4")
                #expect(reply6?.source == TunSetup.address6.address, "echo reply \(sequence) over IPv6")
            }
            #expect(setup.tun.writeStatistics.written == 6)
            await setup.close()
        }
    }

    @Test("a packet the kernel refuses is dropped and counted; the device keeps working")
    func rejectsBadPackets() async throws {
        try await NetworkNamespace.with(role: "tun") { namespace in
            let setup = try await TunSetup.make(in: namespace)
            _ = setup.installRoutes()
            #expect([UInt8]([0x00, 0x01, 0x02]).withUnsafeBytes { setup.tun.write($0) } == .rejected(errno: EINVAL))
            #expect([UInt8]().withUnsafeBytes { setup.tun.write($0) } == .rejected(errno: EINVAL))
            let request = TestPacket.echoRequest4(from: TunSetup.peer4, to: TunSetup.address4.address, identifier: 7, sequence: 7, data: [1, 2, 3])
            var buffer = setup.channel.allocator.buffer(capacity: request.count)
            buffer.writeBytes(request)
            #expect(setup.tun.write(buffer) == .written)
            let reply = try await setup.packets.waitForPacket { $0.destination == TunSetup.peer4 && $0.transport == 1 && $0.payload.first == 0 }
            #expect(reply != nil && setup.channel.isActive)
            var expected = TunWriteStatistics()
            expected.written = 1
            expected.rejected = 2
            #expect(setup.tun.writeStatistics == expected)
            await setup.close()
        }
    }

    @Test("with checksum offload the kernel hands out UDP with a partial checksum it vouches for")
    func offloadReadsPartialChecksums() async throws {
        try await NetworkNamespace.with(role: "tun") { namespace in
            let setup = try await TunSetup.make(in: namespace, checksumOffload: true)
            #expect(setup.tun.checksumOffload)
            _ = setup.installRoutes()
            let payload = Array("offloaded".utf8)
            try await namespace.run { try UDPSender.send(payload, to: TunSetup.peer4, port: 5353) }
            let matches: (ReceivedPacket) -> Bool = { $0.destination == TunSetup.peer4 && $0.transport == 17 && Array($0.payload.dropFirst(8)) == payload }
            let packet = try #require(try await setup.packets.waitForPacket(matching: matches))
            let header = try #require(setup.packets.header(ofPacketMatching: matches).flatMap { $0.withUnsafeBytes { VirtioNetHeader.parse($0) } })
            #expect(header.flags & VirtioNetHeader.needsChecksum != 0 && header.checksumTrusted && !header.isSegmented)
            #expect(header.checksumStart == 20 && header.checksumOffset == 6)
            // The field holds the pseudo-header sum only: completing it over the datagram verifies.
            let udp = packet.payload
            let pseudo = packet.source.bytes + packet.destination.bytes + [0, 17] + TestPacket.bigEndian(UInt16(udp.count))
            let partial = UInt16(udp[6]) << 8 | UInt16(udp[7])
            #expect(partial == ~TestPacket.checksum(pseudo))
            // The device's completion: the sum from the transport header on, field included.
            var completed = udp
            completed.replaceSubrange(6..<8, with: TestPacket.bigEndian(TestPacket.checksum(udp)))
            #expect(TestPacket.checksum(pseudo + completed) == 0)
            await setup.close()
        }
    }

    @Test("with checksum offload a packet written with a partial checksum is delivered; without the header's flag it is dropped")
    func offloadWritesPartialChecksums() async throws {
        try await NetworkNamespace.with(role: "tun") { namespace in
            let setup = try await TunSetup.make(in: namespace, checksumOffload: true)
            _ = setup.installRoutes()
            let receiver = try await namespace.run { try UDPReceiver(address: TunSetup.address4.address, port: 6000) }
            func datagram(_ text: String) -> [UInt8] {
                let payload = Array(text.utf8)
                let length = UInt16(8 + payload.count)
                let pseudo = TunSetup.peer4.bytes + TunSetup.address4.address.bytes + [0, 17] + TestPacket.bigEndian(length)
                // Source port 7000, destination 6000, the pseudo-header sum as a NIC would expect it.
                let udp = TestPacket.bigEndian(7000) + TestPacket.bigEndian(6000) + TestPacket.bigEndian(length)
                    + TestPacket.bigEndian(~TestPacket.checksum(pseudo)) + payload
                return TestPacket.ipv4(from: TunSetup.peer4, to: TunSetup.address4.address, protocol: 17, payload: udp)
            }
            let partial = VirtioNetHeader.partialChecksum(transportOffset: 20, fieldOffset: 6)
            let none = UnsafeRawBufferPointer(start: nil, count: 0)
            #expect(datagram("completed by the kernel").withUnsafeBytes { setup.tun.write($0, none, header: partial) } == .written)
            #expect(try await namespace.run { receiver.receive(within: 2000) } == Array("completed by the kernel".utf8))
            // The same bytes as a plain packet carry a wrong checksum: the kernel drops them.
            #expect(datagram("dropped").withUnsafeBytes { setup.tun.write($0) } == .written)
            #expect(try await namespace.run { receiver.receive(within: 300) } == nil)
            await setup.close()
        }
    }

    @Test("with checksum offload TCP goes both ways with partial checksums: a SYN written so is answered, and the answer comes out so")
    func offloadCarriesTCP() async throws {
        try await NetworkNamespace.with(role: "tun") { namespace in
            let setup = try await TunSetup.make(in: namespace, checksumOffload: true)
            _ = setup.installRoutes()
            let listener = try await namespace.run { try TCPListener(address: TunSetup.address4.address, port: 6001) }
            // A SYN from the routed peer, its checksum field holding the pseudo-header sum only.
            func syn(from port: UInt16) -> [UInt8] {
                let pseudo = TunSetup.peer4.bytes + TunSetup.address4.address.bytes + [0, 6] + TestPacket.bigEndian(20)
                let tcp = TestPacket.bigEndian(port) + TestPacket.bigEndian(6001) + [0, 0, 0x10, 0, 0, 0, 0, 0]
                    + [0x50, 0x02] + TestPacket.bigEndian(65_535) + TestPacket.bigEndian(~TestPacket.checksum(pseudo)) + [0, 0]
                return TestPacket.ipv4(from: TunSetup.peer4, to: TunSetup.address4.address, protocol: 6, payload: tcp)
            }
            func synAcknowledgment(to port: UInt16) -> (ReceivedPacket) -> Bool {
                { packet in
                    packet.destination == TunSetup.peer4 && packet.transport == 6 && packet.payload.count >= 20
                        && UInt16(packet.payload[2]) << 8 | UInt16(packet.payload[3]) == port && packet.payload[13] & 0x12 == 0x12
                }
            }
            let partial = VirtioNetHeader.partialChecksum(transportOffset: 20, fieldOffset: 16)
            let none = UnsafeRawBufferPointer(start: nil, count: 0)
            #expect(syn(from: 7001).withUnsafeBytes { setup.tun.write($0, none, header: partial) } == .written)
            let answer = try #require(try await setup.packets.waitForPacket(matching: synAcknowledgment(to: 7001)))
            // The kernel's SYN-ACK leaves its checksum to us too: the header says where, and the
            // field holds the pseudo-header sum.
            let header = try #require(setup.packets.header(ofPacketMatching: synAcknowledgment(to: 7001))
                .flatMap { $0.withUnsafeBytes { VirtioNetHeader.parse($0) } })
            #expect(header.flags & VirtioNetHeader.needsChecksum != 0 && !header.isSegmented)
            #expect(header.checksumStart == 20 && header.checksumOffset == 16)
            let segment = answer.payload
            let pseudo = answer.source.bytes + answer.destination.bytes + [0, 6] + TestPacket.bigEndian(UInt16(segment.count))
            #expect(UInt16(segment[16]) << 8 | UInt16(segment[17]) == ~TestPacket.checksum(pseudo))
            // The same SYN as a plain packet carries a wrong checksum: the kernel drops it.
            #expect(syn(from: 7002).withUnsafeBytes { setup.tun.write($0) } == .written)
            #expect(try await setup.packets.waitForPacket(timeout: .milliseconds(500), matching: synAcknowledgment(to: 7002)) == nil)
            withExtendedLifetime(listener) {}
            await setup.close()
        }
    }

    @Test("closing deletes the device, its addresses and its routes")
    func closeRemovesEverything() async throws {
        try await NetworkNamespace.with(role: "tun") { namespace in
            let setup = try await TunSetup.make(in: namespace)
            let installer = setup.installRoutes()
            let index = setup.tun.interfaceIndex
            #expect(try setup.netlink.routes().filter { $0.outputInterface == index && $0.routeProtocol == .ghNet }.count == 2)

            await setup.tun.close()
            #expect(!setup.channel.isActive)
            let lookup = #expect(throws: NetlinkError.self) { try setup.netlink.link(named: "ghnet0") }
            #expect(lookup?.errno == ENODEV)
            #expect(try setup.netlink.routes().allSatisfy { $0.outputInterface != index && $0.routeProtocol != .ghNet })
            #expect(try setup.netlink.addresses().allSatisfy { $0.interfaceIndex != index })
            #expect([UInt8](repeating: 0x45, count: 20).withUnsafeBytes { setup.tun.write($0) } == .closed)

            let changes = installer.removeAll()
            #expect(changes.removed.count == 2 && changes.failed.isEmpty && installer.installed.isEmpty)
            setup.netlink.close()
        }
    }

    @Test("reading twice, or after closing, is refused")
    func readingMisuse() async throws {
        try await NetworkNamespace.with(role: "tun") { namespace in
            let setup = try await TunSetup.make(in: namespace)
            await #expect(throws: TunError.self) {
                _ = try await setup.tun.startReading(on: setup.channel.eventLoop) { $0.eventLoop.makeSucceededVoidFuture() }
            }
            await setup.close()
            await setup.tun.close()
            setup.tun.startClosing()
            await #expect(throws: TunError.self) {
                _ = try await setup.tun.startReading(on: setup.channel.eventLoop) { $0.eventLoop.makeSucceededVoidFuture() }
            }
        }
    }
}
