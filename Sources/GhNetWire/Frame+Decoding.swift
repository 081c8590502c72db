import GhNetAddress
import NIOCore

extension Frame {
    /// Decodes one frame body of `kind`; `reader` holds exactly the body. Every field is
    /// validated and the body must be consumed completely.
    static func decodeBody(_ reader: inout FieldReader) throws(WireError) -> Frame {
        let frame: Frame
        switch reader.kind {
        case .hello:
            frame = .hello(try Hello(from: &reader))
        case .refuse:
            frame = .refuse(reason: try reader.string("reason"))
        case .goodbye:
            frame = .goodbye(reason: try reader.string("reason"))
        case .routes:
            frame = .routes(try reader.list { (reader) throws(WireError) in try reader.prefix("prefix") })
        case .dnsConfig:
            let enabled = try reader.bool("enabled")
            let domains = try reader.list { (reader) throws(WireError) in try reader.string("domain") }
            frame = .dnsConfig(enabled: enabled, domains: domains)
        case .tcpOpen:
            let stream = StreamID(rawValue: try reader.integer("stream"))
            let (source, destination) = try reader.flow("source", "destination")
            let window: UInt32 = try reader.integer("window")
            frame = .tcpOpen(stream: stream, source: source, destination: destination, window: window)
        case .tcpOpenResult:
            let stream = StreamID(rawValue: try reader.integer("stream"))
            frame = .tcpOpenResult(stream: stream, result: try TCPOpenResult(from: &reader))
        case .data:
            let stream = StreamID(rawValue: try reader.integer("stream"))
            let offset: UInt64 = try reader.integer("offset")
            let payload = reader.rest()
            guard offset <= UInt64.max - UInt64(payload.readableBytes) else {
                throw .invalidValue(.data, field: "offset")
            }
            frame = .data(stream: stream, offset: offset, payload: payload)
        case .windowCredit:
            let stream = StreamID(rawValue: try reader.integer("stream"))
            let consumed: UInt64 = try reader.integer("consumed")
            frame = .windowCredit(stream: stream, consumed: consumed, window: try reader.integer("window"))
        case .halfClose:
            let stream = StreamID(rawValue: try reader.integer("stream"))
            frame = .halfClose(stream: stream, offset: try reader.integer("offset"))
        case .reset:
            let stream = StreamID(rawValue: try reader.integer("stream"))
            frame = .reset(stream: stream, reason: try reader.enumeration("reason"))
        case .udpDatagram:
            let (source, destination) = try reader.flow("source", "destination")
            frame = .udpDatagram(source: source, destination: destination, payload: reader.rest())
        case .icmpEchoRequest:
            frame = .icmpEchoRequest(try ICMPEcho(from: &reader))
        case .icmpEchoReply:
            frame = .icmpEchoReply(try ICMPEcho(from: &reader))
        case .icmpError:
            frame = .icmpError(try ICMPErrorReport(from: &reader))
        case .dnsQuery:
            let id: UInt32 = try reader.integer("id")
            frame = .dnsQuery(id: id, payload: reader.rest())
        case .dnsAnswer:
            let id: UInt32 = try reader.integer("id")
            frame = .dnsAnswer(id: id, payload: reader.rest())
        case .dnsFailure:
            let id: UInt32 = try reader.integer("id")
            frame = .dnsFailure(id: id, reason: try reader.enumeration("reason"))
        case .keepalive:
            frame = .keepalive(nonce: try reader.integer("nonce"))
        case .keepaliveAck:
            frame = .keepaliveAck(nonce: try reader.integer("nonce"))
        case .received:
            frame = .received(count: try reader.integer("count"))
        case .statistics:
            frame = .statistics(
                try reader.list { (reader) throws(WireError) in
                    let name = try reader.string("name")
                    return Statistic(name, try reader.integer("value"))
                })
        case .log:
            let level: LogLevel = try reader.enumeration("level")
            frame = .log(level: level, message: try reader.string("message"))
        }
        try reader.finish()
        return frame
    }
}

extension FieldReader {
    /// An address and a prefix length byte; the length must fit the family and the host bits
    /// must be zero, so every prefix has exactly one encoding.
    fileprivate mutating func prefix(_ field: String) throws(WireError) -> IPPrefix {
        let network = try address(field)
        let length = Int(try integer(field, as: UInt8.self))
        guard let prefix = IPPrefix(network, length: length), prefix.network == network else {
            throw .invalidValue(kind, field: field)
        }
        return prefix
    }
}

extension Hello {
    fileprivate init(from reader: inout FieldReader) throws(WireError) {
        guard try reader.integer("magic", as: UInt32.self) == Hello.magic else {
            throw .invalidValue(.hello, field: "magic")
        }
        let current: UInt16 = try reader.integer("versions")
        let minimum: UInt16 = try reader.integer("versions")
        guard minimum <= current else { throw .invalidValue(.hello, field: "versions") }
        let role: Role = try reader.enumeration("role")
        let capabilities = Capabilities(rawValue: try reader.integer("capabilities"))
        let logLevel: LogLevel = try reader.enumeration("logLevel")
        let session = SessionID(high: try reader.integer("session"), low: try reader.integer("session"))
        let contentHash = try reader.string("build.contentHash")
        let version = try reader.string("build.version")
        self.init(
            versions: ProtocolVersionRange(current: current, minimum: minimum),
            role: role,
            build: BuildIdentity(contentHash: contentHash, version: version),
            capabilities: capabilities,
            logLevel: logLevel,
            session: session
        )
    }
}

extension TCPOpenResult {
    fileprivate init(from reader: inout FieldReader) throws(WireError) {
        switch try reader.integer("result", as: UInt8.self) {
        case 0:
            let local = try reader.endpoint("result.local")
            self = .connected(local: local, window: try reader.integer("result.window"))
        case 1: self = .refused
        case 2: self = .networkUnreachable
        case 3: self = .hostUnreachable
        case 4: self = .adminProhibited
        case 5: self = .timedOut
        case 6: self = .otherError(errno: try reader.integer("result.errno"))
        default: throw .invalidValue(.tcpOpenResult, field: "result")
        }
    }
}

extension ICMPEcho {
    fileprivate init(from reader: inout FieldReader) throws(WireError) {
        let source = try reader.address("source")
        let destination = try reader.address("destination")
        guard source.family == destination.family else { throw .invalidValue(reader.kind, field: "destination") }
        let identifier: UInt16 = try reader.integer("identifier")
        let sequence: UInt16 = try reader.integer("sequence")
        let hopLimit: UInt8 = try reader.integer("hopLimit")
        self.init(
            source: source, destination: destination, identifier: identifier, sequence: sequence, hopLimit: hopLimit,
            payload: reader.rest())
    }
}

extension ICMPErrorReport {
    fileprivate init(from reader: inout FieldReader) throws(WireError) {
        let kind: ICMPErrorKind
        switch try reader.integer("kind", as: UInt8.self) {
        case 0: kind = .netUnreachable
        case 1: kind = .hostUnreachable
        case 2: kind = .portUnreachable
        case 3: kind = .adminProhibited
        case 4: kind = .protocolUnreachable
        case 5: kind = .timeExceeded
        case 6: kind = .fragmentationNeeded(mtu: try reader.integer("mtu"))
        default: throw .invalidValue(.icmpError, field: "kind")
        }
        let reporter = try reader.optionalAddress("reporter")
        let original: OriginalFlow
        switch try reader.integer("original", as: UInt8.self) {
        case 0:
            let (source, destination) = try reader.flow("original.source", "original.destination")
            original = .tcp(source: source, destination: destination)
        case 1:
            let (source, destination) = try reader.flow("original.source", "original.destination")
            original = .udp(source: source, destination: destination)
        case 2:
            let source = try reader.address("original.source")
            let destination = try reader.address("original.destination")
            guard source.family == destination.family else {
                throw .invalidValue(.icmpError, field: "original.destination")
            }
            original = .icmpEcho(
                source: source, destination: destination, identifier: try reader.integer("original.identifier"),
                sequence: try reader.integer("original.sequence"))
        default:
            throw .invalidValue(.icmpError, field: "original")
        }
        if let reporter, reporter.family != original.family { throw .invalidValue(.icmpError, field: "reporter") }
        self.init(kind: kind, reporter: reporter, original: original)
    }
}

extension OriginalFlow {
    /// The address family of the flow.
    var family: IPFamily {
        switch self {
        case .tcp(let source, _), .udp(let source, _): source.address.family
        case .icmpEcho(let source, _, _, _): source.family
        }
    }
}
