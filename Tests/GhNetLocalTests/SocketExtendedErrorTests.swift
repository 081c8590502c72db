import GhNetAddress
import Testing
@testable import GhNetLocal

@Suite struct SocketExtendedErrorTests {
    /// What Linux queued on a ping socket when 198.18.1.99 did not answer ARP (captured with
    /// recvmsg(MSG_ERRQUEUE)): EHOSTUNREACH, origin ICMP, type 3 code 1, reported by 198.18.1.1.
    static let hostUnreachable: [UInt8] = [0x71, 0, 0, 0, 2, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                           2, 0, 0, 0, 0xC6, 0x12, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]

    @Test func readsTheKernelsRecord() throws {
        let error = try #require(Self.hostUnreachable.withUnsafeBytes { SocketExtendedError($0) })
        #expect(error.errno == 113)
        #expect(error.type == 3 && error.code == 1)
        #expect(error.reporter == IPAddress("198.18.1.1"))
        #expect(error.kind == .unreachable(family: .v4, code: 1))
    }

    @Test func ipv6ReporterAndKinds() throws {
        var bytes: [UInt8] = [0x71, 0, 0, 0, 3, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        bytes += [10, 0, 0, 0, 0, 0, 0, 0] + (IPAddress("2001:db8:1::1")!.bytes) + [0, 0, 0, 0]
        let error = try #require(bytes.withUnsafeBytes { SocketExtendedError($0) })
        #expect(error.reporter == IPAddress("2001:db8:1::1"))
        #expect(error.kind == .unreachable(family: .v6, code: 3))
        bytes[5] = 3
        #expect(bytes.withUnsafeBytes { SocketExtendedError($0) }?.kind == .timeExceeded)
        bytes[4] = 1  // SO_EE_ORIGIN_LOCAL: not an ICMP message
        #expect(bytes.withUnsafeBytes { SocketExtendedError($0) }?.kind == nil)
    }

    @Test func shortOrOddInputIsRefusedOrHasNoReporter() {
        #expect(Self.hostUnreachable.prefix(15).withUnsafeBytes { SocketExtendedError($0) } == nil)
        let noAddress = Array(Self.hostUnreachable.prefix(17))
        #expect(noAddress.withUnsafeBytes { SocketExtendedError($0) }?.reporter == nil)
        var unknownFamily = Self.hostUnreachable
        unknownFamily[16] = 99
        #expect(unknownFamily.withUnsafeBytes { SocketExtendedError($0) }?.reporter == nil)
    }
}
