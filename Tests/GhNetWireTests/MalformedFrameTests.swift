import NIOCore
import Testing
@testable import GhNetWire

/// One hand-made malformed input and the error it must provoke.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let error: WireError
    var testDescription: String { name }

    /// A frame with the right length prefix around `kind` and `body`.
    init(_ name: String, kind: FrameKind, body: [[UInt8]], _ error: WireError) {
        let body = body.flatMap { $0 }
        self.init(name, raw: be32(UInt32(body.count + 1)) + [kind.rawValue] + body, error)
    }

    init(_ name: String, raw: [UInt8], _ error: WireError) {
        self.name = name
        self.bytes = raw
        self.error = error
    }
}

func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
func be32(_ v: UInt32) -> [UInt8] { be16(UInt16(v >> 16)) + be16(UInt16(v & 0xFFFF)) }
func be64(_ v: UInt64) -> [UInt8] { be32(UInt32(v >> 32)) + be32(UInt32(v & 0xFFFF_FFFF)) }
func string(_ bytes: [UInt8]) -> [UInt8] { be16(UInt16(bytes.count)) + bytes }

private let v4: [UInt8] = [4, 198, 18, 0, 1]
private let v6: [UInt8] = [6, 0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
private let port: [UInt8] = be16(80)
private let stream: [UInt8] = be32(1)
/// A valid hello body up to (not including) the two build strings.
private func helloHead(magic: UInt32 = Hello.magic, current: UInt16 = 1, minimum: UInt16 = 1, role: UInt8 = 1,
                       level: UInt8 = 2) -> [UInt8] {
    be32(magic) + be16(current) + be16(minimum) + [role] + be64(3) + [level] + be64(1) + be64(2)
}

@Suite struct MalformedFrameTests {
    static let cases: [MalformedCase] = [
        // Framing.
        MalformedCase("length beyond the limit", raw: be32(UInt32(FrameDecoder.defaultMaximumFrameLength + 1)),
                      .frameTooLarge(length: FrameDecoder.defaultMaximumFrameLength + 1, limit: FrameDecoder.defaultMaximumFrameLength)),
        MalformedCase("maximum length prefix", raw: [0xFF, 0xFF, 0xFF, 0xFF],
                      .frameTooLarge(length: Int(UInt32.max), limit: FrameDecoder.defaultMaximumFrameLength)),
        MalformedCase("zero length", raw: [0, 0, 0, 0, 1], .emptyFrame),
        MalformedCase("unknown kind", raw: [0, 0, 0, 1, 0xEE], .unknownKind(0xEE)),
        MalformedCase("kind zero", raw: [0, 0, 0, 3, 0, 1, 2], .unknownKind(0)),
        // Truncated fields.
        MalformedCase("short nonce", kind: .keepalive, body: [[1, 2, 3, 4]], .truncatedField(.keepalive, field: "nonce")),
        MalformedCase("string longer than the frame", kind: .goodbye, body: [be16(10), [0x61]],
                      .truncatedField(.goodbye, field: "reason")),
        MalformedCase("half a string length", kind: .refuse, body: [[0]], .truncatedField(.refuse, field: "reason")),
        MalformedCase("short IPv6 address", kind: .routes, body: [Array(v6.prefix(9))], .truncatedField(.routes, field: "prefix")),
        MalformedCase("prefix without its length", kind: .routes, body: [v4], .truncatedField(.routes, field: "prefix")),
        MalformedCase("missing destination", kind: .tcpOpen, body: [stream, v4, port],
                      .truncatedField(.tcpOpen, field: "destination")),
        MalformedCase("missing window", kind: .tcpOpen, body: [stream, v4, port, v4, port],
                      .truncatedField(.tcpOpen, field: "window")),
        MalformedCase("connected without endpoint", kind: .tcpOpenResult, body: [stream, [0]],
                      .truncatedField(.tcpOpenResult, field: "result.local")),
        MalformedCase("otherError without errno", kind: .tcpOpenResult, body: [stream, [6, 0, 0]],
                      .truncatedField(.tcpOpenResult, field: "result.errno")),
        MalformedCase("data without offset", kind: .data, body: [stream, [0, 0, 0]], .truncatedField(.data, field: "offset")),
        MalformedCase("empty body", kind: .halfClose, body: [], .truncatedField(.halfClose, field: "stream")),
        MalformedCase("fragmentationNeeded without MTU", kind: .icmpError, body: [[6, 0, 0]],
                      .truncatedField(.icmpError, field: "mtu")),
        MalformedCase("echo without hop limit", kind: .icmpEchoRequest, body: [v4, v4, be16(1), be16(2)],
                      .truncatedField(.icmpEchoRequest, field: "hopLimit")),
        MalformedCase("statistic without value", kind: .statistics, body: [string([0x61]), [0, 0]],
                      .truncatedField(.statistics, field: "value")),
        MalformedCase("hello without build version", kind: .hello, body: [helloHead(), string([0x61])],
                      .truncatedField(.hello, field: "build.version")),
        // Invalid values.
        MalformedCase("bad magic", kind: .hello, body: [helloHead(magic: 0x5353_482D), string([]), string([])],
                      .invalidValue(.hello, field: "magic")),
        MalformedCase("empty version range", kind: .hello, body: [helloHead(current: 1, minimum: 2), string([]), string([])],
                      .invalidValue(.hello, field: "versions")),
        MalformedCase("unknown role", kind: .hello, body: [helloHead(role: 3), string([]), string([])],
                      .invalidValue(.hello, field: "role")),
        MalformedCase("unknown log level", kind: .hello, body: [helloHead(level: 7), string([]), string([])],
                      .invalidValue(.hello, field: "logLevel")),
        MalformedCase("invalid UTF-8", kind: .goodbye, body: [string([0x61, 0xFF])], .invalidValue(.goodbye, field: "reason")),
        MalformedCase("overlong UTF-8", kind: .log, body: [[2], string([0xC0, 0x80])], .invalidValue(.log, field: "message")),
        MalformedCase("UTF-16 surrogate", kind: .dnsConfig, body: [[1], string([0xED, 0xA0, 0x80])],
                      .invalidValue(.dnsConfig, field: "domain")),
        MalformedCase("truncated UTF-8 scalar", kind: .statistics, body: [string([0xF0, 0x9F, 0x9A]), be64(1)],
                      .invalidValue(.statistics, field: "name")),
        MalformedCase("boolean 2", kind: .dnsConfig, body: [[2]], .invalidValue(.dnsConfig, field: "enabled")),
        MalformedCase("address family 5", kind: .routes, body: [[5, 1, 2, 3, 4, 8]], .invalidValue(.routes, field: "prefix")),
        MalformedCase("absent address where one is required", kind: .routes, body: [[0, 0]],
                      .invalidValue(.routes, field: "prefix")),
        MalformedCase("IPv4 prefix /33", kind: .routes, body: [v4 + [32], v4 + [33]], .invalidValue(.routes, field: "prefix")),
        MalformedCase("IPv6 prefix /129", kind: .routes, body: [v6 + [129]], .invalidValue(.routes, field: "prefix")),
        MalformedCase("host bits set", kind: .routes, body: [v4 + [24]], .invalidValue(.routes, field: "prefix")),
        MalformedCase("mixed families in a flow", kind: .tcpOpen, body: [stream, v4, port, v6, port, be32(1)],
                      .invalidValue(.tcpOpen, field: "destination")),
        MalformedCase("unknown open result", kind: .tcpOpenResult, body: [stream, [7]],
                      .invalidValue(.tcpOpenResult, field: "result")),
        MalformedCase("data past the end of the offset space", kind: .data, body: [stream, be64(.max), [0]],
                      .invalidValue(.data, field: "offset")),
        MalformedCase("unknown reset reason", kind: .reset, body: [stream, [200]], .invalidValue(.reset, field: "reason")),
        MalformedCase("UDP between families", kind: .udpDatagram, body: [v6, port, v4, port],
                      .invalidValue(.udpDatagram, field: "destination")),
        MalformedCase("echo between families", kind: .icmpEchoReply, body: [v4, v6, be16(1), be16(2), [64]],
                      .invalidValue(.icmpEchoReply, field: "destination")),
        MalformedCase("unknown ICMP error kind", kind: .icmpError, body: [[7]], .invalidValue(.icmpError, field: "kind")),
        MalformedCase("unknown original protocol", kind: .icmpError, body: [[0, 0, 3]],
                      .invalidValue(.icmpError, field: "original")),
        MalformedCase("reporter of another family", kind: .icmpError, body: [[5], v6, [1], v4, port, v4, port],
                      .invalidValue(.icmpError, field: "reporter")),
        MalformedCase("original echo between families", kind: .icmpError, body: [[5, 0, 2], v4, v6, be16(1), be16(1)],
                      .invalidValue(.icmpError, field: "original.destination")),
        MalformedCase("unknown DNS failure", kind: .dnsFailure, body: [be32(1), [6]], .invalidValue(.dnsFailure, field: "reason")),
        MalformedCase("unknown log level in a log line", kind: .log, body: [[9], string([])], .invalidValue(.log, field: "level")),
        // Trailing bytes.
        MalformedCase("nonce plus one byte", kind: .keepaliveAck, body: [be64(1), [0]], .trailingBytes(.keepaliveAck, count: 1)),
        MalformedCase("reset plus three bytes", kind: .reset, body: [stream, [1, 9, 9, 9]], .trailingBytes(.reset, count: 3)),
        MalformedCase("hello with an extra string", kind: .hello, body: [helloHead(), string([]), string([]), string([])],
                      .trailingBytes(.hello, count: 2)),
        MalformedCase("refused with a payload", kind: .tcpOpenResult, body: [stream, [1, 0]],
                      .trailingBytes(.tcpOpenResult, count: 1)),
        MalformedCase("ICMP error with a tail", kind: .icmpError, body: [[0, 0, 1], v4, port, v4, port, [0]],
                      .trailingBytes(.icmpError, count: 1)),
    ]

    @Test(arguments: cases)
    func rejects(malformed: MalformedCase) {
        var decoder = FrameDecoder()
        var buffer = ByteBuffer(bytes: malformed.bytes)
        #expect(throws: malformed.error) { try decoder.decode(buffer: &buffer) }
        // The input is left alone, and the decoder stays failed even for valid bytes.
        #expect(buffer.readerIndex == 0)
        var valid = Fixtures.encode([.keepalive(nonce: 1)])
        #expect(throws: malformed.error) { try decoder.decode(buffer: &valid) }
    }

    @Test func coversEveryErrorCase() {
        let names = Set(Self.cases.map(\.error.caseName))
        #expect(names == ["frameTooLarge", "emptyFrame", "unknownKind", "truncatedField", "invalidValue", "trailingBytes"])
    }

    @Test func rejectsAnOversizedLengthBeforeTheBodyArrives() throws {
        var decoder = FrameDecoder(maximumFrameLength: 100)
        var buffer = ByteBuffer(bytes: be32(101))
        #expect(throws: WireError.frameTooLarge(length: 101, limit: 100)) { try decoder.decode(buffer: &buffer) }
        var atLimit = FrameDecoder(maximumFrameLength: 100)
        var partial = ByteBuffer(bytes: be32(100) + [FrameKind.data.rawValue])
        #expect(try atLimit.decode(buffer: &partial) == nil)
    }

    @Test func waitsForTheLengthPrefix() throws {
        var decoder = FrameDecoder()
        for count in 0..<4 {
            var buffer = ByteBuffer(bytes: [UInt8](repeating: 0xFF, count: count))
            #expect(try decoder.decode(buffer: &buffer) == nil)
        }
    }

    @Test func describesErrorsForHumans() {
        #expect(WireError.truncatedField(.tcpOpen, field: "window").description == "tcpOpen frame ends inside field window")
        #expect(WireError.unknownKind(0xEE).description == "unknown frame kind 0xee")
        let banner = WireError.frameTooLarge(length: 0x5765_6C63, limit: 100).description
        #expect(banner.contains("\"Welc\"") && banner.contains("remote shell"))
        #expect(!WireError.frameTooLarge(length: 200, limit: 100).description.contains("shell"))
    }
}
