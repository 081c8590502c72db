import GhNetWire
import Testing
@testable import GhNetAgent

/// The hand-over request's encoding: exact bytes, round trips, and malformed input refused
/// without trapping.
@Suite struct AgentHandoverRequestTests {
    let request = AgentHandoverRequest(session: SessionID(high: 0x0102_0304_0506_0708, low: 0x090a_0b0c_0d0e_0f10), build: "abc")

    @Test func encodesMagicVersionSessionAndBuild() {
        #expect(request.encoded() == Array("GHNH".utf8) + [1] + Array(1...16) + [0, 3] + Array("abc".utf8))
    }

    @Test(arguments: ["", "abc", String(repeating: "f", count: 64), "bâtî ✓", String(repeating: "x", count: 128)])
    func roundTrips(build: String) {
        let original = AgentHandoverRequest(session: .random(), build: build)
        #expect(AgentHandoverRequest.decode(original.encoded()) == original)
    }

    @Test func anOversizeBuildIsCutAtACharacter() throws {
        let cut = try #require(AgentHandoverRequest.decode(AgentHandoverRequest(session: .none, build: "a" + String(repeating: "é", count: 100)).encoded()))
        #expect(cut.build == "a" + String(repeating: "é", count: 63))
    }

    @Test func everyTruncationIsRefused() {
        let bytes = request.encoded()
        for length in 0..<bytes.count {
            #expect(AgentHandoverRequest.decode(Array(bytes[..<length])) == nil, "\(length) bytes")
        }
    }

    @Test func trailingBytesAreRefused() {
        #expect(AgentHandoverRequest.decode(request.encoded() + [0]) == nil)
    }

    @Test func aWrongMagicOrVersionIsRefused() {
        for index in 0..<5 {
            var bytes = request.encoded()
            bytes[index] ^= 0x20
            #expect(AgentHandoverRequest.decode(bytes) == nil, "byte \(index)")
        }
    }

    @Test func anOversizeBuildIsRefused() {
        let header: [UInt8] = request.encoded().prefix(AgentHandoverRequest.headerLength - 2) + [0, 129]
        let bytes = header + [UInt8](repeating: UInt8(ascii: "x"), count: 129)
        #expect(AgentHandoverRequest.buildLength(header: bytes[...]) == nil)
        #expect(AgentHandoverRequest.decode(bytes) == nil)
    }

    @Test func aBuildThatIsNotUTF8IsRefused() {
        var bytes = request.encoded()
        bytes[bytes.count - 1] = 0xff
        #expect(AgentHandoverRequest.decode(bytes) == nil)
    }
}
