/// A domain name as a list of labels (raw bytes, case preserved), without the empty root label.
/// Shown in presentation format with a trailing dot (`db.corp.example.`, the root as `.`);
/// dots and backslashes inside labels are escaped, other unprintable bytes are shown as `\DDD`.
public struct DNSName: Sendable, Hashable, CustomStringConvertible {
    /// The labels, most specific first; empty for the root.
    public var labels: [[UInt8]]

    public init(labels: [[UInt8]]) { self.labels = labels }

    public var description: String {
        if labels.isEmpty { return "." }
        var text = ""
        for label in labels {
            for byte in label {
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"):
                    text.append("\\")
                    text.unicodeScalars.append(Unicode.Scalar(byte))
                case 0x21...0x7E:
                    text.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    text.append(decimalEscape(byte))
                }
            }
            text.append(".")
        }
        return text
    }
}

/// `\DDD`: a byte as a backslash and three decimal digits (RFC 1035 presentation format).
func decimalEscape(_ byte: UInt8) -> String {
    let digits = String(byte)
    return "\\" + String(repeating: "0", count: 3 - digits.count) + digits
}
