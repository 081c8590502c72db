import GhNetAddress
import GhNetPackets

/// One TCP connection from an app in the codespace, terminated in the agent: a pure state
/// machine (RFC 9293, passive side) that takes segments, bridge inputs and the time, and
/// produces segments for the app and events for the bridge. It never touches a descriptor or
/// reads a clock.
///
/// The I/O layer drives it like this, after every input:
///
/// ```swift
/// connection.segmentReceived(header, payload: payload, now: now)   // or any other input
/// while let event = connection.nextEvent() { … }                   // bridge side
/// while let segment = connection.nextSegment(now: now) {           // TUN side
///     connection.withPayload(of: segment) { payload in
///         PacketBuilder.writeTCP(addresses: connection.flow.replyAddresses,
///                                header: segment.header, payload: payload, into: buffer)
///     }
/// }
/// schedule(connection.nextDeadline)   // then call timerFired(now:) when it passes
/// ```
///
/// States are documented on ``TCPState``; bounds, timers and choices in `docs/tcp.md`.
public struct TCPConnection: Sendable {
    /// The connection's addresses and ports.
    public let flow: TCPFlowKey
    /// The knobs it was made with.
    public let configuration: TCPConfiguration
    /// Where it stands.
    public internal(set) var state: TCPState = .awaitingOpen

    /// The app's SYN (the latest, while it is held): its options set up the connection and an
    /// ICMP error about the connect quotes it.
    var syn: TCPSegmentHeader
    /// Our initial sequence number.
    let initialSequenceNumber: TCPSequenceNumber
    /// Our random timestamp clock offset.
    let timestampOffset: UInt32

    var sender: TCPSender
    var receiver: TCPReceiver
    /// The timestamps option, when the app's SYN offered it.
    var timestamps: TimestampState?
    /// When TIME-WAIT ends, in that state.
    var timeWaitDeadline: TCPInstant?
    /// A reset to send before anything else.
    var pendingReset: TCPSegmentHeader?
    var events = TCPEventQueue()

    /// ``TCPConfiguration/delayedAcknowledgmentTimeout`` in nanoseconds.
    let delayedAcknowledgmentTimeout: Int
    /// Reports of released send space come in steps of at least this many bytes.
    let releaseReportStep: Int
    /// The largest step: a bridge granting credit in windows much smaller than the send buffer
    /// still hears of released space often enough.
    static let largestReleaseReportStep = 16 << 10

    /// Whether `header` may open a connection: SYN, and none of ACK, RST or FIN.
    public static func isConnectionRequest(_ header: TCPSegmentHeader) -> Bool {
        header.flags.contains(.syn) && header.flags.isDisjoint(with: [.ack, .rst, .fin])
    }

    /// A connection for the app's first SYN of a flow (the dispatcher's LISTEN): the SYN is held
    /// and ``TCPEvent/openRequested(_:window:)`` is the first event. `addresses` are those of
    /// the SYN's packet (app → server). The initial sequence number and the timestamp offset
    /// are drawn from `random`. Returns `nil` unless ``isConnectionRequest(_:)``.
    public init?<Random: RandomNumberGenerator>(
        syn: TCPSegmentHeader, addresses: IPAddressPair, configuration: TCPConfiguration = TCPConfiguration(),
        now: TCPInstant, random: inout Random
    ) {
        guard Self.isConnectionRequest(syn) else { return nil }
        configuration.validate()
        self.flow = TCPFlowKey(addresses: addresses, header: syn)
        self.configuration = configuration
        self.syn = syn
        initialSequenceNumber = TCPSequenceNumber(random.next())
        timestampOffset = random.next()
        delayedAcknowledgmentTimeout = configuration.delayedAcknowledgmentTimeout.nanosecondCount
        releaseReportStep = max(1, min(configuration.sendBufferCapacity / 4, Self.largestReleaseReportStep))
        (sender, receiver, timestamps) = Self.negotiate(
            syn: syn, family: addresses.family, configuration: configuration,
            initialSequenceNumber: initialSequenceNumber, timestampOffset: timestampOffset, now: now)
        events.append(.openRequested(flow, window: UInt32(configuration.sendBufferCapacity)))
    }

    /// Both halves as the SYN's options make them: MSS, window scaling, timestamps. SACK is
    /// declined (never offered back).
    static func negotiate(
        syn: TCPSegmentHeader, family: IPFamily, configuration: TCPConfiguration,
        initialSequenceNumber: TCPSequenceNumber, timestampOffset: UInt32, now: TCPInstant
    ) -> (TCPSender, TCPReceiver, TimestampState?) {
        let options = syn.options
        let scaling = options.windowScale != nil
        let ourSegmentSize = configuration.maximumSegmentSize(family: family)
        let peerSegmentSize = options.maximumSegmentSize.map(Int.init) ?? (family == .v4 ? 536 : 1220)
        let optionBytes = options.timestamps == nil ? 0 : 12
        let sender = TCPSender(
            initialSequenceNumber: initialSequenceNumber,
            segmentSize: max(minimumSegmentSize, min(peerSegmentSize, ourSegmentSize) - optionBytes),
            windowShift: min(Int(options.windowScale ?? 0), TCPConfiguration.maximumWindowShift),
            timesSegments: options.timestamps == nil, configuration: configuration)
        let receiver = TCPReceiver(
            initialSequenceNumber: TCPSequenceNumber(syn.sequenceNumber),
            windowShift: scaling ? configuration.receiveWindowShift : 0, configuration: configuration,
            segmentSize: ourSegmentSize - optionBytes, initialCredit: 0)
        let timestamps = options.timestamps.map {
            TimestampState(offset: timestampOffset, recent: $0.value, now: now)
        }
        return (sender, receiver, timestamps)
    }

    /// The smallest send segment size used, whatever MSS the app announces (Linux's floor).
    static let minimumSegmentSize = 48

    // MARK: Reading the outputs

    /// The next event for the bridge, oldest first; `nil` when there is none.
    public mutating func nextEvent() -> TCPEvent? {
        events.next()
    }

    /// Calls `body` with the payload of `segment`, a segment ``nextSegment(now:)`` just
    /// returned, straight from the send buffer. Valid until the next input.
    public func withPayload<Result, Failure: Error>(
        of segment: TCPOutgoingSegment, _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try sender.withBytes(atStreamOffset: segment.payloadOffset, count: segment.payloadCount, body)
    }

    // MARK: Figures (bounds, statistics)

    /// Server bytes held: sent but unacknowledged, or not sent yet.
    public var bufferedSendBytes: Int { sender.buffer.count }
    /// How many more server bytes ``send(_:)`` would take now.
    public var sendBufferSpace: Int { sender.finQueued ? 0 : sender.buffer.freeSpace }
    /// App bytes held out of order (at most ``TCPConfiguration/maximumOutOfOrderBytes``).
    public var outOfOrderBytes: Int { receiver.reassembly.byteCount }
    /// Separate out-of-order ranges held (at most ``TCPConfiguration/maximumOutOfOrderSegments``).
    public var outOfOrderRanges: Int { receiver.reassembly.rangeCount }
    /// App bytes delivered to the bridge so far.
    public var bytesDelivered: UInt64 { UInt64(receiver.delivered) }
    /// Server bytes the app has acknowledged so far.
    public var bytesAcknowledged: UInt64 { UInt64(sender.released) }
    /// The current retransmission timeout.
    public var retransmissionTimeout: Duration { .nanoseconds(sender.timeout.current) }
    /// The congestion window in bytes.
    public var congestionWindow: Int { sender.congestion.window }
    /// The largest payload this connection puts in one segment.
    public var sendSegmentSize: Int { sender.segmentSize }
    /// Whether the timestamps option is in use.
    public var usesTimestamps: Bool { timestamps != nil }
}
