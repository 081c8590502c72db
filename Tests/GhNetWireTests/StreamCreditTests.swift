import Testing
@testable import GhNetWire

@Suite struct StreamCreditTests {
    @Test func senderStopsAtTheCreditAndMovesOnWithIt() {
        var credit = SendCredit(initialWindow: 100)
        #expect(credit.available == 100)
        let first = credit.didSend(60)
        let second = credit.didSend(40)
        #expect(first == 0 && second == 60)
        #expect(credit.available == 0)
        let opened = credit.credit(consumed: 50, window: 100)
        #expect(opened && credit.available == 50)
        let shrunk = credit.credit(consumed: 40, window: 100)
        #expect(!shrunk, "a shrinking edge is ignored")
        let overflowed = credit.credit(consumed: UInt64.max, window: 10)
        #expect(!overflowed, "an overflowing edge is ignored")
        #expect(credit.available == 50)
    }

    @Test func aCreditForBytesNeverSentIsIgnored() {
        var credit = SendCredit(initialWindow: 100)
        _ = credit.didSend(10)
        let bogus = credit.credit(consumed: UInt64(Int.max) + 5, window: UInt32.max)
        #expect(!bogus)
        #expect(credit.available == 90)
        let ahead = credit.credit(consumed: 11, window: 100)
        #expect(!ahead, "consumed beyond what was sent")
        let honest = credit.credit(consumed: 10, window: UInt32.max)
        #expect(honest && credit.available == Int(UInt32.max))
    }

    @Test func aWindowLargerThanTheMaximumCountsAsTheMaximum() {
        var credit = SendCredit(initialWindow: .max, maximumWindow: 1000)
        #expect(credit.available == 1000)
        _ = credit.didSend(1000)
        let opened = credit.credit(consumed: 1000, window: .max)
        #expect(opened)
        #expect(credit.available == 1000 && credit.limit == 2000)
    }

    @Test func receiverChecksOrderAndCredit() throws {
        var credit = ReceiveCredit(window: 100)
        try credit.receive(offset: 0, count: 60)
        #expect(throws: ReceiveCredit.Violation.wrongOffset(expected: 60, got: 0)) { try credit.receive(offset: 0, count: 1) }
        #expect(throws: ReceiveCredit.Violation.beyondCredit(limit: 100, end: 101)) { try credit.receive(offset: 60, count: 41) }
        try credit.receive(offset: 60, count: 40)
        let early = credit.consume(30)
        #expect(early == nil, "less than half a window freed: no credit yet")
        let maybeGrant = credit.consume(30)
        let grant = try #require(maybeGrant)
        #expect(grant.consumed == 60 && grant.window == 100)
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

    @Test func aWindowWhoseReaderKeepsUpDoublesUpToItsMaximum() throws {
        var sender = SendCredit(initialWindow: 1000)
        var receiver = ReceiveCredit(window: 1000, maximumWindow: 5000)
        var windows: [UInt32] = []
        for _ in 0..<6 {
            // The sender uses every byte of credit; the reader takes it all at once.
            let count = sender.available
            try receiver.receive(offset: sender.didSend(count), count: count)
            let granted = receiver.consume(count)
            let grant = try #require(granted)
            windows.append(grant.window)
            sender.credit(consumed: grant.consumed, window: grant.window)
        }
        #expect(windows == [2000, 4000, 5000, 5000, 5000, 5000])
        #expect(receiver.borrowed == 4000)
    }

    @Test func aSlowReadersWindowStaysAsItIs() throws {
        var sender = SendCredit(initialWindow: 1000)
        var receiver = ReceiveCredit(window: 1000, maximumWindow: 8000)
        for _ in 0..<5 {
            // The sender fills the window; the reader takes only half of what waits.
            let count = sender.available
            try receiver.receive(offset: sender.didSend(count), count: count)
            let grant = receiver.consume(Int(receiver.received - receiver.consumed) / 2 + 1)
            #expect(grant?.window == 1000)
            if let grant { sender.credit(consumed: grant.consumed, window: grant.window) }
        }
        #expect(receiver.borrowed == 0)
    }

    @Test func growthIsLentByTheBudgetAndGivenBack() throws {
        let budget = CreditBudget(limit: 1500)
        var first = ReceiveCredit(window: 1000, maximumWindow: 8000)
        var second = ReceiveCredit(window: 1000, maximumWindow: 8000)
        try first.receive(offset: 0, count: 1000)
        let firstGrant = first.consume(1000, budget: budget)
        #expect(firstGrant?.window == 2000)
        #expect(budget.lent == 1000)
        try second.receive(offset: 0, count: 1000)
        // 1000 more would pass the budget's 1500: the window stays, the credit still comes.
        let refused = second.consume(1000, budget: budget)
        #expect(refused?.window == 1000)
        #expect(budget.lent == 1000 && second.borrowed == 0)
        budget.giveBack(first.borrowed)
        #expect(budget.lent == 0)
        try second.receive(offset: 1000, count: 1000)
        let lent = second.consume(1000, budget: budget)
        #expect(lent?.window == 2000)
        #expect(budget.lent == 1000)
    }
}
