import CGhNetTun
import GhNetAddress
import GhNetNetlink
import GhNetPackets
import Glibc
import NIOCore
import NIOPosix
import Synchronization

/// A Linux TUN device carrying bare IP packets: created under a name that says what it is
/// (`ghnet0`, or the next free `ghnetN`), given an MTU and addresses, brought up; read through
/// SwiftNIO one packet per read, written one packet per `write(2)`.
///
/// The device is not persistent: when its descriptors close — ``close()``, or the process
/// ending in any way, even SIGKILL — the kernel deletes it together with its addresses and every
/// route through it. It is created in the network namespace of the calling thread.
public final class TunDevice: Sendable {
    /// The name prefix gh-net's devices get: `ghnet0`, `ghnet1`, …
    public static let defaultNamePrefix = "ghnet"
    /// The default MTU: large, because these packets never leave the host as packets, and
    /// fewer, larger packets cost less per byte; just under the 65535-byte limit of an IPv4 packet.
    public static let defaultMTU = 65520
    /// Bytes the read buffer has beyond the MTU. Without offloads the kernel hands out no
    /// packet larger than the MTU; one that was would arrive cut, and fail to parse.
    static let readHeadroom = 64
    /// How long ``create(namePrefix:mtu:addresses:netlink:)`` waits for the kernel to take the
    /// new addresses as its own.
    static let addressWait = Duration.seconds(3)
    /// IFNAMSIZ: interface names are at most 15 bytes and a NUL.
    static let nameCapacity = 16
    /// Packets the kernel queues for the reader (the default is 500). A burst of datagrams from
    /// many apps at once (a thousand DNS or UDP clients) must not be dropped before the reader
    /// gets to it; TCP queues little here (the kernel limits each socket's share).
    public static let transmitQueueLength = 4096
    /// Packets read per wake-up of the read channel, so a queue that filled is emptied fast.
    static let packetsPerRead = 64

    /// The interface name the kernel gave the device.
    public let name: String
    /// The interface index.
    public let interfaceIndex: Int32
    /// The MTU set on the device.
    public let mtu: Int
    /// The addresses given to the device.
    public let addresses: [InterfaceAddress]
    /// Checksum offload is on: every packet read starts with a ``VirtioNetHeader`` (and TCP and
    /// UDP packets the kernel sends may carry only a partial checksum, which it vouches for),
    /// and every packet written gets one, so a written packet may leave its checksum to the
    /// kernel, which then skips it for local delivery.
    public let checksumOffload: Bool

    private struct WriteSide {
        var descriptor: Int32
        var statistics = TunWriteStatistics()
    }

    private enum ReadSide {
        case idle
        case starting
        case reading(any Channel)
        case closed((any Channel)?)
    }

    private let writeSide: Mutex<WriteSide>
    private let readSide = Mutex<ReadSide>(.idle)

    /// Creates the device `<namePrefix>N` (the first free N), sets its MTU, brings it up and
    /// adds `addresses` (IPv6 ones without duplicate address detection, usable at once).
    /// `netlink` must be in the calling thread's network namespace. With `checksumOffload` the
    /// device is set up for ``checksumOffload``. On failure nothing is left behind.
    public static func create(namePrefix: String = defaultNamePrefix, mtu: Int = defaultMTU,
                              addresses: [InterfaceAddress], netlink: Netlink, checksumOffload: Bool = false) throws(TunError) -> TunDevice {
        let descriptor = open("/dev/net/tun", O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system(action: "opening /dev/net/tun", errno: errno) }
        var actual = [CChar](repeating: 0, count: nameCapacity)
        let flags = Int32(CGHNET_IFF_TUN | CGHNET_IFF_NO_PI) | (checksumOffload ? Int32(CGHNET_IFF_VNET_HDR) : 0)
        guard cghnet_tun_set_iff(descriptor, namePrefix + "%d", flags, &actual, actual.count) == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw .system(action: "creating TUN device \(namePrefix)N", errno: code)
        }
        // The default header size (10 bytes) is VirtioNetHeader's; the offload lets the kernel
        // send TCP and UDP with partial checksums.
        if checksumOffload && cghnet_tun_set_offload(descriptor, UInt32(CGHNET_TUN_F_CSUM)) != 0 {
            let code = errno
            Glibc.close(descriptor)
            throw .system(action: "enabling checksum offload on \(namePrefix)N", errno: code)
        }
        let name = String(decoding: actual.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let index: Int32
        do {
            index = try netlink.interfaceIndex(named: name)
        } catch {
            Glibc.close(descriptor)
            throw .configuration(error)
        }
        let device = TunDevice(name: name, interfaceIndex: index, mtu: mtu, addresses: addresses, checksumOffload: checksumOffload,
                               descriptor: descriptor)
        do {
            try device.configure(netlink: netlink)
        } catch {
            device.startClosing()
            throw error
        }
        return device
    }

    private init(name: String, interfaceIndex: Int32, mtu: Int, addresses: [InterfaceAddress], checksumOffload: Bool, descriptor: Int32) {
        self.name = name
        self.interfaceIndex = interfaceIndex
        self.mtu = mtu
        self.addresses = addresses
        self.checksumOffload = checksumOffload
        writeSide = Mutex(WriteSide(descriptor: descriptor))
    }

    deinit { startClosing() }

    private func configure(netlink: Netlink) throws(TunError) {
        if addresses.contains(where: { $0.family == .v6 }) { try enableIPv6() }
        do {
            try netlink.setLinkUp(interfaceIndex: interfaceIndex, mtu: mtu, transmitQueueLength: Self.transmitQueueLength)
            for address in addresses { try netlink.addAddress(address, interfaceIndex: interfaceIndex) }
        } catch {
            throw .configuration(error)
        }
        try waitUntilAddressesAreLocal(netlink: netlink)
    }

    /// The kernel acknowledges an IPv6 address before it treats it as its own: its address work
    /// queue adds the local route a moment later (later still on a busy host), and until then
    /// packets to the address are dropped. Waits, polling at most ``addressWait``, until every
    /// address has its local route, so packets and sockets can use them as soon as this returns.
    private func waitUntilAddressesAreLocal(netlink: Netlink) throws(TunError) {
        guard !addresses.isEmpty else { return }
        let deadline = ContinuousClock.now + Self.addressWait
        while true {
            var missing = Set(addresses.map(\.address))
            do {
                for route in try netlink.routes() where route.table == .local && route.type == .local {
                    missing.remove(route.destination.network)
                }
            } catch {
                throw .configuration(error)
            }
            if missing.isEmpty { return }
            guard ContinuousClock.now < deadline else {
                throw .addressesNotLocal(addresses.filter { missing.contains($0.address) }, device: name)
            }
            usleep(2_000)
        }
    }

    /// Some hosts (Docker containers among them) create interfaces with IPv6 disabled
    /// (`net.ipv6.conf.default.disable_ipv6 = 1`). IPv6 is switched on for this device only; the
    /// setting disappears with it. Without IPv6 in the kernel at all, adding the address fails
    /// and says so.
    private func enableIPv6() throws(TunError) {
        let path = "/proc/sys/net/ipv6/conf/\(name)/disable_ipv6"
        let descriptor = open(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { Glibc.close(descriptor) }
        var current: UInt8 = 0
        guard read(descriptor, &current, 1) == 1, current == UInt8(ascii: "1") else { return }
        guard pwrite(descriptor, "0\n", 2, 0) == 2 else {
            throw .system(action: "enabling IPv6 on \(name) (\(path))", errno: errno)
        }
    }

    // MARK: Reading

    /// Starts a SwiftNIO channel reading the device: each `channelRead` carries a `ByteBuffer`
    /// holding exactly one IP packet (after its ``VirtioNetHeader`` with ``checksumOffload``). `channelInitializer` sets up the pipeline. Call once.
    /// The channel reads a duplicate of the device's descriptor; closing only the channel leaves
    /// the device in place, ``close()`` closes both.
    public func startReading(on group: any EventLoopGroup,
                             channelInitializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>) async throws -> any Channel {
        let readDescriptor = try readSide.withLock { state throws(TunError) -> Int32 in
            switch state {
            case .idle: break
            case .starting, .reading: throw .alreadyReading
            case .closed: throw .closed
            }
            let copy = writeSide.withLock { fcntl($0.descriptor, F_DUPFD_CLOEXEC, 0) }
            guard copy >= 0 else { throw .system(action: "duplicating the \(name) descriptor", errno: errno) }
            state = .starting
            return copy
        }
        let channel: any Channel
        do {
            // Once NIOPipeBootstrap has the descriptor it closes it itself if set-up fails.
            channel = try await NIOPipeBootstrap(group: group)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: mtu + Self.readHeadroom))
                .channelOption(.maxMessagesPerRead, value: UInt(Self.packetsPerRead))
                .takingOwnershipOfDescriptor(input: readDescriptor) { channel in
                    channelInitializer(channel).map { channel }
                }
        } catch {
            readSide.withLock { if case .starting = $0 { $0 = .idle } }
            throw error
        }
        let kept = readSide.withLock { state in
            guard case .starting = state else { return false }
            state = .reading(channel)
            return true
        }
        guard kept else {
            channel.close(promise: nil)
            throw TunError.closed
        }
        return channel
    }

    // MARK: Writing

    /// Writes one IP packet, all its checksums computed, with one `write(2)` (or `writev(2)`
    /// behind its ``VirtioNetHeader``), so packets are never merged and a packet the kernel
    /// refuses costs only itself. Thread-safe; never blocks on a full queue (the packet is
    /// dropped instead, see ``TunWriteResult/wouldBlock``).
    @discardableResult
    public func write(_ packet: UnsafeRawBufferPointer) -> TunWriteResult {
        write(packet, UnsafeRawBufferPointer(start: nil, count: 0))
    }

    /// Writes `head` followed by `tail` as one IP packet, with one `writev(2)`: a packet's headers
    /// built apart from a payload that stays where it is. `header` (with ``checksumOffload``
    /// only) may leave the transport checksum to the kernel. Results as for
    /// ``write(_:)-(UnsafeRawBufferPointer)``.
    @discardableResult
    public func write(_ head: UnsafeRawBufferPointer, _ tail: UnsafeRawBufferPointer, header: VirtioNetHeader = .plain) -> TunWriteResult {
        precondition(checksumOffload || header == .plain, "a partial checksum needs checksum offload")
        return writeSide.withLock { side in
            let none = UnsafeRawBufferPointer(start: nil, count: 0)
            // Nothing is no packet: refused, as the kernel refuses a write too short for an IP header.
            let result: TunWriteResult = head.count + tail.count == 0 ? .rejected(errno: EINVAL) : checksumOffload
                ? header.withUnsafeBytes { Self.write($0, head, tail, to: side.descriptor) }
                : Self.write(none, head, tail, to: side.descriptor)
            side.statistics.count(result)
            return result
        }
    }

    /// Writes the readable bytes of `packet` as one IP packet; see ``write(_:)-(UnsafeRawBufferPointer)``.
    @discardableResult
    public func write(_ packet: ByteBuffer) -> TunWriteResult {
        packet.withUnsafeReadableBytes { write($0) }
    }

    /// What happened to the packets written so far.
    public var writeStatistics: TunWriteStatistics {
        writeSide.withLock { $0.statistics }
    }

    /// One `writev(2)` of the non-empty parts, in order (no allocation: three iovecs on the stack).
    private static func write(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer, _ third: UnsafeRawBufferPointer,
                              to descriptor: Int32) -> TunWriteResult {
        guard descriptor >= 0 else { return .closed }
        return withUnsafeTemporaryAllocation(of: iovec.self, capacity: 3) { vectors in
            var count = 0
            func add(_ part: UnsafeRawBufferPointer) {
                guard part.count > 0 else { return }
                vectors[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: part.baseAddress), iov_len: part.count)
                count += 1
            }
            add(first)
            add(second)
            add(third)
            let total = first.count + second.count + third.count
            for _ in 0..<16 {
                let written = writev(descriptor, vectors.baseAddress, Int32(count))
                if written == total { return .written }
                guard written < 0 else { return .rejected(errno: EIO) }
                switch errno {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK: return .wouldBlock
                case let code: return .rejected(errno: code)
                }
            }
            return .rejected(errno: EINTR)
        }
    }

    // MARK: Closing

    /// Closes the device and waits until the kernel has deleted it, with its addresses and
    /// routes. Safe to call more than once, and from any thread but the read channel's event loop.
    public func close() async {
        guard let channel = closeDescriptor() else { return }
        channel.close(promise: nil)
        try? await channel.closeFuture.get()
    }

    /// Closes the device without waiting: the kernel deletes it once the read channel has
    /// closed its descriptor on its event loop, a moment later (at once if it was never read).
    /// Safe to call more than once, from anywhere.
    public func startClosing() {
        closeDescriptor()?.close(promise: nil)
    }

    /// Closes the write descriptor and marks the read side closed; returns the read channel.
    @discardableResult
    private func closeDescriptor() -> (any Channel)? {
        writeSide.withLock { side in
            if side.descriptor >= 0 { Glibc.close(side.descriptor) }
            side.descriptor = -1
        }
        return readSide.withLock { state in
            let channel: (any Channel)?
            switch state {
            case .reading(let reading): channel = reading
            case .closed(let closed): channel = closed
            case .idle, .starting: channel = nil
            }
            state = .closed(channel)
            return channel
        }
    }
}

extension TunWriteStatistics {
    mutating func count(_ result: TunWriteResult) {
        switch result {
        case .written: written += 1
        case .wouldBlock: wouldBlock += 1
        case .rejected: rejected += 1
        case .closed: afterClose += 1
        }
    }
}
