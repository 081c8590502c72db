import GhNetNetlink
import Testing

/// Builds one netlink message in host byte order, padded (test helper).
func message(type: UInt16, flags: UInt16 = 0, sequence: UInt32, body: [UInt8] = []) -> [UInt8] {
    var bytes: [UInt8] = []
    func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) } }
    put(UInt32(16 + body.count))
    put(type)
    put(flags)
    put(sequence)
    put(UInt32(4242))
    bytes += body
    bytes += [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4)
    return bytes
}

/// The body of an NLMSG_ERROR message answering `sequence` with `errno` (0: acknowledgement), capped.
func errorBody(_ errno: Int32, sequence: UInt32) -> [UInt8] {
    withUnsafeBytes(of: -errno) { Array($0) } + message(type: 24, flags: 5, sequence: sequence)
}

/// The body of an NLMSG_DONE message with status `errno`.
func doneBody(_ errno: Int32) -> [UInt8] { withUnsafeBytes(of: -errno) { Array($0) } }

/// The reply state machine: which messages count, when a reply ends, and how it fails.
@Suite("Reply collector")
struct ReplyCollectorTests {
    let route = message(type: 24, flags: 2, sequence: 9, body: [2] + [UInt8](repeating: 0, count: 11))

    @Test("a dump spread over datagrams completes at NLMSG_DONE with every data message")
    func dumpCompletes() throws {
        var collector = NetlinkReplyCollector(sequence: 9, isDump: true)
        #expect(try collector.receive(route + route) == .needMore)
        #expect(try collector.receive(route) == .needMore)
        guard case .completed(let messages) = try collector.receive(message(type: 3, flags: 2, sequence: 9, body: doneBody(0))) else {
            Issue.record("dump did not complete")
            return
        }
        #expect(messages.count == 3 && messages.allSatisfy { $0.header.type == .newRoute })
    }

    @Test("messages for another sequence number and NLMSG_NOOP are ignored")
    func staleMessagesIgnored() throws {
        var collector = NetlinkReplyCollector(sequence: 10, isDump: false)
        let stale = message(type: 2, sequence: 9, body: errorBody(17, sequence: 9))
        #expect(try collector.receive(stale + message(type: 1, sequence: 10)) == .needMore)
        #expect(try collector.receive(message(type: 2, flags: 0x100, sequence: 10, body: errorBody(0, sequence: 10))) == .completed([]))
    }

    @Test("an error ends a request; an error instead of NLMSG_DONE ends a dump")
    func errors() throws {
        var request = NetlinkReplyCollector(sequence: 9, isDump: false)
        #expect(try request.receive(message(type: 2, flags: 0x100, sequence: 9, body: errorBody(1, sequence: 9)))
            == .failed(NetlinkErrorReply(errorNumber: 1, message: nil)))
        var dump = NetlinkReplyCollector(sequence: 9, isDump: true)
        #expect(try dump.receive(route) == .needMore)
        #expect(try dump.receive(message(type: 2, flags: 0x100, sequence: 9, body: errorBody(22, sequence: 9)))
            == .failed(NetlinkErrorReply(errorNumber: 22, message: nil)))
    }

    @Test("NLMSG_DONE with a negative status fails the dump; an acknowledgement inside a dump changes nothing")
    func doneStatus() throws {
        var dump = NetlinkReplyCollector(sequence: 9, isDump: true)
        #expect(try dump.receive(message(type: 2, flags: 0x100, sequence: 9, body: errorBody(0, sequence: 9))) == .needMore)
        #expect(try dump.receive(message(type: 3, flags: 2, sequence: 9, body: doneBody(4)))
            == .failed(NetlinkErrorReply(errorNumber: 4, message: nil)))
    }

    @Test("a dump flagged NLM_F_DUMP_INTR reports interrupted, to be asked again")
    func interrupted() throws {
        var dump = NetlinkReplyCollector(sequence: 9, isDump: true)
        let flagged = message(type: 24, flags: 0x12, sequence: 9, body: [2] + [UInt8](repeating: 0, count: 11))
        #expect(try dump.receive(route + flagged) == .needMore)
        #expect(try dump.receive(message(type: 3, flags: 2, sequence: 9, body: doneBody(0))) == .interrupted)
    }

    @Test("once complete, further datagrams change nothing")
    func finishedStays() throws {
        var collector = NetlinkReplyCollector(sequence: 9, isDump: false)
        let ack = message(type: 2, flags: 0x100, sequence: 9, body: errorBody(0, sequence: 9))
        #expect(try collector.receive(ack) == .completed([]))
        #expect(try collector.receive(message(type: 2, flags: 0x100, sequence: 9, body: errorBody(17, sequence: 9))) == .completed([]))
    }

    @Test("control messages out of place and replies past the limit are typed errors")
    func misplaced() throws {
        var request = NetlinkReplyCollector(sequence: 9, isDump: false)
        #expect(throws: NetlinkDecodingError.unexpectedMessage(type: 3)) {
            try request.receive(message(type: 3, sequence: 9, body: doneBody(0)))
        }
        var overrun = NetlinkReplyCollector(sequence: 9, isDump: true)
        #expect(throws: NetlinkDecodingError.unexpectedMessage(type: 4)) { try overrun.receive(message(type: 4, sequence: 9)) }
        var limited = NetlinkReplyCollector(sequence: 9, isDump: true, messageLimit: 2)
        #expect(throws: NetlinkDecodingError.replyTooLong(limit: 2)) { try limited.receive(route + route + route) }
    }

    @Test("an error reply with an impossible error number is a typed error")
    func impossibleErrorNumber() {
        for code: Int32 in [5, Int32.min] {
            var collector = NetlinkReplyCollector(sequence: 9, isDump: false)
            let body = withUnsafeBytes(of: code) { Array($0) } + message(type: 24, sequence: 9)
            #expect(throws: NetlinkDecodingError.self) {
                try collector.receive(message(type: 2, flags: 0x100, sequence: 9, body: body))
            }
        }
    }
}
