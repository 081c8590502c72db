import Foundation
import GhNetPackets
import Testing

/// A kernel-written packet from `Fixtures/NAME.hex` (see Fixtures/README.md).
struct Fixture: CustomTestStringConvertible, Sendable {
    let name: String
    let bytes: [UInt8]

    var testDescription: String { name }

    /// Loads `Fixtures/<name>.hex`: whitespace-separated hex bytes, `#` starts a comment.
    init(_ name: String) {
        self.name = name
        guard let url = Bundle.module.url(forResource: name, withExtension: "hex", subdirectory: "Fixtures"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("missing fixture \(name).hex")
        }
        bytes = text.split(separator: "\n")
            .map { $0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0] }
            .flatMap { $0.split(whereSeparator: \.isWhitespace) }
            .map { token in
                guard let byte = UInt8(token, radix: 16) else { fatalError("bad hex \(token) in \(name)") }
                return byte
            }
    }

    /// Every fixture file.
    static let all: [Fixture] = {
        guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil),
              let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            fatalError("missing Fixtures directory")
        }
        return files.filter { $0.hasSuffix(".hex") }.sorted().map { Fixture(String($0.dropLast(4))) }
    }()

    /// Fixtures that `IPPacket.parse` accepts (no options, no fragments).
    static let parseable: [Fixture] = all.filter { !rejected.keys.contains($0.name) }

    /// Fixtures `IPPacket.parse` refuses, and why.
    static let rejected: [String: PacketError] = [
        "ipv4-icmp-echo-request-record-route": .ipv4OptionsUnsupported,
        "ipv4-udp-fragment-first": .fragment,
        "ipv4-udp-fragment-last": .fragment,
        "ipv6-udp-fragment": .fragment,
    ]
}

/// Runs `body` over the bytes of `array`, keeping `body`'s typed error.
func withBytes<T, E: Error>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
    try array.withUnsafeBytes { raw in Result { () throws(E) in try body(raw) } }.get()
}

/// The error `body` throws over `bytes`, or nil.
func parseError<T>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(PacketError) -> T) -> PacketError? {
    do throws(PacketError) {
        _ = try withBytes(bytes, body)
        return nil
    } catch {
        return error
    }
}

/// Parses the IP layer of `bytes`.
func parseIP(_ bytes: [UInt8]) throws(PacketError) -> IPPacket {
    try withBytes(bytes) { raw throws(PacketError) in try IPPacket.parse(raw) }
}

/// The transport bytes of a packet that parses.
func transportBytes(_ bytes: [UInt8]) throws(PacketError) -> [UInt8] {
    Array(bytes[try parseIP(bytes).transportRange])
}

/// Big-endian 16-bit value at `offset`.
func word(_ bytes: [UInt8], _ offset: Int) -> UInt16 { UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]) }

/// The bytes `body` writes into a fresh zeroed buffer of `capacity` bytes (as many as it reports).
func emitted(
    capacity: Int, _ body: (UnsafeMutableRawBufferPointer) throws(PacketBuildError) -> Int
) throws(PacketBuildError) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: capacity)
    let count = try out.withUnsafeMutableBytes { raw in Result { () throws(PacketBuildError) in try body(raw) } }.get()
    return Array(out.prefix(count))
}
