/// The short forms of numbers the views show.
public enum Format {
    private static let binaryUnits = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]

    /// A byte count with binary units: `0 B`, `1023 B`, `1.0 KiB`, `12.3 MiB`, `100 MiB`,
    /// `1023 GiB`. One decimal below 100 of a unit, none from 100; at most 8 characters.
    public static func bytes(_ count: UInt64) -> String {
        if count < 1024 { return "\(count) B" }
        var value = Double(count) / 1024
        var unit = 0
        while true {
            let tenths = (value * 10).rounded()
            if tenths < 1000 { return "\(decimal(tenths: Int(tenths))) \(binaryUnits[unit])" }
            let whole = value.rounded()
            if whole < 1024 || unit == binaryUnits.count - 1 {
                return "\(Int(whole)) \(binaryUnits[unit])"
            }
            value /= 1024
            unit += 1
        }
    }

    /// A non-negative number with one decimal, rounded: `0.0`, `2.5`, `12.3` (negative shows as `0.0`).
    public static func oneDecimal(_ value: Double) -> String {
        decimal(tenths: value > 0 ? Int((min(value, 1e15) * 10).rounded()) : 0)
    }

    /// `tenths` (not negative) as a number with one decimal: 123 → `12.3`.
    private static func decimal(tenths: Int) -> String {
        "\(tenths / 10).\(tenths % 10)"
    }

    /// A rate in bytes per second: `0 B/s`, `1.2 MiB/s`.
    public static func rate(_ bytesPerSecond: UInt64) -> String {
        bytes(bytesPerSecond) + "/s"
    }

    /// A duration in its two largest units, rounded down: `5s`, `3m`, `1h02m`, `2d03h`; negative
    /// durations show as `0s`.
    public static func duration(_ duration: Duration) -> String {
        let seconds = max(0, duration.components.seconds)
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m" }
        if seconds < 86400 { return "\(seconds / 3600)h\(twoDigits(seconds % 3600 / 60))m" }
        return "\(seconds / 86400)d\(twoDigits(seconds % 86400 / 3600))h"
    }

    /// How long ago something happened, in its largest unit, rounded down: `3s`, `2m`, `1h`,
    /// `4d`; `—` when it never did.
    public static func ago(_ duration: Duration?) -> String {
        guard let duration else { return "—" }
        let seconds = max(0, duration.components.seconds)
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m" }
        if seconds < 86400 { return "\(seconds / 3600)h" }
        return "\(seconds / 86400)d"
    }

    private static func twoDigits(_ value: Int64) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
