import Testing
@testable import GhNetCore

/// The log line's timestamp, built by hand.
@Suite struct LineLogHandlerTests {
    @Test func timestampsAreISO8601InUTCWithMilliseconds() {
        #expect(LineLogHandler.timestamp(seconds: 0, milliseconds: 5) == "1970-01-01T00:00:00.005Z")
        #expect(LineLogHandler.timestamp(seconds: 1_796_674_843, milliseconds: 154) == "2026-12-07T20:20:43.154Z")
        #expect(LineLogHandler.timestamp(seconds: 253_402_300_799, milliseconds: 999) == "9999-12-31T23:59:59.999Z")
    }

    @Test func theCurrentTimestampHasTheSameShape() {
        let stamp = LineLogHandler.timestamp()
        #expect(stamp.count == 24 && stamp.hasSuffix("Z") && stamp.dropFirst(10).first == "T", "\(stamp)")
    }
}
