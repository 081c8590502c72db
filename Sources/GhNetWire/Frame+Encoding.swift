import GhNetAddress
import NIOCore

extension Frame {
    /// Appends this frame — length prefix, kind byte and body — to `buffer`.
    ///
    /// This does not check the peer's size limit; ``FrameEncoder`` does. Strings longer than
    /// 65,535 UTF-8 bytes are cut at a scalar boundary (see `docs/wire-protocol.md`).
    public func encode(into buffer: inout ByteBuffer) {
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        buffer.writeInteger(kind.rawValue)
        encodeBody(into: &buffer)
        let length = buffer.writerIndex - lengthIndex - 4
        precondition(length <= Int(UInt32.max), "a frame cannot exceed 4 GiB")
        buffer.setInteger(UInt32(length), at: lengthIndex)
    }

    private func encodeBody(into buffer: inout ByteBuffer) {
        switch self {
        case .hello(let hello):
            hello.encode(into: &buffer)
        case .refuse(let reason), .goodbye(let reason):
            buffer.writeWireString(reason)
        case .routes(let prefixes):
            for prefix in prefixes {
                buffer.writeAddress(prefix.network)
                buffer.writeInteger(UInt8(prefix.length))
            }
        case .dnsConfig(let enabled, let domains):
            buffer.writeInteger(UInt8(enabled ? 1 : 0))
            for domain in domains { buffer.writeWireString(domain) }
        case .tcpOpen(let stream, let source, let destination, let window):
            buffer.writeInteger(stream.rawValue)
            buffer.writeEndpoint(source)
            buffer.writeEndpoint(destination)
            buffer.writeInteger(window)
        case .tcpOpenResult(let stream, let result):
            buffer.writeInteger(stream.rawValue)
            result.encode(into: &buffer)
        case .data(let stream, let offset, let payload):
            buffer.writeInteger(stream.rawValue)
            buffer.writeInteger(offset)
            buffer.writeImmutableBuffer(payload)
        case .windowCredit(let stream, let consumed, let window):
            buffer.writeInteger(stream.rawValue)
            buffer.writeInteger(consumed)
            buffer.writeInteger(window)
        case .halfClose(let stream, let offset):
            buffer.writeInteger(stream.rawValue)
            buffer.writeInteger(offset)
        case .reset(let stream, let reason):
            buffer.writeInteger(stream.rawValue)
            buffer.writeInteger(reason.rawValue)
        case .udpDatagram(let source, let destination, let payload):
            buffer.writeEndpoint(source)
            buffer.writeEndpoint(destination)
            buffer.writeImmutableBuffer(payload)
        case .icmpEchoRequest(let echo), .icmpEchoReply(let echo):
            echo.encode(into: &buffer)
        case .icmpError(let report):
            report.encode(into: &buffer)
        case .dnsQuery(let id, let payload), .dnsAnswer(let id, let payload):
            buffer.writeInteger(id)
            buffer.writeImmutableBuffer(payload)
        case .dnsFailure(let id, let reason):
            buffer.writeInteger(id)
            buffer.writeInteger(reason.rawValue)
        case .keepalive(let nonce), .keepaliveAck(let nonce):
            buffer.writeInteger(nonce)
        case .received(let count):
            buffer.writeInteger(count)
        case .statistics(let statistics):
            for statistic in statistics {
                buffer.writeWireString(statistic.name)
                buffer.writeInteger(statistic.value)
            }
        case .log(let level, let message):
            buffer.writeInteger(level.rawValue)
            buffer.writeWireString(message)
        }
    }
}

extension Hello {
    fileprivate func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Hello.magic)
        buffer.writeInteger(versions.current)
        buffer.writeInteger(versions.minimum)
        buffer.writeInteger(role.rawValue)
        buffer.writeInteger(capabilities.rawValue)
        buffer.writeInteger(logLevel.rawValue)
        buffer.writeInteger(session.high)
        buffer.writeInteger(session.low)
        buffer.writeWireString(build.contentHash)
        buffer.writeWireString(build.version)
    }
}

extension TCPOpenResult {
    /// The result byte on the wire.
    var code: UInt8 {
        switch self {
        case .connected: 0
        case .refused: 1
        case .networkUnreachable: 2
        case .hostUnreachable: 3
        case .adminProhibited: 4
        case .timedOut: 5
        case .otherError: 6
        }
    }

    fileprivate func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(code)
        switch self {
        case .connected(let local, let window):
            buffer.writeEndpoint(local)
            buffer.writeInteger(window)
        case .otherError(let errno):
            buffer.writeInteger(errno)
        case .refused, .networkUnreachable, .hostUnreachable, .adminProhibited, .timedOut:
            break
        }
    }
}

extension ICMPEcho {
    fileprivate func encode(into buffer: inout ByteBuffer) {
        buffer.writeAddress(source)
        buffer.writeAddress(destination)
        buffer.writeInteger(identifier)
        buffer.writeInteger(sequence)
        buffer.writeInteger(hopLimit)
        buffer.writeImmutableBuffer(payload)
    }
}

extension ICMPErrorReport {
    fileprivate func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(kind.code)
        if case .fragmentationNeeded(let mtu) = kind { buffer.writeInteger(mtu) }
        buffer.writeOptionalAddress(reporter)
        buffer.writeInteger(original.code)
        switch original {
        case .tcp(let source, let destination), .udp(let source, let destination):
            buffer.writeEndpoint(source)
            buffer.writeEndpoint(destination)
        case .icmpEcho(let source, let destination, let identifier, let sequence):
            buffer.writeAddress(source)
            buffer.writeAddress(destination)
            buffer.writeInteger(identifier)
            buffer.writeInteger(sequence)
        }
    }
}

extension ICMPErrorKind {
    /// The kind byte on the wire.
    var code: UInt8 {
        switch self {
        case .netUnreachable: 0
        case .hostUnreachable: 1
        case .portUnreachable: 2
        case .adminProhibited: 3
        case .protocolUnreachable: 4
        case .timeExceeded: 5
        case .fragmentationNeeded: 6
        }
    }
}

extension OriginalFlow {
    /// The protocol byte on the wire.
    var code: UInt8 {
        switch self {
        case .tcp: 0
        case .udp: 1
        case .icmpEcho: 2
        }
    }
}
