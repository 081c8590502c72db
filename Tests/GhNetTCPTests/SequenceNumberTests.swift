import GhNetPackets
import Testing
@testable import GhNetTCP

/// Modular sequence arithmetic, and a connection whose numbers both cross 2^32.
@Suite struct SequenceNumberTests {
    @Test func comparisonsAreModular() {
        let top = TCPSequenceNumber(UInt32.max - 10)
        let wrapped = top + 20
        #expect(wrapped.rawValue == 9)
        #expect(top < wrapped && wrapped > top)
        #expect(top <= top && top >= top)
        #expect(wrapped - top == 20 && top - wrapped == -20)
        #expect(wrapped - 20 == top)
        let half = TCPSequenceNumber(0) + Int(Int32.max)
        #expect(TCPSequenceNumber(0) < half)
        #expect(!(TCPSequenceNumber(0) < half + 2))
    }

    @Test func offsetsUnwrapNearTheirReference() {
        let space = SequenceSpace(initial: TCPSequenceNumber(UInt32.max - 1))
        #expect(space.number(at: 0).rawValue == UInt32.max - 1)
        #expect(space.number(at: 3).rawValue == 1)
        #expect(space.offset(of: TCPSequenceNumber(1), near: 0) == 3)
        #expect(space.offset(of: TCPSequenceNumber(UInt32.max - 3), near: 0) == -2)
        let far = 5 << 32 + 17
        #expect(space.offset(of: space.number(at: far + 1000), near: far) == far + 1000)
        #expect(space.offset(of: space.number(at: far - 1000), near: far) == far - 1000)
    }

    @Test func aConnectionWorksAcrossTheWrapBothWays() {
        let appISN = UInt32.max - 3000
        let agentISN = UInt32.max - 2000
        var random = FixedRandom(UInt64(agentISN), 0)
        var now = TCPInstant(nanoseconds: 0)
        let syn = App.syn(sequence: appISN, mss: 1000)
        var connection = TCPConnection(syn: syn, addresses: App.addresses, now: now, random: &random)!
        connection.openSucceeded(initialWindow: 1 << 20)
        let synAck = connection.nextSegment(now: now)!.header
        #expect(synAck.sequenceNumber == agentISN)
        #expect(synAck.acknowledgmentNumber == appISN + 1)

        func segment(_ data: Int, acknowledging: Int, _ flags: TCPFlags = [.ack]) -> TCPSegmentHeader {
            TCPSegmentHeader(
                sourcePort: App.port, destinationPort: App.serverPort,
                sequenceNumber: (TCPSequenceNumber(appISN) + 1 + data).rawValue,
                acknowledgmentNumber: (TCPSequenceNumber(agentISN) + 1 + acknowledging).rawValue,
                flags: flags, window: 65535)
        }

        let fromServer = pattern(10_000)
        let fromApp = pattern(10_000, from: 3)
        var serverWritten = 0
        var receivedByApp: [UInt8] = []
        var receivedByServer: [UInt8] = []
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        connection.segmentReceived(segment(0, acknowledging: 0), payload: empty, now: now)
        for round in 0..<10 {
            now = now + .milliseconds(1)
            serverWritten += fromServer[serverWritten...].withUnsafeBytes { connection.send($0) }
            while let out = connection.nextSegment(now: now) {
                let offset = TCPSequenceNumber(out.header.sequenceNumber) - TCPSequenceNumber(agentISN) - 1
                #expect(offset == receivedByApp.count || out.payloadCount == 0)
                receivedByApp += connection.withPayload(of: out) { Array($0) }
            }
            let chunk = Array(fromApp[(round * 1000)..<(round * 1000 + 1000)])
            chunk.withUnsafeBytes { bytes in
                connection.segmentReceived(segment(round * 1000, acknowledging: receivedByApp.count), payload: bytes, now: now)
            }
            while let event = connection.nextEvent() {
                if case .deliverFromSegment(let range) = event { receivedByServer += chunk[range] }
            }
        }
        while connection.nextSegment(now: now) != nil {}
        #expect(same(receivedByApp, fromServer))
        #expect(same(receivedByServer, fromApp))
        #expect(connection.state == .established)
    }
}
