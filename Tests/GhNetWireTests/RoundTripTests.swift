import GhNetAddress
import NIOCore
import Testing
@testable import GhNetWire

@Suite struct RoundTripTests {
    @Test func fixturesCoverEveryKind() {
        #expect(Set(Fixtures.compactFrames.map(\.kind)) == Set(FrameKind.allCases))
    }

    @Test(arguments: Fixtures.compactFrames + Fixtures.largeFrames)
    func decodesWhatItEncodes(frame: Frame) throws {
        var buffer = ByteBuffer()
        frame.encode(into: &buffer)
        #expect(buffer.getInteger(at: 0, as: UInt32.self).map(Int.init) == buffer.readableBytes - 4)
        #expect(buffer.getInteger(at: 4, as: UInt8.self) == frame.kind.rawValue)
        var decoder = FrameDecoder()
        #expect(try decoder.decode(buffer: &buffer) == frame)
        #expect(buffer.readableBytes == 0)
        #expect(try decoder.decode(buffer: &buffer) == nil)
    }

    @Test func payloadIsASliceOfTheInput() throws {
        var buffer = Fixtures.encode([.data(stream: 1, offset: 5, payload: Fixtures.payload(100))])
        let inputBase = buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        var decoder = FrameDecoder()
        guard case .data(_, _, let payload) = try decoder.decode(buffer: &buffer) else {
            Issue.record("not a data frame")
            return
        }
        let payloadBase = payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(payloadBase == inputBase + 4 + 1 + 4 + 8)
    }

    @Test func encodesFieldsBigEndian() {
        let frame = Frame.windowCredit(stream: 0x0102_0304, consumed: 0x0506_0708_090A_0B0C, window: 0x0D0E_0F10)
        let bytes = Array(Fixtures.encode([frame]).readableBytesView)
        #expect(bytes == [0, 0, 0, 17, FrameKind.windowCredit.rawValue] + Array(1...16))
        let open = Frame.tcpOpen(
            stream: 1, source: Endpoint(Fixtures.v4a, port: 0x1234), destination: Endpoint(Fixtures.v6a, port: 80),
            window: 2)
        let openBytes = Array(Fixtures.encode([open]).readableBytesView)
        #expect(openBytes[9..<16] == [4, 198, 18, 0, 1, 0x12, 0x34])
        #expect(openBytes[16] == 6 && openBytes[17..<19] == [0x20, 0x01] && openBytes[32] == 1)
    }

    /// The examples in docs/wire-protocol.md.
    @Test func matchesTheDocumentedExamples() {
        let credit = Fixtures.encode([.windowCredit(stream: 7, consumed: 65536, window: 262_144)])
        #expect(
            Array(credit.readableBytesView)
                == [0, 0, 0, 0x11, 0x23, 0, 0, 0, 7, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0])
        let data = Fixtures.encode([.data(stream: 7, offset: 0, payload: ByteBuffer(string: "hi"))])
        #expect(
            Array(data.readableBytesView)
                == [0, 0, 0, 0x0F, 0x22, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0x68, 0x69])
        // The hello table: magic first, then fixed fields, then the two build strings.
        let hello = Fixtures.encode([.hello(Fixtures.hello(role: .local))])
        #expect(hello.getBytes(at: 5, length: 4) == Array("GHNW".utf8))
        #expect(hello.readableBytes == 4 + 1 + (4 + 2 + 2 + 1 + 8 + 1 + 16) + (2 + 64) + (2 + 5))
    }

    @Test func cutsOverlongStringsAtAScalarBoundary() throws {
        // 65,534 ASCII bytes then a 4-byte scalar: only the ASCII part fits in 65,535 bytes.
        let text = String(repeating: "x", count: 65_534) + "🚀" + "tail"
        var buffer = Fixtures.encode([.goodbye(reason: text)])
        var decoder = FrameDecoder()
        #expect(try decoder.decode(buffer: &buffer) == .goodbye(reason: String(repeating: "x", count: 65_534)))
        var exact = Fixtures.encode([.goodbye(reason: String(repeating: "y", count: 70_000))])
        #expect(try decoder.decode(buffer: &exact) == .goodbye(reason: String(repeating: "y", count: 65_535)))
    }

    @Test func encoderRefusesFramesThePeerWouldReject() throws {
        let encoder = FrameEncoder(maximumFrameLength: 1 + 4 + 8 + 10)
        var buffer = ByteBuffer()
        try encoder.encode([.keepalive(nonce: 1), .data(stream: 1, offset: 0, payload: Fixtures.payload(10))], into: &buffer)
        let before = buffer
        #expect(throws: WireError.frameTooLarge(length: 24, limit: 23)) {
            try encoder.encode(.data(stream: 1, offset: 0, payload: Fixtures.payload(11)), into: &buffer)
        }
        #expect(buffer == before)
        var decoder = FrameDecoder(maximumFrameLength: encoder.maximumFrameLength)
        #expect(try Fixtures.decodeAll(&buffer, decoder: &decoder).count == 2)
    }

    @Test func describesFramesWithoutPayloadBytes() {
        #expect(Frame.data(stream: 3, offset: 9, payload: Fixtures.payload(1400)).description == "data(#3 @9, 1400 bytes)")
        #expect(
            Frame.tcpOpen(
                stream: 1, source: Endpoint(Fixtures.v4a, port: 5), destination: Endpoint(Fixtures.v6a, port: 443),
                window: 7
            ).description == "tcpOpen(#1 198.18.0.1:5 → [2001:db8::1]:443, window 7)")
        #expect(Capabilities([.tcp, .resume]).union(Capabilities(rawValue: 1 << 40)).description == "tcp, resume, 0x10000000000")
        #expect(SessionID(high: 1, low: .max).description == "0000000000000001ffffffffffffffff")
        for frame in Fixtures.compactFrames {
            #expect(frame.description.hasPrefix("\(frame.kind)("))
        }
    }

    @Test func drawsSessionIDsThatAreNeverNone() {
        var generator = SplitMix64(seed: 1)
        let ids = (0..<100).map { _ in SessionID.random(using: &generator) }
        #expect(!ids.contains(.none))
        #expect(Set(ids).count == 100)
        #expect(SessionID.random() != SessionID.random())
    }
}
