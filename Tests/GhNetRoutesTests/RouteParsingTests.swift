import GhNetAddress
import Testing
@testable import GhNetRoutes

@Suite("Parsing the kernel's route files")
struct RouteParsingTests {
    @Test func parsesThisMachinesRouteFiles() {
        let table = RoutingTable(procNetRoute: RouteFixtures.hostIPv4, procNetIPv6Route: RouteFixtures.hostIPv6)
        #expect(table.routes == [
            Route(prefix: prefix("0.0.0.0/0"), gateway: address("192.0.2.1"), interface: "eth0", flags: [.up, .gateway]),
            Route(prefix: prefix("192.0.2.0/24"), interface: "eth0"),
            Route(prefix: prefix("fd00::/64"), interface: "eth0", metric: 256),
            Route(prefix: prefix("fe80::/64"), interface: "eth0", metric: 256),
            Route(prefix: prefix("::/0"), gateway: address("fd00::1"), interface: "eth0", metric: 1024,
                  flags: [.up, .gateway]),
            Route(prefix: prefix("::1/128"), interface: "lo", flags: RouteFlags(rawValue: 0x8020_0001)),
            Route(prefix: prefix("fd00::2/128"), interface: "eth0", flags: RouteFlags(rawValue: 0x8020_0001)),
            Route(prefix: prefix("fe80::fc:ff:fe00:1/128"), interface: "eth0", flags: RouteFlags(rawValue: 0x8020_0001)),
            Route(prefix: prefix("ff00::/8"), interface: "eth0", metric: 256),
        ])
        // The main table's catch-all `unreachable ::/0` is a reject route.
        #expect(table.skippedLines == [SkippedRouteLine(file: .ipv6, lineNumber: 8, reason: .reject)])
        #expect(table.defaultInterfaces == ["eth0"])
        #expect(table.ownAddresses == Set(["::1", "fd00::2", "fe80::fc:ff:fe00:1"].map(address)))
    }

    @Test func parsesTheLaptopNamespace() {
        let v4 = laptopTable.routes.filter { $0.prefix.family == .v4 }
        #expect(v4 == [
            Route(prefix: prefix("0.0.0.0/0"), gateway: address("198.18.1.1"), interface: "wlan0", metric: 600,
                  flags: [.up, .gateway]),
            Route(prefix: prefix("198.18.1.0/24"), interface: "wlan0"),
            Route(prefix: prefix("198.18.64.1/32"), interface: "tun0", flags: [.up, .host]),
            Route(prefix: prefix("198.18.99.0/24"), interface: "docker0"),
            Route(prefix: prefix("198.18.128.0/17"), gateway: address("198.18.64.1"), interface: "tun0",
                  flags: [.up, .gateway]),
            Route(prefix: prefix("198.19.0.0/16"), interface: "tun0", metric: 50),
            Route(prefix: prefix("198.19.7.7/32"), interface: "tun0", flags: [.up, .host]),
            Route(prefix: prefix("198.19.42.0/24"), interface: "tun0", metric: 50),
            Route(prefix: prefix("198.19.42.0/24"), gateway: address("198.18.1.1"), interface: "wlan0", metric: 700,
                  flags: [.up, .gateway]),
        ])
        #expect(laptopTable.skippedLines == [
            SkippedRouteLine(file: .ipv4, lineNumber: 7, reason: .reject),  // blackhole: interface `*`
            SkippedRouteLine(file: .ipv4, lineNumber: 8, reason: .reject),  // prohibit: RTF_REJECT
            SkippedRouteLine(file: .ipv6, lineNumber: 6, reason: .sourceSpecific),
            SkippedRouteLine(file: .ipv6, lineNumber: 7, reason: .reject),
            SkippedRouteLine(file: .ipv6, lineNumber: 8, reason: .reject),
            SkippedRouteLine(file: .ipv6, lineNumber: 28, reason: .reject),
        ])
        let v6 = laptopTable.routes.filter { $0.prefix.family == .v6 }
        #expect(v6.contains(Route(prefix: prefix("2001:db8:4000::/34"), interface: "tun0", metric: 50)))
        #expect(v6.contains(Route(prefix: prefix("2001:db8:4000:42::/64"), gateway: address("2001:db8:1::1"),
                                  interface: "wlan0", metric: 700, flags: [.up, .gateway])))
        #expect(v6.filter(\.isLocal).map(\.prefix) == prefixes(
            "::1/128", "2001:db8:1::/128", "2001:db8:1::23/128", "2001:db8:40::/128", "2001:db8:40::7/128",
            "2001:db8:99::/128", "2001:db8:99::1/128"))
        #expect(laptopTable.defaultInterfaces == ["wlan0"])
        #expect(laptopTable.loopbackInterfaces == ["lo"])
        #expect(laptopTable.broadcastAddresses == [address("198.18.1.255"), address("198.18.99.255")])
    }

    @Test(arguments: [
        ("000200C0", "00FFFFFF", "192.0.2.0/24"),
        ("000000C6", "000000FF", "198.0.0.0/8"),
        ("F01213C6", "F0FFFFFF", "198.19.18.240/28"),
        ("00000080", "00000080", "128.0.0.0/1"),
        ("FFFFFFFF", "FFFFFFFF", "255.255.255.255/32"),
        ("00000000", "00000000", "0.0.0.0/0"),
    ])
    func readsIPv4WordsAsNetworkOrderMemory(destination: String, mask: String, expected: String) {
        let line = "tun0\t\(destination)\t010200C0\t0003\t0\t0\t0\t\(mask)\t0\t0\t0"
        let table = RoutingTable(procNetRoute: line, procNetIPv6Route: "")
        #expect(table.routes.map(\.prefix) == [prefix(expected)])
        #expect(table.routes.map(\.gateway) == [address("192.0.2.1")])
    }

    @Test func readsIPv6FieldsInHex() {
        let line = "20010db8400000000000000000000000 22 00000000000000000000000000000000 00 "
            + "20010db8000100000000000000000001 000002bc 00000001 00000000 00000003     tun0"
        let table = RoutingTable(procNetRoute: "", procNetIPv6Route: line)
        #expect(table.routes == [Route(prefix: prefix("2001:db8:4000::/34"), gateway: address("2001:db8:1::1"),
                                       interface: "tun0", metric: 700, flags: [.up, .gateway])])
    }

    @Test func readsANegativeIPv4MetricAsTheUnsignedValue() {
        let table = RoutingTable(procNetRoute: "tun0\t000013C6\t00000000\t0001\t0\t0\t-1\t0000FFFF\t0\t0\t0",
                                 procNetIPv6Route: "")
        #expect(table.routes.map(\.metric) == [UInt32.max])
    }

    @Test func toleratesPaddingCarriageReturnsAndBlankLines() {
        let padded = RouteFixtures.laptopIPv4.split(separator: "\n").map { $0 + "      \r" }.joined(separator: "\n\n")
        let table = RoutingTable(procNetRoute: padded + "\n", procNetIPv6Route: "\n\n" + RouteFixtures.laptopIPv6 + "\n")
        #expect(table.routes == laptopTable.routes)
        #expect(table.skippedLines.count == laptopTable.skippedLines.count)
    }

    @Test(arguments: [
        ("eth0\t000200C0", "malformed: 2 fields, expected 11"),
        ("eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\t0", "malformed: 12 fields, expected 11"),
        ("eth0\tZZ0200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0", "malformed: destination, gateway or mask is not 8 hex digits"),
        ("eth0\t+00200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0", "malformed: destination, gateway or mask is not 8 hex digits"),
        ("eth0\t0200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0", "malformed: destination, gateway or mask is not 8 hex digits"),
        ("eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FF00FF\t0\t0\t0", "malformed: mask is not contiguous"),
        ("eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFF7F\t0\t0\t0", "malformed: mask is not contiguous"),
        ("eth0\t010200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0", "malformed: destination has bits outside the mask"),
        ("eth0\t000200C0\t00000000\tXYZ\t0\t0\t0\t00FFFFFF\t0\t0\t0", "malformed: flags are not hex"),
        ("eth0\t000200C0\t00000000\t0001\t0\t0\tabc\t00FFFFFF\t0\t0\t0", "malformed: metric is not a 32-bit number"),
        ("eth0\t000200C0\t00000000\t0001\t0\t0\t4294967296\t00FFFFFF\t0\t0\t0", "malformed: metric is not a 32-bit number"),
        ("eth0\t000200C0\t00000000\t0000\t0\t0\t0\t00FFFFFF\t0\t0\t0", "route is not up"),
        ("*\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0", "unreachable, prohibit or blackhole route"),
        ("eth0\t000200C0\t00000000\t0201\t0\t0\t0\t00FFFFFF\t0\t0\t0", "unreachable, prohibit or blackhole route"),
    ])
    func skipsBadIPv4Lines(line: String, reason: String) {
        let table = RoutingTable(procNetRoute: RouteFixtures.hostIPv4 + "\n" + line, procNetIPv6Route: "")
        #expect(table.routes.count == 2)
        #expect(table.skippedLines.map(\.description) == ["/proc/net/route line 4: \(reason)"])
    }

    @Test(arguments: [
        ("fd00 40", "malformed: 2 fields, expected 10"),
        ("fd0000000000000000000000000000 40 \(zeros) 00 \(zeros) 00000100 00000001 00000000 00000001 eth0",
         "malformed: an address is not 32 hex digits"),
        ("fd00000000000000000000000000000g 40 \(zeros) 00 \(zeros) 00000100 00000001 00000000 00000001 eth0",
         "malformed: an address is not 32 hex digits"),
        ("fd000000000000000000000000000000 81 \(zeros) 00 \(zeros) 00000100 00000001 00000000 00000001 eth0",
         "malformed: prefix length is not 2 hex digits up to 0x80"),
        ("fd000000000000000000000000000000 040 \(zeros) 00 \(zeros) 00000100 00000001 00000000 00000001 eth0",
         "malformed: prefix length is not 2 hex digits up to 0x80"),
        ("fd000000000000000000000000000000 40 \(zeros) 00 \(zeros) 0000100 00000001 00000000 00000001 eth0",
         "malformed: metric, counters or flags are not 8 hex digits"),
        ("fd000000000000000000000000000000 40 \(zeros) 00 \(zeros) 00000100 00000001 00000000 -0000001 eth0",
         "malformed: metric, counters or flags are not 8 hex digits"),
        ("fd000000000000000000000000000001 40 \(zeros) 00 \(zeros) 00000100 00000001 00000000 00000001 eth0",
         "malformed: destination has bits outside the prefix length"),
        ("fd000000000000000000000000000000 40 \(zeros) 00 \(zeros) 00000100 00000001 00000000 00000000 eth0",
         "route is not up"),
        ("fd000000000000000000000000000000 40 fd000000000000000000000000000000 40 \(zeros) 00000100 00000001 00000000 00000001 eth0",
         "source-specific route"),
    ])
    func skipsBadIPv6Lines(line: String, reason: String) {
        let table = RoutingTable(procNetRoute: "", procNetIPv6Route: RouteFixtures.hostIPv6 + "\n" + line)
        #expect(table.routes.count == 7)
        #expect(table.skippedLines.map(\.description) == [
            "/proc/net/ipv6_route line 8: unreachable, prohibit or blackhole route",
            "/proc/net/ipv6_route line 9: \(reason)",
        ])
    }

    /// Mangled copies of the real lines: every non-blank line must become a route or a skip.
    @Test func neverTrapsOnMangledLines() {
        var rng = SplitMix64(seed: 0x6768_6E65_7431)
        let alphabet = Array("0123456789abcdefABCDEF \t-+*:/\u{0}é")
        let sources = [(RouteFixtures.laptopIPv4, true), (RouteFixtures.laptopIPv6, false)]
        for _ in 0..<2000 {
            let (text, isIPv4) = sources.randomElement(using: &rng)!
            var lines = text.split(separator: "\n").map { Array($0) }
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let row = Int.random(in: 0..<lines.count, using: &rng)
                guard !lines[row].isEmpty else { continue }
                let column = Int.random(in: 0..<lines[row].count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: lines[row][column] = alphabet.randomElement(using: &rng)!
                case 1: lines[row].remove(at: column)
                default: lines[row].insert(alphabet.randomElement(using: &rng)!, at: column)
                }
            }
            let mangled = lines.map { String($0) }.joined(separator: "\n")
            let table = isIPv4 ? RoutingTable(procNetRoute: mangled, procNetIPv6Route: "")
                : RoutingTable(procNetRoute: "", procNetIPv6Route: mangled)
            let counted = lines.filter { line in
                let fields = String(line).split(whereSeparator: { $0 == " " || $0 == "\t" })
                return !fields.isEmpty && fields[0] != "Iface"
            }.count
            #expect(table.routes.count + table.skippedLines.count == counted)
        }
    }

    @Test func picksTheLongestPrefixThenTheLowestMetric() {
        #expect(laptopTable.route(to: address("198.19.42.9"))?.interface == "tun0")
        #expect(laptopTable.route(to: address("198.19.43.9"))?.prefix == prefix("198.19.0.0/16"))
        #expect(laptopTable.route(to: address("192.0.2.9"))?.prefix == prefix("0.0.0.0/0"))
        #expect(laptopTable.route(to: address("2001:db8:4000:42::9"))?.interface == "wlan0")
        #expect(laptopTable.route(to: address("2001:db8:4000:43::9"))?.interface == "tun0")
        #expect(laptopTable.route(to: address("::1"))?.isLocal == true)
        // The metric decides, not the order in the file.
        let reversed = RoutingTable(routes: laptopTable.routes.reversed())
        #expect(reversed.route(to: address("198.19.42.9"))?.metric == 50)
        #expect(RoutingTable(routes: []).route(to: address("198.19.42.9")) == nil)
    }

    @Test func theTrieAgreesWithALinearScan() {
        var rng = SplitMix64(seed: 42)
        for family in [IPFamily.v4, .v6] {
            let stored = (0..<300).map { index in
                (IPPrefix.random(family, lengths: 0...family.bitWidth / 4, using: &rng), index)
            }
            let trie = PrefixTrie(stored)
            for _ in 0..<2000 {
                let probe = Bool.random(using: &rng) ? stored.randomElement(using: &rng)!.0 : nil
                let target = probe.map { IPAddress.random(in: $0, using: &rng) } ?? .random(family, using: &rng)
                let expected = stored.filter { $0.0.contains(target) }
                    .max { a, b in a.0.length == b.0.length ? a.1 > b.1 : a.0.length < b.0.length }?.1
                #expect(trie.longestMatch(target) == expected)
            }
        }
    }

    @Test func ownSubnetsOfTheCodespace() {
        #expect(codespaceTable.ownSubnets() == prefixes(
            "127.0.0.1/32", "198.18.0.0/24", "198.18.99.0/24",
            "::1/128", "2001:db8:c5::/64", "fe80::/64", "ff00::/8"))
        // The agent's own TUN routes are not "its own" subnets.
        let withTunnel = RoutingTable(
            routes: codespaceTable.routes + [Route(prefix: prefix("198.19.0.0/16"), interface: "ghnet0"),
                                             Route(prefix: prefix("0.0.0.0/1"), interface: "ghnet0")],
            interfaceAddresses: codespaceTable.interfaceAddresses.merging(["ghnet0": [address("198.18.255.1")]]) { a, _ in a })
        #expect(withTunnel.ownSubnets(ignoring: ["ghnet0"]) == codespaceTable.ownSubnets())
        #expect(withTunnel.ownSubnets().contains(prefix("198.19.0.0/16")))
    }
}

private let zeros = String(repeating: "0", count: 32)
