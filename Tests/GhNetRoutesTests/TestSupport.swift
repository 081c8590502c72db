import GhNetAddress
@testable import GhNetRoutes

/// Parses prefix text that the test knows is valid.
func prefix(_ text: String) -> IPPrefix { IPPrefix(text)! }

/// Parses prefix texts that the test knows are valid.
func prefixes(_ texts: String...) -> [IPPrefix] { texts.map(prefix) }

/// Parses address text that the test knows is valid.
func address(_ text: String) -> IPAddress { IPAddress(text)! }

/// The laptop fixture as a routing table.
let laptopTable = RoutingTable(procNetRoute: RouteFixtures.laptopIPv4, procNetIPv6Route: RouteFixtures.laptopIPv6,
                               interfaceAddresses: RouteFixtures.laptopAddresses)

/// The codespace fixture as a routing table.
let codespaceTable = RoutingTable(procNetRoute: RouteFixtures.codespaceIPv4,
                                  procNetIPv6Route: RouteFixtures.codespaceIPv6,
                                  interfaceAddresses: RouteFixtures.codespaceAddresses)

/// SplitMix64: a small seeded generator, so every random test replays the same cases.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension IPAddress {
    /// A random address of `family`.
    static func random(_ family: IPFamily, using rng: inout SplitMix64) -> IPAddress {
        family == .v4 ? .v4(UInt32.random(in: .min ... .max, using: &rng))
            : .v6(IPv6Bytes(high: rng.next(), low: rng.next()))
    }

    /// A random address inside `prefix`.
    static func random(in prefix: IPPrefix, using rng: inout SplitMix64) -> IPAddress {
        let noise = AddressBits(random(prefix.family, using: &rng))
        let network = AddressBits(prefix.network)
        var bits = network
        for index in prefix.length..<prefix.network.bitWidth where noise.bit(index) != network.bit(index) {
            bits = bits.flipping(index)
        }
        return bits.address(prefix.family)
    }
}

extension IPPrefix {
    /// A random prefix of `family` with a length in `lengths`.
    static func random(_ family: IPFamily, lengths: ClosedRange<Int>, using rng: inout SplitMix64) -> IPPrefix {
        IPPrefix(IPAddress.random(family, using: &rng), length: Int.random(in: lengths, using: &rng))!
    }
}
