import Testing
@testable import GhNetWire

@Suite struct StreamCreditTests {
    @Test func senderStopsAtTheCreditAndMovesOnWithIt() {
        var credit = SendCredit(initialWindow: 100)
        #expect(credit.available == 100)
        #expect(credit.didSend(60) == 0)
        #expect(credit.didSend(40) == 60)
        #expect(credit.available == 0)
        #expect(credit.credit(consumed: 50, window: 100))
        #expect(credit.available == 50)
        #expect(!credit.credit(consumed: 40, window: 100), "a shrinking edge is ignored")
        #expect(!credit.credit(consumed: UInt64.max, window: 10), "an overflowing edge is ignored")
        #expect(credit.available == 50)
    }

    @Test func receiverChecksOrderAndCredit() throws {
        var credit = ReceiveCredit(window: 100)
        try credit.receive(offset: 0, count: 60)
        #expect(throws: ReceiveCredit.Violation.wrongOffset(expected: 60, got: 0)) { try credit.receive(offset: 0, count: 1) }
        #expect(throws: ReceiveCredit.Violation.beyondCredit(limit: 100, end: 101)) { try credit.receive(offset: 60, count: 41) }
        try credit.receive(offset: 60, count: 40)
        #expect(credit.consume(30) == nil, "less than half a window freed: no credit yet")
        #expect(credit.consume(30)! == (consumed: 60, window: 100))
        try credit.receive(offset: 100, count: 60)
        #expect(throws: ReceiveCredit.Violation.self) { try credit.receive(offset: 160, count: 1) }
    }

    @Test func bothHalvesAgreeOverALongTransfer() throws {
        var sender = SendCredit(initialWindow: 1000)
        var receiver = ReceiveCredit(window: 1000)
        var total = 0
        var generator = SystemRandomNumberGenerator()
        while total < 1_000_000 {
            let chunk = min(sender.available, Int.random(in: 1...300, using: &generator))
            if chunk > 0 {
                let offset = sender.didSend(chunk)
                try receiver.receive(offset: offset, count: chunk)
                total += chunk
            }
            if let grant = receiver.consume(Int(receiver.received - receiver.consumed)) {
                sender.credit(consumed: grant.consumed, window: grant.window)
            }
            #expect(receiver.received - receiver.consumed <= 1000)
        }
    }
}
