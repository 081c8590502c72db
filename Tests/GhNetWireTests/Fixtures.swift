import GhNetAddress
import NIOCore
@testable import GhNetWire

/// Sample frames and helpers shared by the wire tests.
enum Fixtures {
    static let v4a = IPAddress("198.18.0.1")!
    static let v4b = IPAddress("198.19.255.254")!
    static let v6a = IPAddress("2001:db8::1")!
    static let v6b = IPAddress("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")!

    static func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

    static func payload(_ count: Int, seed: UInt8 = 0) -> ByteBuffer {
        ByteBuffer(bytes: (0..<count).map { UInt8(truncatingIfNeeded: $0 &+ Int(seed)) })
    }

    static let build = BuildIdentity(contentHash: String(repeating: "ab", count: 32), version: "0.1.0")

    static func hello(
        role: Hello.Role,
        versions: ProtocolVersionRange = .implemented,
        capabilities: Capabilities = [.tcp, .udp, .icmpEcho, .dns, .ipv6, .resume],
        session: SessionID = SessionID(high: 1, low: 2),
        build: BuildIdentity = Fixtures.build
    ) -> Hello {
        Hello(
            versions: versions, role: role, build: build, capabilities: capabilities, logLevel: .info,
            session: session)
    }

    /// At least one frame of every kind, with edge values: both families, empty payloads,
    /// extreme integers, every enum case, non-ASCII text.
    static let compactFrames: [Frame] = {
        var frames: [Frame] = [
            .hello(hello(role: .local)),
            .hello(
                Hello(
                    versions: ProtocolVersionRange(current: .max, minimum: 0), role: .agent,
                    build: BuildIdentity(contentHash: "", version: "é—🚀"),
                    capabilities: Capabilities(rawValue: .max), logLevel: .critical, session: .none)),
            .refuse(reason: "protocol mismatch"),
            .refuse(reason: ""),
            .goodbye(reason: "bye 👋"),
            .routes([]),
            .routes([
                IPPrefix("198.18.0.0/15")!, IPPrefix("0.0.0.0/0")!, IPPrefix("198.18.0.1/32")!,
                IPPrefix("2001:db8::/32")!, IPPrefix("::/0")!, IPPrefix("2001:db8::1/128")!,
            ]),
            .dnsConfig(enabled: true, domains: ["corp.example", "", "bücher.example"]),
            .dnsConfig(enabled: false, domains: []),
            .tcpOpen(stream: 0, source: Endpoint(v4a, port: 40000), destination: Endpoint(v4b, port: 443), window: 65536),
            .tcpOpen(
                stream: StreamID(rawValue: .max), source: Endpoint(v6a, port: 0),
                destination: Endpoint(v6b, port: .max), window: .max),
            .data(stream: 1, offset: 0, payload: payload(0)),
            .data(stream: 2, offset: .max, payload: payload(0)),
            .data(stream: 3, offset: 12345, payload: payload(300)),
            .windowCredit(stream: 1, consumed: .max, window: 0),
            .windowCredit(stream: 2, consumed: 0, window: .max),
            .halfClose(stream: 1, offset: .max),
            .halfClose(stream: 9, offset: 0),
            .udpDatagram(source: Endpoint(v4a, port: 5353), destination: Endpoint(v4b, port: 53), payload: payload(0)),
            .udpDatagram(source: Endpoint(v6b, port: 1), destination: Endpoint(v6a, port: 2), payload: payload(64)),
            .icmpEchoRequest(
                ICMPEcho(source: v4a, destination: v4b, identifier: 0, sequence: .max, hopLimit: 1, payload: payload(0))),
            .icmpEchoReply(
                ICMPEcho(source: v6b, destination: v6a, identifier: .max, sequence: 0, hopLimit: .max, payload: payload(56))),
            .icmpError(
                ICMPErrorReport(
                    kind: .fragmentationNeeded(mtu: .max), reporter: v4b,
                    original: .icmpEcho(source: v4a, destination: v4b, identifier: 7, sequence: 8))),
            .icmpError(
                ICMPErrorReport(
                    kind: .fragmentationNeeded(mtu: 1280), reporter: nil,
                    original: .tcp(source: Endpoint(v6a, port: 1), destination: Endpoint(v6b, port: 2)))),
            .dnsQuery(id: 0, payload: payload(0)),
            .dnsQuery(id: .max, payload: payload(40)),
            .dnsAnswer(id: 1, payload: payload(512)),
            .dnsAnswer(id: .max, payload: payload(0)),
            .keepalive(nonce: 0),
            .keepalive(nonce: .max),
            .keepaliveAck(nonce: .max),
            .received(count: 0),
            .received(count: .max),
            .statistics([]),
            .statistics([Statistic("tcp.open", 0), Statistic("bytes.in", .max), Statistic("", 1)]),
        ]
        let results: [TCPOpenResult] = [
            .connected(local: Endpoint(v4a, port: 51000), window: 1 << 20),
            .connected(local: Endpoint(v6a, port: 0), window: 0),
            .refused, .networkUnreachable, .hostUnreachable, .adminProhibited, .timedOut,
            .otherError(errno: .min), .otherError(errno: 110),
        ]
        frames += results.enumerated().map { .tcpOpenResult(stream: StreamID(rawValue: UInt32($0.offset)), result: $0.element) }
        frames += ResetReason.allCases.map { .reset(stream: 4, reason: $0) }
        frames += DNSFailureReason.allCases.map { .dnsFailure(id: 5, reason: $0) }
        frames += LogLevel.allCases.map { .log(level: $0, message: "agent says \($0)") }
        let kinds: [ICMPErrorKind] = [
            .netUnreachable, .hostUnreachable, .portUnreachable, .adminProhibited, .protocolUnreachable,
            .timeExceeded, .fragmentationNeeded(mtu: 0),
        ]
        frames += kinds.map {
            .icmpError(
                ICMPErrorReport(
                    kind: $0, reporter: nil,
                    original: .udp(source: Endpoint(v4a, port: 33434), destination: Endpoint(v4b, port: 53))))
        }
        return frames
    }()

    /// A string of exactly 65,535 UTF-8 bytes that ends in a multi-byte scalar.
    static let maximumString = String(repeating: "a", count: 65_535 - 4) + "🚀"

    /// Frames at the size limits: maximum-length strings and a maximum payload.
    static let largeFrames: [Frame] = [
        .hello(hello(role: .agent, build: BuildIdentity(contentHash: maximumString, version: maximumString))),
        .refuse(reason: maximumString),
        .goodbye(reason: maximumString),
        .dnsConfig(enabled: true, domains: [maximumString, maximumString]),
        .log(level: .warning, message: maximumString),
        .statistics([Statistic(maximumString, 1)]),
        .data(stream: 7, offset: UInt64.max - UInt64(Frame.maximumPayloadLength), payload: payload(Frame.maximumPayloadLength)),
        .udpDatagram(
            source: Endpoint(v6a, port: 1), destination: Endpoint(v6b, port: 2),
            payload: payload(Frame.maximumPayloadLength, seed: 3)),
    ]

    /// Every frame of `frames`, encoded back to back.
    static func encode(_ frames: [Frame]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for frame in frames { frame.encode(into: &buffer) }
        return buffer
    }

    /// Decodes every complete frame in `buffer`.
    static func decodeAll(_ buffer: inout ByteBuffer, decoder: inout FrameDecoder) throws(WireError) -> [Frame] {
        var frames: [Frame] = []
        while let frame = try decoder.decode(buffer: &buffer) { frames.append(frame) }
        return frames
    }
}

extension WireError {
    /// The case name. Exhaustive, so a new error case fails to compile here until the
    /// malformed-frame tests provoke it.
    var caseName: String {
        switch self {
        case .frameTooLarge: "frameTooLarge"
        case .emptyFrame: "emptyFrame"
        case .unknownKind: "unknownKind"
        case .truncatedField: "truncatedField"
        case .invalidValue: "invalidValue"
        case .trailingBytes: "trailingBytes"
        }
    }
}

/// SplitMix64: a tiny deterministic generator, so every random test can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
