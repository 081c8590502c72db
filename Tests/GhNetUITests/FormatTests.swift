import Testing
@testable import GhNetUI

@Suite struct FormatTests {
    static let byteCases: [(count: UInt64, expected: String)] = [
        (0, "0 B"), (1, "1 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (1536, "1.5 KiB"),
        (102_348, "99.9 KiB"), (102_349, "100 KiB"), (1_048_063, "1023 KiB"), (1_048_575, "1.0 MiB"),
        (12_897_485, "12.3 MiB"), (1_073_741_824, "1.0 GiB"), (1_099_511_627_776, "1.0 TiB"),
        (1_125_899_906_842_624, "1.0 PiB"), (1_152_921_504_606_846_976, "1.0 EiB"), (UInt64.max, "16.0 EiB"),
    ]

    @Test(arguments: byteCases)
    func bytes(count: UInt64, expected: String) {
        #expect(Format.bytes(count) == expected)
        #expect(Format.bytes(count).count <= 8)
    }

    @Test func oneDecimal() {
        #expect(Format.oneDecimal(0) == "0.0")
        #expect(Format.oneDecimal(0.04) == "0.0")
        #expect(Format.oneDecimal(0.05) == "0.1")
        #expect(Format.oneDecimal(2.5) == "2.5")
        #expect(Format.oneDecimal(12.34) == "12.3")
        #expect(Format.oneDecimal(9.96) == "10.0")
        #expect(Format.oneDecimal(-3) == "0.0")
        #expect(Format.oneDecimal(.infinity) == "1000000000000000.0", "clamped, never a trap")
        #expect(Format.oneDecimal(.nan) == "0.0")
    }

    @Test func rates() {
        #expect(Format.rate(0) == "0 B/s")
        #expect(Format.rate(1_258_291) == "1.2 MiB/s")
        #expect(Format.rate(3_482) == "3.4 KiB/s")
    }

    static let durationCases: [(seconds: Int64, expected: String)] = [
        (0, "0s"), (5, "5s"), (59, "59s"), (60, "1m"), (3 * 60 + 59, "3m"), (3599, "59m"), (3600, "1h00m"),
        (3723, "1h02m"), (86_399, "23h59m"), (86_400, "1d00h"), (2 * 86_400 + 3 * 3600 + 59, "2d03h"),
        (400 * 86_400, "400d00h"), (-5, "0s"),
    ]

    @Test(arguments: durationCases)
    func durations(seconds: Int64, expected: String) {
        #expect(Format.duration(.seconds(seconds)) == expected)
    }

    @Test func fractionsAreRoundedDown() {
        #expect(Format.duration(.milliseconds(999)) == "0s")
        #expect(Format.duration(.milliseconds(60_999)) == "1m")
        #expect(Format.duration(.milliseconds(-1)) == "0s")
    }

    @Test func ago() {
        #expect(Format.ago(nil) == "—")
        #expect(Format.ago(.seconds(3)) == "3s")
        #expect(Format.ago(.seconds(150)) == "2m")
        #expect(Format.ago(.seconds(3723)) == "1h")
        #expect(Format.ago(.seconds(90_000)) == "1d")
        #expect(Format.ago(.seconds(-1)) == "0s")
    }
}
