import NIOCore
import NIOPosix
@testable import GhNetResolver

/// The exchange's calls as the tests make them: awaited, on a loop of the shared group, failing
/// with ``DNSExchangeError``.
extension DNSExchange {
    func ask(_ query: [UInt8], servers: [SocketAddress]) async throws(DNSExchangeError) -> [UInt8] {
        try await Self.awaited(ask(query, servers: servers, on: MultiThreadedEventLoopGroup.singleton.next()))
    }

    func ask(_ query: [UInt8], server: SocketAddress) async throws(DNSExchangeError) -> [UInt8] {
        try await Self.awaited(ask(query, server: server, on: MultiThreadedEventLoopGroup.singleton.next()))
    }

    func askOverUDP(_ query: [UInt8], server: SocketAddress) async throws(DNSExchangeError) -> [UInt8] {
        try await Self.awaited(askOverUDP(query, server: server, on: MultiThreadedEventLoopGroup.singleton.next()))
    }

    func askOverTCP(_ query: [UInt8], server: SocketAddress) async throws(DNSExchangeError) -> [UInt8] {
        try await Self.awaited(askOverTCP(query, server: server, on: MultiThreadedEventLoopGroup.singleton.next()))
    }

    private static func awaited(_ future: EventLoopFuture<[UInt8]>) async throws(DNSExchangeError) -> [UInt8] {
        do {
            return try await future.get()
        } catch {
            throw exchangeError(error)
        }
    }
}
