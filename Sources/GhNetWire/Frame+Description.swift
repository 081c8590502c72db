import NIOCore

extension Frame: CustomStringConvertible {
    /// A one-line summary for logs and traces: payloads appear as byte counts, never as bytes,
    /// and free text longer than 120 characters is abbreviated.
    public var description: String {
        switch self {
        case .hello(let hello):
            "hello(\(hello.role), \(abbreviated(hello.build.description)), protocol \(hello.versions), "
                + "[\(hello.capabilities)], log \(hello.logLevel), session \(hello.session))"
        case .refuse(let reason): "refuse(\(abbreviated(reason)))"
        case .goodbye(let reason): "goodbye(\(abbreviated(reason)))"
        case .routes(let prefixes): "routes(\(prefixes.map(\.description).joined(separator: ", ")))"
        case .dnsConfig(let enabled, let domains):
            "dnsConfig(\(enabled ? "on" : "off"), domains: \(domains.map(abbreviated).joined(separator: ", ")))"
        case .tcpOpen(let stream, let source, let destination, let window):
            "tcpOpen(\(stream) \(source) → \(destination), window \(window))"
        case .tcpOpenResult(let stream, let result): "tcpOpenResult(\(stream) \(result))"
        case .data(let stream, let offset, let payload):
            "data(\(stream) @\(offset), \(payload.readableBytes) bytes)"
        case .windowCredit(let stream, let consumed, let window):
            "windowCredit(\(stream) consumed \(consumed), window \(window))"
        case .halfClose(let stream, let offset): "halfClose(\(stream) @\(offset))"
        case .reset(let stream, let reason): "reset(\(stream) \(reason))"
        case .udpDatagram(let source, let destination, let payload):
            "udpDatagram(\(source) → \(destination), \(payload.readableBytes) bytes)"
        case .icmpEchoRequest(let echo): "icmpEchoRequest(\(echo.summary))"
        case .icmpEchoReply(let echo): "icmpEchoReply(\(echo.summary))"
        case .icmpError(let report):
            "icmpError(\(report.kind) from \(report.reporter.map(\.description) ?? "destination") "
                + "about \(report.original))"
        case .dnsQuery(let id, let payload): "dnsQuery(\(id), \(payload.readableBytes) bytes)"
        case .dnsAnswer(let id, let payload): "dnsAnswer(\(id), \(payload.readableBytes) bytes)"
        case .dnsFailure(let id, let reason): "dnsFailure(\(id), \(reason))"
        case .keepalive(let nonce): "keepalive(\(nonce))"
        case .keepaliveAck(let nonce): "keepaliveAck(\(nonce))"
        case .received(let count): "received(\(count))"
        case .statistics(let statistics):
            "statistics(\(statistics.map { "\(abbreviated($0.name))=\($0.value)" }.joined(separator: ", ")))"
        case .log(let level, let message): "log(\(level): \(abbreviated(message)))"
        }
    }
}

/// `text`, or its first 100 characters and its length when it is longer than 120 characters.
private func abbreviated(_ text: String) -> String {
    guard text.count > 120 else { return text }
    return "\(text.prefix(100))… (\(text.utf8.count) bytes)"
}

extension ICMPEcho {
    fileprivate var summary: String {
        "\(source) → \(destination) id \(identifier) seq \(sequence) hop limit \(hopLimit), "
            + "\(payload.readableBytes) bytes"
    }
}
