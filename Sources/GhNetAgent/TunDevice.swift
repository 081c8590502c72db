import CGhNetIoctl
import Foundation
import GhNetAddress
import NIOCore
import NIOPosix
import Synchronization

/// A Linux TUN device for bare IP packets: created with a name that says what it is
/// (`ghnet0`, or the next free `ghnetN`), given addresses and an MTU, brought up, read by SwiftNIO
/// one packet per read, and written one packet per `write(2)`. Closing its descriptor removes the
/// device and every route through it (the device is not persistent).
public final class TunDevice: Sendable {
    /// Why the device could not be set up.
    public struct SetupError: Error, CustomStringConvertible {
        /// What was being done, e.g. "creating ghnet0".
        public let step: String
        /// The errno text.
        public let reason: String
        public var description: String { "\(step): \(reason)" }
    }

    /// The interface name the kernel gave the device.
    public let name: String
    /// The interface index.
    public let interfaceIndex: Int32
    /// The MTU set on the device.
    public let mtu: Int
    private let readDescriptor: Int32
    private let writeDescriptor: Int32
    private let channel = Mutex<(any Channel)?>(nil)
    private let closed = Atomic<Bool>(false)

    /// Creates and configures the device. `preferredName` is tried first, then `ghnet%d`.
    public static func create(preferredName: String, mtu: Int, addresses: [IPPrefix]) throws -> TunDevice {
        var actual = [CChar](repeating: 0, count: Int(IFNAMSIZ))
        var fd = cghnet_tun_open(preferredName, &actual)
        if fd < 0 && errno == EBUSY { fd = cghnet_tun_open("ghnet%d", &actual) }
        guard fd >= 0 else { throw SetupError(step: "creating \(preferredName) on /dev/net/tun", reason: Self.errnoText()) }
        let name = String(cString: actual)
        let writeFD = dup(fd)
        guard writeFD >= 0 else {
            let reason = Self.errnoText()
            Foundation.close(fd)
            throw SetupError(step: "duplicating the \(name) descriptor", reason: reason)
        }
        _ = fcntl(writeFD, F_SETFD, FD_CLOEXEC)
        let index = Int32(if_nametoindex(name))
        let device = TunDevice(name: name, interfaceIndex: index, mtu: mtu, readDescriptor: fd, writeDescriptor: writeFD)
        do {
            try device.configure(addresses: addresses)
        } catch {
            device.close()
            throw error
        }
        return device
    }

    private init(name: String, interfaceIndex: Int32, mtu: Int, readDescriptor: Int32, writeDescriptor: Int32) {
        self.name = name
        self.interfaceIndex = interfaceIndex
        self.mtu = mtu
        self.readDescriptor = readDescriptor
        self.writeDescriptor = writeDescriptor
    }

    private func configure(addresses: [IPPrefix]) throws {
        guard cghnet_if_set_mtu(name, Int32(mtu)) == 0 else { throw SetupError(step: "setting the MTU of \(name) to \(mtu)", reason: Self.errnoText()) }
        guard cghnet_if_set_up(name) == 0 else { throw SetupError(step: "bringing \(name) up", reason: Self.errnoText()) }
        for prefix in addresses {
            let bytes = prefix.network.bytes
            let result: Int32 = bytes.withUnsafeBufferPointer { raw in
                switch prefix.family {
                case .v4: return cghnet_if_add_ipv4(name, raw.baseAddress, Int32(prefix.length))
                case .v6: return cghnet_if_add_ipv6(interfaceIndex, raw.baseAddress, Int32(prefix.length))
                }
            }
            guard result == 0 else { throw SetupError(step: "adding address \(prefix) to \(name)", reason: Self.errnoText()) }
        }
    }

    /// Starts reading packets into a SwiftNIO channel whose pipeline holds `makeHandler()`; each
    /// read delivers exactly one whole packet (the read buffer is as large as the MTU).
    public func startReading(group: any EventLoopGroup, makeHandler: @escaping @Sendable () -> any ChannelHandler) async throws {
        let readChannel = try await NIOPipeBootstrap(group: group)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: mtu + 64))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(makeHandler())
                }
            }
            .takingOwnershipOfDescriptor(input: readDescriptor)
            .get()
        channel.withLock { $0 = readChannel }
    }

    /// The event loop reading the device (after ``startReading(group:makeHandler:)``).
    public var eventLoop: (any EventLoop)? { channel.withLock { $0?.eventLoop } }

    /// Writes one packet with one `write(2)`. False (the packet is dropped) when the kernel
    /// refuses it (a malformed packet: EINVAL) or cannot take it now (EAGAIN), or after close.
    public func write(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard !closed.load(ordering: .relaxed), let base = packet.baseAddress else { return false }
        while true {
            let written = Foundation.write(writeDescriptor, base, packet.count)
            if written == packet.count { return true }
            if written < 0 && errno == EINTR { continue }
            return false
        }
    }

    /// Closes the device: the kernel removes it and its routes. Safe to call more than once.
    public func close() {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        Foundation.close(writeDescriptor)
        if let readChannel = channel.withLock({ $0 }) {
            try? readChannel.close().wait()
        } else {
            Foundation.close(readDescriptor)
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
