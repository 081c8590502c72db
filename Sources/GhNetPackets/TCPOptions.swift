/// The TCP options the agent uses: MSS (RFC 9293), window scale and timestamps (RFC 7323),
/// SACK-permitted (RFC 2018). Other options (SACK blocks, TFO, MD5, MPTCP, ...) are skipped when
/// parsing and never emitted.
public struct TCPOptions: Hashable, Sendable {
    /// Maximum segment size (SYN only).
    public var maximumSegmentSize: UInt16?
    /// Window scale shift count as sent (SYN only; RFC 7323 caps its use at 14).
    public var windowScale: UInt8?
    /// SACK-permitted (SYN only).
    public var sackPermitted: Bool
    /// Timestamp value and echo reply.
    public var timestamps: TCPTimestamps?

    /// Describes a set of options; the default is none.
    public init(
        maximumSegmentSize: UInt16? = nil, windowScale: UInt8? = nil,
        sackPermitted: Bool = false, timestamps: TCPTimestamps? = nil
    ) {
        self.maximumSegmentSize = maximumSegmentSize
        self.windowScale = windowScale
        self.sackPermitted = sackPermitted
        self.timestamps = timestamps
    }

    /// Parses the options area of a TCP header.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(PacketError) -> TCPOptions {
        var options = TCPOptions()
        var offset = 0
        while offset < bytes.count {
            let kind = bytes[offset]
            if kind == Kind.end { break }
            if kind == Kind.nop { offset += 1; continue }
            guard bytes.count - offset >= 2 else { throw .badTCPOption }
            let length = Int(bytes[offset + 1])
            guard length >= 2, bytes.count - offset >= length else { throw .badTCPOption }
            switch kind {
            case Kind.maximumSegmentSize:
                guard length == 4 else { throw .badTCPOption }
                options.maximumSegmentSize = bytes.uint16(at: offset + 2)
            case Kind.windowScale:
                guard length == 3 else { throw .badTCPOption }
                options.windowScale = bytes[offset + 2]
            case Kind.sackPermitted:
                guard length == 2 else { throw .badTCPOption }
                options.sackPermitted = true
            case Kind.timestamps:
                guard length == 10 else { throw .badTCPOption }
                options.timestamps = TCPTimestamps(value: bytes.uint32(at: offset + 2), echoReply: bytes.uint32(at: offset + 6))
            default:
                break
            }
            offset += length
        }
        return options
    }

    /// Bytes the options take when emitted (a multiple of 4).
    var encodedLength: Int {
        var length = maximumSegmentSize == nil ? 0 : 4
        length += timestamps == nil ? (sackPermitted ? 4 : 0) : 12
        length += windowScale == nil ? 0 : 4
        return length
    }

    /// Writes the options in the layout Linux uses, so that kernel segments round-trip:
    /// MSS; SACK-permitted + timestamps, or NOP NOP + either; NOP + window scale.
    func emit(into buffer: UnsafeMutableRawBufferPointer) {
        var offset = 0
        func put(_ byte: UInt8) { buffer[offset] = byte; offset += 1 }
        if let mss = maximumSegmentSize {
            put(Kind.maximumSegmentSize); put(4)
            buffer.store(mss, at: offset); offset += 2
        }
        if let timestamps {
            if sackPermitted { put(Kind.sackPermitted); put(2) } else { put(Kind.nop); put(Kind.nop) }
            put(Kind.timestamps); put(10)
            buffer.store(timestamps.value, at: offset)
            buffer.store(timestamps.echoReply, at: offset + 4)
            offset += 8
        } else if sackPermitted {
            put(Kind.nop); put(Kind.nop); put(Kind.sackPermitted); put(2)
        }
        if let windowScale {
            put(Kind.nop); put(Kind.windowScale); put(3); put(windowScale)
        }
    }

    private enum Kind {
        static let end: UInt8 = 0
        static let nop: UInt8 = 1
        static let maximumSegmentSize: UInt8 = 2
        static let windowScale: UInt8 = 3
        static let sackPermitted: UInt8 = 4
        static let timestamps: UInt8 = 8
    }
}

/// The RFC 7323 timestamps option.
public struct TCPTimestamps: Hashable, Sendable {
    /// TSval: the sender's clock.
    public var value: UInt32
    /// TSecr: the latest TSval received from the peer.
    public var echoReply: UInt32

    /// Describes a timestamps option.
    public init(value: UInt32, echoReply: UInt32) {
        self.value = value
        self.echoReply = echoReply
    }
}
