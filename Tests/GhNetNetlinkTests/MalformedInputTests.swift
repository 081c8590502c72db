import GhNetAddress
import GhNetNetlink
import Testing

/// Decodes every message in `datagram` the way the netlink client would (test helper). Every
/// failure is a ``NetlinkDecodingError`` by type; the point is that nothing traps.
@discardableResult
func decodeEverything(_ datagram: [UInt8]) throws(NetlinkDecodingError) -> Int {
    var decoded = 0
    for message in try NetlinkMessage.split(datagram: datagram) {
        switch message.header.type {
        case .newRoute: if try RouteRecord.decode(message) != nil { decoded += 1 }
        case .newAddress: if try AddressRecord.decode(message) != nil { decoded += 1 }
        case .newLink: _ = try LinkRecord(decoding: message); decoded += 1
        case .error: _ = try NetlinkErrorReply(decoding: message); decoded += 1
        case .done: _ = try NetlinkErrorReply(decodingDone: message); decoded += 1
        default: _ = try NetlinkAttribute.parseAll(message.payload)
        }
    }
    return decoded
}

/// A small seeded generator (SplitMix64), so random inputs are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Truncated, corrupted and random bytes: always a typed error or a decoded value, never a trap.
@Suite("Malformed input")
struct MalformedInputTests {
    @Test("every kernel datagram cut at every length fails typed unless cut between messages",
          arguments: KernelFixture.all.map(\.name))
    func truncation(name: String) throws {
        let fixture = try #require(KernelFixture.all.first { $0.name == name }?.fixture)
        for datagram in fixture.datagrams {
            #expect(try decodeEverything(datagram) > 0)
            let boundaries = Set(try NetlinkMessage.split(datagram: datagram).map {
                $0.payload.endIndex + (4 - $0.payload.endIndex % 4) % 4
            } + [0])
            for length in 0..<datagram.count {
                let cut = Array(datagram.prefix(length))
                if boundaries.contains(length) {
                    #expect(throws: Never.self) { try decodeEverything(cut) }
                } else {
                    #expect(throws: NetlinkDecodingError.self, "\(name) cut at \(length)") { try decodeEverything(cut) }
                }
            }
        }
    }

    @Test("every message body cut at every length, with its header length fixed up, never traps")
    func bodyTruncation() {
        var outcomes = (decoded: 0, refused: 0)
        for (_, fixture) in KernelFixture.all {
            for datagram in fixture.datagrams {
                guard let messages = try? NetlinkMessage.split(datagram: datagram) else { continue }
                for original in messages {
                    for length in 0...original.payload.count {
                        let body = Array(original.payload.prefix(length))
                        let bytes = message(type: original.header.type.rawValue, flags: original.header.flags.rawValue,
                                            sequence: original.header.sequence, body: body)
                        do {
                            try decodeEverything(bytes)
                            outcomes.decoded += 1
                        } catch {
                            outcomes.refused += 1
                        }
                    }
                }
            }
        }
        #expect(outcomes.refused > 0 && outcomes.decoded > 0)
    }

    @Test("random bytes, and kernel datagrams with random bytes changed, never trap")
    func randomBytes() {
        var random = SeededGenerator(state: 0x6768_6E65_74)
        let seeds = KernelFixture.all.flatMap(\.fixture.datagrams)
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...96, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                if bytes.count >= 4, round % 4 == 0 {
                    withUnsafeBytes(of: UInt32(bytes.count)) { bytes.replaceSubrange(0..<4, with: $0) }
                }
            } else {
                bytes = seeds[Int.random(in: 0..<seeds.count, using: &random)]
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            }
            _ = try? decodeEverything(bytes)
            var collector = NetlinkReplyCollector(sequence: UInt32(round % 9), isDump: round % 3 == 0)
            _ = try? collector.receive(bytes)
        }
    }

    @Test("attribute values of the wrong size are typed errors")
    func attributeSizes() throws {
        let attributes = try NetlinkAttribute.parseAll([6, 0, 4, 0, 1, 2, 0, 0][...])
        let odd = try #require(attributes.only)
        #expect(throws: NetlinkDecodingError.badAttributeValue(type: 4, length: 2)) { try odd.uint32() }
        #expect(throws: NetlinkDecodingError.badAttributeValue(type: 4, length: 2)) { try odd.address(of: .v4) }
        #expect(throws: NetlinkDecodingError.badAttributeLength(declared: 3, available: 8)) {
            try NetlinkAttribute.parseAll([3, 0, 4, 0, 1, 2, 0, 0][...])
        }
        #expect(throws: NetlinkDecodingError.badAttributeLength(declared: 0, available: 2)) {
            try NetlinkAttribute.parseAll([8, 0, 4, 0, 1, 2, 3, 4, 9, 9][...])
        }
    }

    @Test("a route longer than its family, or missing its destination, is refused")
    func impossibleRoutes() throws {
        func route(family: UInt8, length: UInt8) throws -> RouteRecord? {
            let body = [family, length] + [UInt8](repeating: 0, count: 10)
            return try RouteRecord.decode(try #require(try NetlinkMessage.split(datagram: message(type: 24, sequence: 1, body: body)).only))
        }
        #expect(throws: NetlinkDecodingError.invalidField("destination length 33")) { try route(family: 2, length: 33) }
        #expect(throws: NetlinkDecodingError.missingAttribute(type: 1)) { try route(family: 2, length: 24) }
        #expect(try route(family: 128, length: 0) == nil)
        #expect(try route(family: 2, length: 0)?.destination == IPPrefix("0.0.0.0/0"))
    }
}
