import GhNetDNS
import GhNetResolver
import NIOCore
import NIOPosix
import Testing

/// UDP answers larger than SwiftNIO's default 2 KiB read arrive whole.
@Suite struct LargeAnswerTests {
    /// A client that advertised a 4096-byte EDNS buffer gets a 3000-byte UDP answer (200 A records).
    @Test func aUDPAnswerOver2KiBArrivesWhole() async throws {
        let exchange = DNSExchange(udpTimeout: .seconds(10), tcpTimeout: .seconds(10))
        let addresses = (0..<200).map { [198, 18, 3, UInt8($0)] as [UInt8] }
        try await withChannels { channels in
            let server = try await FakeUDPServer.start(on: channels) { query in [Messages.answer(to: query, addresses: addresses)] }
            let query = Messages.query()
            let expected = Messages.answer(to: query, addresses: addresses)
            let answer = try await exchange.ask(query, server: server.address)
            #expect(expected.count > 3000)
            #expect(answer == expected)
            #expect((try? DNSMessage.parse(answer)) != nil, "a cut answer without TC would become SERVFAIL in the hook")
        }
    }
}
