import GhNetWire

/// What a new agent asks the agent already running in its network namespace: "take my stdio,
/// I carry session `session` and run build `build`". The old agent decides from it whether to
/// adopt the new transport (see ``AgentHandoverListener``).
///
/// On the socket: the magic `GHNH`, version byte 1, the session id (16 bytes, big-endian, high
/// half first), the build as a big-endian u16 length and that many bytes of UTF-8 (at most
/// ``maximumBuildLength``). Nothing follows.
struct AgentHandoverRequest: Equatable, Sendable {
    /// The session the new agent's local side asks for (its hello's session id).
    var session: SessionID
    /// The new agent's build (the hash of its executable).
    var build: String

    /// The first bytes of every request.
    static let magic: [UInt8] = Array("GHNH".utf8)
    /// The only version of the request there is.
    static let version: UInt8 = 1
    /// The most UTF-8 bytes a build takes.
    static let maximumBuildLength = 128
    /// The bytes before the build: magic, version, session id, build length.
    static let headerLength = magic.count + 1 + 16 + 2

    /// The request as sent. A build longer than ``maximumBuildLength`` bytes is cut to the
    /// longest run of its first characters (Unicode scalars) that fits.
    func encoded() -> [UInt8] {
        var buildBytes = Array(build.utf8)
        if buildBytes.count > Self.maximumBuildLength {
            // Back off to the start of a character: never a continuation byte (10xxxxxx).
            var end = Self.maximumBuildLength
            while buildBytes[end] & 0xc0 == 0x80 { end -= 1 }
            buildBytes.removeSubrange(end...)
        }
        var bytes = Self.magic
        bytes.append(Self.version)
        for word in [session.high, session.low] {
            bytes += (0..<8).reversed().map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) }
        }
        bytes += [UInt8(buildBytes.count >> 8), UInt8(buildBytes.count & 0xff)]
        return bytes + buildBytes
    }

    /// How many build bytes follow `header` (the first ``headerLength`` bytes of a request), or
    /// nil when the header is malformed: short, wrong magic or version, a build too long.
    static func buildLength(header: ArraySlice<UInt8>) -> Int? {
        guard header.count >= headerLength, header.starts(with: magic), header[header.startIndex + magic.count] == version else {
            return nil
        }
        let lengthAt = header.startIndex + headerLength - 2
        let length = Int(header[lengthAt]) << 8 | Int(header[lengthAt + 1])
        return length <= maximumBuildLength ? length : nil
    }

    /// The request in `bytes` (exactly one request, nothing after it), or nil when they are
    /// malformed: wrong magic or version, truncated, trailing bytes, a build too long or not UTF-8.
    static func decode(_ bytes: [UInt8]) -> AgentHandoverRequest? {
        guard let length = buildLength(header: bytes[...]), bytes.count == headerLength + length else { return nil }
        func word(at offset: Int) -> UInt64 {
            bytes[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) }
        }
        let sessionAt = magic.count + 1
        guard let build = String(validating: bytes[headerLength...], as: UTF8.self) else { return nil }
        return AgentHandoverRequest(session: SessionID(high: word(at: sessionAt), low: word(at: sessionAt + 8)), build: build)
    }
}
