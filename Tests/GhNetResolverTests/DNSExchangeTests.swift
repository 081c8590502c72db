import GhNetDNS
import GhNetResolver
import NIOCore
import NIOPosix
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// DNSExchange against fake DNS servers on 127.0.0.1: UDP, TCP after TC, ID checks, timeouts,
/// and the choice between several servers.
@Suite(.timeLimit(.minutes(1))) struct DNSExchangeTests {
    /// For the tests whose servers answer (or refuse) at once: timeouts far above any answer's
    /// delay even on a loaded 2-core CI machine, where a 2 s limit was once exceeded. The tests
    /// of silence make their own exchange with short timeouts.
    let exchange = DNSExchange(udpTimeout: .seconds(20), tcpTimeout: .seconds(20))
    let address1: [UInt8] = [198, 18, 2, 10]
    let address2: [UInt8] = [198, 18, 2, 20]

    // MARK: one server over UDP

    @Test func returnsTheServersAnswerWithTheQuerysID() async throws {
        try await withChannels { channels in
            let server = try await FakeUDPServer.start(on: channels) { [address1] query in
                [Messages.answer(to: query, addresses: [address1])]
            }
            let query = Messages.query()
            let answer = try await exchange.ask(query, server: server.address)
            #expect(answer == Messages.answer(to: query, addresses: [address1]))
            #expect(Messages.id(of: answer) == Messages.id(of: query))
            #expect(server.queries.value == 1, "one datagram, no retry")
        }
    }

    @Test func skipsAnAnswerWithAnotherIDAndTakesTheRightOne() async throws {
        try await withChannels { channels in
            let server = try await FakeUDPServer.start(on: channels) { [address1, address2] query in
                let right = Messages.answer(to: query, addresses: [address1])
                let wrong = Messages.withID(Messages.answer(to: query, addresses: [address2]), Messages.id(of: query) ^ 0xFFFF)
                return [wrong, right]
            }
            let query = Messages.query()
            let answer = try await exchange.askOverUDP(query, server: server.address)
            #expect(answer == Messages.answer(to: query, addresses: [address1]))
        }
    }

    @Test func skipsTheQueryEchoedAndRunts() async throws {
        // A message without QR (the query itself) and one shorter than a header are not answers.
        try await withChannels { channels in
            let server = try await FakeUDPServer.start(on: channels) { [address1] query in
                [query, Array(query.prefix(11)), Messages.answer(to: query, addresses: [address1])]
            }
            let query = Messages.query()
            let answer = try await exchange.askOverUDP(query, server: server.address)
            #expect(answer == Messages.answer(to: query, addresses: [address1]))
        }
    }

    @Test func silentServerTimesOutAfterTheTimeout() async throws {
        try await withChannels { channels in
            let server = try await FakeUDPServer.start(on: channels) { _ in [] }
            let exchange = DNSExchange(udpTimeout: .milliseconds(200), tcpTimeout: .seconds(1))
            let clock = ContinuousClock()
            let start = clock.now
            await #expect(throws: DNSExchangeError.timedOut) {
                try await exchange.ask(Messages.query(), server: server.address)
            }
            let elapsed = clock.now - start
            #expect(elapsed >= .milliseconds(150), "waited for the timeout: \(elapsed)")
            #expect(server.queries.value == 1)
        }
    }

    /// The kernel answers a datagram to a closed port with ICMP port unreachable, which the
    /// connected socket reports as ECONNREFUSED: the exchange says so at once instead of waiting
    /// out its timeout (half a minute here, so a regression fails as a timeout, not as a slow pass).
    @Test func nothingListeningThrowsUnreachable() async throws {
        let port = try await unusedUDPPort()
        let exchange = DNSExchange(udpTimeout: .seconds(30), tcpTimeout: .seconds(1))
        let server = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        do {
            let answer = try await exchange.askOverUDP(Messages.query(), server: server)
            Issue.record("an answer from a port where nothing listens: \(answer)")
        } catch {
            switch error {
            case .unreachable(let detail): #expect(detail.lowercased().contains("refused"), "\(detail)")
            case .timedOut, .malformedAnswer: Issue.record("unexpected error: \(error)")
            }
        }
    }

    @Test func rejectsQueriesShorterThanAHeaderWithoutSending() async throws {
        try await withChannels { channels in
            let server = try await FakeUDPServer.start(on: channels) { query in [query] }
            for short in [[], [0x12], Array(Messages.query().prefix(11))] as [[UInt8]] {
                await #expect(throws: DNSExchangeError.self) { try await exchange.askOverUDP(short, server: server.address) }
                await #expect(throws: DNSExchangeError.self) { try await exchange.askOverTCP(short, server: server.address) }
                await #expect(throws: DNSExchangeError.self) { try await exchange.ask(short, servers: [server.address]) }
            }
            #expect(server.queries.value == 0)
        }
    }

    // MARK: TCP

    @Test func truncatedUDPAnswerIsAskedAgainOverTCP() async throws {
        try await withChannels { channels in
            let servers = try await startUDPAndTCP(
                on: channels,
                udp: { query in [Messages.answer(to: query, truncated: true)] },
                tcp: { [address1, address2] query in Messages.answer(to: query, addresses: [address1, address2]) })
            let query = Messages.query()
            let answer = try await exchange.ask(query, server: servers.udp.address)
            #expect(answer == Messages.answer(to: query, addresses: [address1, address2]), "the TCP answer, not the truncated one")
            #expect(servers.udp.queries.value == 1)
            #expect(servers.tcp.queries.value == 1)
        }
    }

    @Test func truncatedUDPAnswerIsKeptWhenTCPFails() async throws {
        try await withChannels { channels in
            let servers = try await startUDPAndTCP(
                on: channels,
                udp: { query in [Messages.answer(to: query, truncated: true)] },
                tcp: { _ in nil })
            let query = Messages.query()
            let answer = try await exchange.ask(query, server: servers.udp.address)
            #expect(answer == Messages.answer(to: query, truncated: true))
            #expect(servers.tcp.queries.value == 1)
        }
    }

    @Test func answerWithoutTCIsNotAskedOverTCP() async throws {
        try await withChannels { channels in
            let servers = try await startUDPAndTCP(
                on: channels,
                udp: { [address1] query in [Messages.answer(to: query, addresses: [address1])] },
                tcp: { [address2] query in Messages.answer(to: query, addresses: [address2]) })
            let query = Messages.query()
            #expect(try await exchange.ask(query, server: servers.udp.address) == Messages.answer(to: query, addresses: [address1]))
            #expect(servers.tcp.queries.value == 0)
        }
    }

    @Test func askOverTCPReturnsTheAnswer() async throws {
        try await withChannels { channels in
            let server = try await FakeTCPServer.start(on: channels) { [address1] query in Messages.answer(to: query, addresses: [address1]) }
            let query = Messages.query("a-rather-longer-name.db.corp.example", type: 28)
            #expect(try await exchange.askOverTCP(query, server: server.address) == Messages.answer(to: query, addresses: [address1]))
            #expect(server.queries.value == 1)
        }
    }

    @Test func tcpServerClosingWithoutAnswerThrows() async throws {
        try await withChannels { channels in
            let server = try await FakeTCPServer.start(on: channels) { _ in nil }
            // The shared exchange's timeouts are 20 s: unreachable (not timedOut) means the close was noticed.
            do throws(DNSExchangeError) {
                let answer = try await exchange.askOverTCP(Messages.query(), server: server.address)
                Issue.record("an answer from a server that closed: \(answer)")
            } catch {
                guard case .unreachable = error else {
                    Issue.record("expected unreachable, got \(error)")
                    return
                }
            }
        }
    }

    @Test func tcpAnswerWithAnotherIDIsMalformed() async throws {
        try await withChannels { channels in
            let server = try await FakeTCPServer.start(on: channels) { query in
                Messages.withID(Messages.answer(to: query), Messages.id(of: query) ^ 0x0101)
            }
            await #expect(throws: DNSExchangeError.malformedAnswer) {
                try await exchange.askOverTCP(Messages.query(), server: server.address)
            }
        }
    }

    @Test func silentTCPServerTimesOut() async throws {
        try await withChannels { channels in
            let server = try await FakeTCPServer.start(on: channels) { _ in [] }
            let exchange = DNSExchange(udpTimeout: .seconds(1), tcpTimeout: .milliseconds(300))
            await #expect(throws: DNSExchangeError.timedOut) {
                try await exchange.askOverTCP(Messages.query(), server: server.address)
            }
            #expect(server.queries.value == 1)
        }
    }

    @Test func tcpConnectionRefusedThrowsUnreachable() async throws {
        // A TCP port where nothing listens: bind a server, then close it.
        let port = try await withChannels { channels in
            try await FakeTCPServer.start(on: channels) { _ in nil }.port
        }
        let server = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        do {
            let answer = try await exchange.askOverTCP(Messages.query(), server: server)
            Issue.record("an answer from a closed port: \(answer)")
        } catch {
            guard case .unreachable = error else {
                Issue.record("expected unreachable, got \(error)")
                return
            }
        }
    }

    // MARK: several servers

    @Test func servfailFromTheFirstServerGoesOnToTheSecond() async throws {
        try await withChannels { channels in
            let first = try await FakeUDPServer.start(on: channels) { query in [Messages.answer(to: query, rcode: 2)] }
            let second = try await FakeUDPServer.start(on: channels) { [address1] query in [Messages.answer(to: query, addresses: [address1])] }
            let query = Messages.query()
            let answer = try await exchange.ask(query, servers: [first.address, second.address])
            #expect(answer == Messages.answer(to: query, addresses: [address1]))
            #expect(first.queries.value == 1 && second.queries.value == 1)
        }
    }

    @Test func refusedFromTheFirstServerGoesOnToTheSecond() async throws {
        try await withChannels { channels in
            let first = try await FakeUDPServer.start(on: channels) { query in [Messages.answer(to: query, rcode: 5)] }
            let second = try await FakeUDPServer.start(on: channels) { query in [Messages.answer(to: query, rcode: 3)] }
            let query = Messages.query()
            #expect(try await exchange.ask(query, servers: [first.address, second.address]) == Messages.answer(to: query, rcode: 3),
                    "NXDOMAIN is an answer")
        }
    }

    @Test func firstUsableAnswerStopsTheSearch() async throws {
        try await withChannels { channels in
            let first = try await FakeUDPServer.start(on: channels) { [address1] query in [Messages.answer(to: query, addresses: [address1])] }
            let second = try await FakeUDPServer.start(on: channels) { [address2] query in [Messages.answer(to: query, addresses: [address2])] }
            let query = Messages.query()
            #expect(try await exchange.ask(query, servers: [first.address, second.address]) == Messages.answer(to: query, addresses: [address1]))
            #expect(second.queries.value == 0)
        }
    }

    @Test func servfailFromEveryServerReturnsTheLastServfail() async throws {
        try await withChannels { channels in
            // Both SERVFAIL; the second's carries a record so the two can be told apart.
            let first = try await FakeUDPServer.start(on: channels) { query in [Messages.answer(to: query, rcode: 2)] }
            let second = try await FakeUDPServer.start(on: channels) { [address2] query in [Messages.answer(to: query, rcode: 2, addresses: [address2])] }
            let query = Messages.query()
            let answer = try await exchange.ask(query, servers: [first.address, second.address])
            #expect(answer == Messages.answer(to: query, rcode: 2, addresses: [address2]))
            #expect(answer[3] & 0x0F == 2)
        }
    }

    @Test func servfailIsKeptWhenALaterServerDoesNotAnswer() async throws {
        try await withChannels { channels in
            let first = try await FakeUDPServer.start(on: channels) { query in [Messages.answer(to: query, rcode: 2)] }
            let silent = try await FakeUDPServer.start(on: channels) { _ in [] }
            let exchange = DNSExchange(udpTimeout: .milliseconds(200), tcpTimeout: .seconds(1))
            let query = Messages.query()
            #expect(try await exchange.ask(query, servers: [first.address, silent.address]) == Messages.answer(to: query, rcode: 2))
        }
    }

    @Test func silentFirstServerIsSkipped() async throws {
        try await withChannels { channels in
            let silent = try await FakeUDPServer.start(on: channels) { _ in [] }
            let second = try await FakeUDPServer.start(on: channels) { [address1] query in [Messages.answer(to: query, addresses: [address1])] }
            let exchange = DNSExchange(udpTimeout: .milliseconds(200), tcpTimeout: .seconds(1))
            let query = Messages.query()
            #expect(try await exchange.ask(query, servers: [silent.address, second.address]) == Messages.answer(to: query, addresses: [address1]))
        }
    }

    @Test func noServerAnsweringThrowsTheLastError() async throws {
        try await withChannels { channels in
            let silent1 = try await FakeUDPServer.start(on: channels) { _ in [] }
            let silent2 = try await FakeUDPServer.start(on: channels) { _ in [] }
            let exchange = DNSExchange(udpTimeout: .milliseconds(200), tcpTimeout: .seconds(1))
            await #expect(throws: DNSExchangeError.timedOut) {
                try await exchange.ask(Messages.query(), servers: [silent1.address, silent2.address])
            }
            #expect(silent1.queries.value == 1 && silent2.queries.value == 1)
        }
    }

    @Test func noServersThrowsUnreachable() async {
        do {
            let answer = try await exchange.ask(Messages.query(), servers: [])
            Issue.record("an answer without servers: \(answer)")
        } catch {
            guard case .unreachable = error else {
                Issue.record("expected unreachable, got \(error)")
                return
            }
        }
    }

    // MARK: nameserver addresses

    @Test func nameserverParsesNumericAddresses() throws {
        let v4 = try #require(SocketAddress.nameserver("198.18.0.1"))
        #expect(v4.ipAddress == "198.18.0.1")
        #expect(v4.port == 53)
        #expect(v4.protocol == .inet)
        let v6 = try #require(SocketAddress.nameserver("2001:db8::1"))
        #expect(v6.ipAddress == "2001:db8::1")
        #expect(v6.port == 53)
        #expect(v6.protocol == .inet6)
    }

    @Test func nameserverParsesAScopedIPv6Address() throws {
        let scoped = try #require(SocketAddress.nameserver("fe80::1%lo"))
        #expect(scoped.protocol == .inet6)
        #expect(scoped.ipAddress == "fe80::1")
        #expect(scoped.port == 53)
        guard case .v6(let v6) = scoped else {
            Issue.record("not an IPv6 address: \(scoped)")
            return
        }
        #expect(v6.address.sin6_scope_id == if_nametoindex("lo"))
        #expect(v6.address.sin6_scope_id != 0)
    }

    @Test func nameserverRejectsAnythingElse() {
        for text in ["not an address", "", " 198.18.0.1", "198.18.0.1 ", "localhost", "198.18.0.256", "2001:db8::1::2", "nameserver"] {
            #expect(SocketAddress.nameserver(text) == nil, "\(text)")
        }
    }

    @Test func nameserverHonoursThePort() throws {
        #expect(try #require(SocketAddress.nameserver("127.0.0.1", port: 5353)).port == 5353)
        #expect(try #require(SocketAddress.nameserver("::1", port: 5300)).port == 5300)
        #expect(try #require(SocketAddress.nameserver("fe80::1%lo", port: 1053)).port == 1053)
    }
}
