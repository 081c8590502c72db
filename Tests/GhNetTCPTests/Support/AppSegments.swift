import GhNetAddress
import GhNetPackets
@testable import GhNetTCP

/// The app's side of the unit tests: its addresses, ports and initial sequence number, and
/// headers as its kernel would send them.
enum App {
    static let port: UInt16 = 40000
    static let serverPort: UInt16 = 443
    static let addresses = IPAddressPair.v4(source: 0xC612_0002, destination: 0xC613_0005)
    static let addressesV6 = IPAddressPair.v6(
        source: IPv6Bytes(high: 0x2001_0db8_0000_0001, low: 2), destination: IPv6Bytes(high: 0x2001_0db8_0000_0002, low: 5))
    /// The app's ISN: its first data byte is `isn + 1`.
    static let isn: UInt32 = 1000
    /// Our ISN in the unit tests.
    static let agentISN: UInt32 = 5000

    /// The app's SYN.
    static func syn(
        sequence: UInt32 = isn, mss: UInt16? = 1460, windowScale: UInt8? = 7, timestamp: UInt32? = nil,
        sackPermitted: Bool = true, window: UInt16 = 65535
    ) -> TCPSegmentHeader {
        TCPSegmentHeader(
            sourcePort: port, destinationPort: serverPort, sequenceNumber: sequence, acknowledgmentNumber: 0,
            flags: [.syn], window: window,
            options: TCPOptions(
                maximumSegmentSize: mss, windowScale: windowScale, sackPermitted: sackPermitted,
                timestamps: timestamp.map { TCPTimestamps(value: $0, echoReply: 0) }))
    }

    /// A segment from the app; `data` is the offset of its first byte in the app's stream
    /// (sequence `isn + 1 + data`), `acknowledging` the offset in the agent's stream it
    /// acknowledges up to (acknowledgment `agentISN + 1 + acknowledging`).
    static func segment(
        _ flags: TCPFlags = [.ack], data: Int = 0, acknowledging: Int = 0, window: UInt16 = 65535,
        timestamps: TCPTimestamps? = nil
    ) -> TCPSegmentHeader {
        TCPSegmentHeader(
            sourcePort: port, destinationPort: serverPort,
            sequenceNumber: (TCPSequenceNumber(isn) + 1 + data).rawValue,
            acknowledgmentNumber: (TCPSequenceNumber(agentISN) + 1 + acknowledging).rawValue,
            flags: flags, window: window, options: TCPOptions(timestamps: timestamps))
    }
}

/// A recognisable payload of `count` bytes starting at stream offset `offset`.
func pattern(_ count: Int, from offset: Int = 0) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: ($0 + offset) &* 31 &+ ($0 + offset) >> 8) }
}

/// Whether two byte arrays are equal, for expectations that should not print megabytes.
func same(_ a: [UInt8], _ b: [UInt8]) -> Bool { a == b }
