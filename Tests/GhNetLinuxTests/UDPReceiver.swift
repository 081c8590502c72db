import GhNetAddress
import Glibc

/// A UDP socket bound in a test namespace, as an application there would have one: waits
/// (bounded) for one datagram. Make it and use it on the namespace's thread.
final class UDPReceiver: @unchecked Sendable {
    private let descriptor: Int32

    /// Binds to `address`:`port`.
    init(address: IPAddress, port: UInt16) throws {
        descriptor = try BoundSocket.make(type: Int32(SOCK_DGRAM.rawValue), address: address, port: port, role: "UDPReceiver")
    }

    deinit { close(descriptor) }

    /// The next datagram's payload, or nil when none arrives within `milliseconds`.
    func receive(within milliseconds: Int32) -> [UInt8]? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, milliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return count >= 0 ? Array(buffer[..<count]) : nil
    }
}
