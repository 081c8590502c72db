import Foundation
import GhNetAddress
import GhNetWire
import NIOCore
import NIOPosix
import Testing
@testable import GhNetLocal

/// Raw mode (root without `ping_group_range`; elsewhere ping sockets are used and a send error
/// closes nothing): a ping to a broadcast address, which the kernel refuses (EACCES, nothing
/// leaves the host), must not end ping for every later flow of the family.
@Suite struct EchoRelayRawSocketTests {
    @Test func aRefusedPingDoesNotEndPingForTheOthers() async throws {
        guard getuid() == 0 else { return }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let agent = UDPRelaySocketTests.Recorder()
        let logger = UDPRelaySocketTests.logger
        let relay = EchoRelay(loop: loop, sink: agent, policy: UDPRelaySocketTests.AllowAll(),
                              monitor: ActivityMonitor(capacity: 100, logger: logger), logger: logger)
        func ping(_ to: String, id: UInt16) async throws {
            let echo = ICMPEcho(source: IPAddress("198.19.0.2")!, destination: IPAddress(to)!, identifier: id, sequence: 1,
                                hopLimit: 64, payload: ByteBuffer(string: "hello"))
            try await loop.submit { relay.forward(echo) }.get()
            try await Task.sleep(for: .milliseconds(300))
        }
        func replied(_ id: UInt16) -> Bool {
            agent.frames.withLock { $0 }.contains { if case .icmpEchoReply(let e) = $0 { e.identifier == id } else { false } }
        }
        try await ping("127.0.0.1", id: 1)
        #expect(replied(1), "before: a loopback ping is answered")
        try await ping("127.255.255.255", id: 2)
        try await ping("127.0.0.1", id: 3)
        #expect(replied(3), "after the refused broadcast ping, loopback pings are still answered")
        relay.closeAll()
    }
}
