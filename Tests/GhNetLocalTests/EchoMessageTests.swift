import GhNetAddress
import GhNetPackets
import Testing
@testable import GhNetLocal

@Suite struct EchoMessageTests {
    @Test func buildsRequestsWithAValidChecksum() {
        let v4 = EchoMessage.request(family: .v4, identifier: 0x1234, sequence: 7, data: [1, 2, 3])
        #expect(v4[0] == 8 && v4[4] == 0x12 && v4[5] == 0x34 && v4[7] == 7 && Array(v4[8...]) == [1, 2, 3])
        #expect(v4.withUnsafeBytes { InternetChecksum.compute($0) } == 0, "the checksum verifies")
        let v6 = EchoMessage.request(family: .v6, identifier: 1, sequence: 2, data: [])
        #expect(v6[0] == 128 && v6[2] == 0 && v6[3] == 0, "ICMPv6: the kernel fills the checksum")
    }

    @Test func classifiesReplies() {
        var reply = EchoMessage.request(family: .v4, identifier: 9, sequence: 4, data: [5])
        reply[0] = 0
        #expect(reply.withUnsafeBytes { EchoMessage.classify($0, family: .v4) } == .reply(identifier: 9, sequence: 4, dataOffset: 8))
        var reply6 = EchoMessage.request(family: .v6, identifier: 9, sequence: 4, data: [])
        reply6[0] = 129
        #expect(reply6.withUnsafeBytes { EchoMessage.classify($0, family: .v6) } == .reply(identifier: 9, sequence: 4, dataOffset: 8))
        #expect([UInt8](repeating: 0, count: 3).withUnsafeBytes { EchoMessage.classify($0, family: .v4) } == .other)
    }

    @Test func readsTheQuotedRequestOfAnError() throws {
        // Host unreachable from a router, quoting our echo request 198.18.1.1 → 198.18.2.99.
        let request = try PacketBuilder.echoRequest(addresses: #require(IPAddressPair(source: IPAddress("198.18.1.1")!, destination: IPAddress("198.18.2.99")!)),
                                                    identifier: 300, sequence: 12, data: UnsafeRawBufferPointer(start: nil, count: 0))
        let error: [UInt8] = [3, 1, 0, 0, 0, 0, 0, 0] + request
        #expect(error.withUnsafeBytes { EchoMessage.classify($0, family: .v4) } ==
                .error(kind: .unreachable(family: .v4, code: 1), destination: IPAddress("198.18.2.99")!, identifier: 300, sequence: 12))
        // The same error quoting UDP is not ours.
        var notEcho = error
        notEcho[8 + 9] = 17
        #expect(notEcho.withUnsafeBytes { EchoMessage.classify($0, family: .v4) } == .other)
        // Truncated quotes are ignored, never read past the end.
        for length in 0..<error.count {
            _ = error.prefix(length).withUnsafeBytes { EchoMessage.classify($0, family: .v4) }
        }
        let request6 = try PacketBuilder.echoRequest(addresses: #require(IPAddressPair(source: IPAddress("2001:db8:1::1")!, destination: IPAddress("2001:db8:2::99")!)),
                                                     identifier: 1, sequence: 2, data: UnsafeRawBufferPointer(start: nil, count: 0))
        let timeExceeded: [UInt8] = [3, 0, 0, 0, 0, 0, 0, 0] + request6
        #expect(timeExceeded.withUnsafeBytes { EchoMessage.classify($0, family: .v6) } ==
                .error(kind: .timeExceeded, destination: IPAddress("2001:db8:2::99")!, identifier: 1, sequence: 2))
    }
}
