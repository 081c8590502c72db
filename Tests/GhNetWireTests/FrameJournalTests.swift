import NIOCore
import Testing
@testable import GhNetWire

@Suite struct FrameJournalTests {
    private func data(_ stream: UInt32, at offset: UInt64, _ bytes: String) -> Frame {
        .data(stream: StreamID(rawValue: stream), offset: offset, payload: ByteBuffer(string: bytes))
    }

    @Test func onlyFramesThatChangeThePeersStateAreSequenced() {
        let stream = StreamID(rawValue: 1)
        let sequenced: [Frame] = [
            .routes([]), .dnsConfig(enabled: true, domains: []), data(1, at: 0, "x"),
            .windowCredit(stream: stream, consumed: 0, window: 1), .halfClose(stream: stream, offset: 0),
            .reset(stream: stream, reason: .aborted), .tcpOpenResult(stream: stream, result: .refused),
        ]
        let losable: [Frame] = [
            .keepalive(nonce: 1), .keepaliveAck(nonce: 1), .received(count: 3), .goodbye(reason: "bye"),
            .reset(stream: stream, reason: .unknownStream), .dnsQuery(id: 1, payload: ByteBuffer()),
            .dnsFailure(id: 1, reason: .timedOut), .log(level: .info, message: "hi"), .statistics([]),
        ]
        #expect(sequenced.filter { !$0.isSequenced }.isEmpty)
        #expect(losable.filter(\.isSequenced).isEmpty)
    }

    @Test func keepsWhatThePeerHasNotReportedAndSendsItAgain() throws {
        var journal = FrameJournal()
        for index in 0..<5 { journal.record(data(1, at: UInt64(index), "a")) }
        #expect(journal.sent == 5 && journal.keptCount == 5)
        try journal.acknowledge(count: 2)
        #expect(journal.firstKept == 2 && journal.keptCount == 3)
        let again = try journal.frames(from: 3)
        #expect(again == [data(1, at: 3, "a"), data(1, at: 4, "a")])
        let none = try journal.frames(from: 5)
        #expect(none.isEmpty)
        try journal.acknowledge(count: 1)
        #expect(journal.firstKept == 2, "an older report changes nothing")
    }

    @Test func aCountThePeerCannotHaveEndsTheResume() throws {
        var journal = FrameJournal()
        for index in 0..<3 { journal.record(data(1, at: UInt64(index), "a")) }
        try journal.acknowledge(count: 2)
        #expect(throws: FrameJournal.ResumeError.countAhead(reported: 4, sent: 3)) { try journal.acknowledge(count: 4) }
        #expect(throws: FrameJournal.ResumeError.countAhead(reported: 4, sent: 3)) { _ = try journal.frames(from: 4) }
        #expect(throws: FrameJournal.ResumeError.countBehind(reported: 1, firstKept: 2)) { _ = try journal.frames(from: 1) }
    }

    @Test func fillsUpWithBytesAndEmptiesWithReports() throws {
        var journal = FrameJournal(byteLimit: 1000)
        journal.record(data(1, at: 0, String(repeating: "x", count: 900)))
        #expect(!journal.isFull)
        journal.record(data(1, at: 900, String(repeating: "x", count: 100)))
        #expect(journal.isFull)
        #expect(journal.byteCount == 1000 + 2 * FrameJournal.frameOverhead)
        try journal.acknowledge(count: 1)
        #expect(!journal.isFull && journal.byteCount == 100 + FrameJournal.frameOverhead)
        try journal.acknowledge(count: 2)
        #expect(journal.byteCount == 0)
    }

    @Test func reportsEveryFewFramesOrBytesAndAtTheTick() {
        var receipts = FrameReceipts()
        for _ in 1..<FrameReceipts.reportEveryFrames {
            #expect(receipts.count(.windowCredit(stream: 1, consumed: 0, window: 1)) == nil)
        }
        #expect(receipts.count(.keepalive(nonce: 1)) == nil, "losable frames are not counted")
        #expect(receipts.count(.windowCredit(stream: 1, consumed: 0, window: 1)) == FrameReceipts.reportEveryFrames)
        #expect(receipts.reportAtTick() == nil, "nothing new since the report")
        let big = String(repeating: "x", count: FrameReceipts.reportEveryBytes)
        #expect(receipts.count(data(1, at: 0, big)) == FrameReceipts.reportEveryFrames + 1)
        #expect(receipts.count(data(1, at: 0, "x")) == nil)
        #expect(receipts.reportAtTick() == FrameReceipts.reportEveryFrames + 2)
    }

    @Test func aDataFrameInPiecesCountsOnce() {
        var receipts = FrameReceipts()
        #expect(receipts.count(data(1, at: 0, "ab"), endingItsFrame: false) == nil)
        #expect(receipts.received == 0)
        _ = receipts.count(data(1, at: 2, "cd"), endingItsFrame: true)
        #expect(receipts.received == 1)
    }

    @Test func piecesHandedOutBeforeTheDropAreNotHandedOutAgain() {
        var pieces = DataFrameResumption()
        // The old link hands out 4 bytes of a 10-byte frame at offset 100, then ends.
        #expect(pieces.received(data(7, at: 100, "abcd"), endingItsFrame: false) == data(7, at: 100, "abcd"))
        pieces.resumed()
        // The peer sends the whole frame again, in two pieces this time.
        #expect(pieces.received(data(7, at: 100, "abc"), endingItsFrame: false) == nil)
        #expect(pieces.received(data(7, at: 103, "defg"), endingItsFrame: false) == data(7, at: 104, "efg"))
        #expect(pieces.received(data(7, at: 107, "hij"), endingItsFrame: true) == data(7, at: 107, "hij"))
        // Later frames pass untouched.
        #expect(pieces.received(data(7, at: 100, "abcd"), endingItsFrame: true) == data(7, at: 100, "abcd"))
    }

    @Test func aDropBetweenFramesSkipsNothing() {
        var pieces = DataFrameResumption()
        _ = pieces.received(data(7, at: 0, "abcd"), endingItsFrame: true)
        pieces.resumed()
        #expect(pieces.received(data(7, at: 4, "ef"), endingItsFrame: true) == data(7, at: 4, "ef"))
        var fresh = DataFrameResumption()
        _ = fresh.received(data(7, at: 0, "abcd"), endingItsFrame: false)
        fresh.reset()
        #expect(fresh.received(data(7, at: 0, "abcd"), endingItsFrame: true) == data(7, at: 0, "abcd"))
    }

    @Test func aSecondDropBeforeTheFrameIsWholeAgainKeepsWhatWasHandedOn() {
        var pieces = DataFrameResumption()
        _ = pieces.received(data(7, at: 100, "abc"), endingItsFrame: false)
        pieces.resumed()
        // The next link ends before any of the frame came again, the one after with less of it.
        pieces.resumed()
        _ = pieces.received(data(7, at: 100, "a"), endingItsFrame: false)
        pieces.resumed()
        #expect(pieces.received(data(7, at: 100, "abcdef"), endingItsFrame: true) == data(7, at: 103, "def"))
    }
}
