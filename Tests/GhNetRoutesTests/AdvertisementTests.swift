import GhNetAddress
import Testing
import GhNetRoutes

/// A laptop with every kind of interface: the home LAN with the default routes (`wlan0`), a
/// second LAN (`eth1`), a WireGuard VPN (`wg0`), an OpenVPN "def1" full tunnel (`tun1`), docker
/// bridges, and routes that must never be advertised.
let mixedTable = RoutingTable(routes: [
    Route(prefix: prefix("0.0.0.0/0"), gateway: address("198.18.1.1"), interface: "wlan0", metric: 600, flags: [.up, .gateway]),
    Route(prefix: prefix("198.18.1.0/24"), interface: "wlan0", metric: 600),
    Route(prefix: prefix("198.18.2.0/24"), interface: "eth1", metric: 100),
    Route(prefix: prefix("169.254.0.0/16"), interface: "eth1", metric: 1000),
    Route(prefix: prefix("224.0.0.0/4"), interface: "eth1"),
    Route(prefix: prefix("198.19.0.0/16"), gateway: address("198.18.64.1"), interface: "wg0", flags: [.up, .gateway]),
    Route(prefix: prefix("198.19.128.0/17"), interface: "wg0"),
    Route(prefix: prefix("0.0.0.0/1"), gateway: address("198.18.70.1"), interface: "tun1", flags: [.up, .gateway]),
    Route(prefix: prefix("128.0.0.0/1"), gateway: address("198.18.70.1"), interface: "tun1", flags: [.up, .gateway]),
    Route(prefix: prefix("198.18.70.0/24"), interface: "tun1"),
    Route(prefix: prefix("198.18.99.0/24"), interface: "docker0"),
    Route(prefix: prefix("198.18.100.0/24"), interface: "br-0a1b2c3d"),
    Route(prefix: prefix("198.18.250.0/24"), interface: "lo"),
    Route(prefix: prefix("::/0"), gateway: address("fe80::1"), interface: "wlan0", metric: 600, flags: [.up, .gateway]),
    Route(prefix: prefix("2001:db8:1::/64"), interface: "wlan0", metric: 256),
    Route(prefix: prefix("2001:db8:2::/64"), interface: "eth1", metric: 256),
    Route(prefix: prefix("2001:db8:4000::/36"), interface: "wg0", metric: 256),
    Route(prefix: prefix("fe80::/64"), interface: "wg0", metric: 256),
    Route(prefix: prefix("ff00::/8"), interface: "wg0", metric: 256),
    Route(prefix: prefix("2001:db8:2::5/128"), interface: "eth1", flags: [.up, .local]),
], interfaceAddresses: [
    "lo": [address("127.0.0.1"), address("::1")],
    "eth1": [address("198.18.2.5"), address("2001:db8:2::5")],
    "docker0": [address("198.18.99.1")],
])

@Suite("What the local side advertises")
struct AdvertisementTests {
    @Test func advertisesNonDefaultInterfacesOnly() {
        let advertisement = Advertisement(table: mixedTable)
        #expect(advertisement.prefixes == prefixes(
            "198.18.2.0/24", "198.18.70.0/24", "198.18.99.0/24", "198.18.100.0/24", "198.19.0.0/16",
            "2001:db8:2::/64", "2001:db8:4000::/36"))
        #expect(advertisement.skipped.map(\.description) == [
            "0.0.0.0/0 (route via wlan0): default route",
            "198.18.1.0/24 (route via wlan0): interface carries the default route",
            "0.0.0.0/1 (route via tun1): default route",
            "128.0.0.0/1 (route via tun1): default route",
            "198.18.250.0/24 (route via lo): loopback interface",
            "::/0 (route via wlan0): default route",
            "2001:db8:1::/64 (route via wlan0): interface carries the default route",
            "2001:db8:2::5/128 (route via eth1): address of this machine",
            "169.254.0.0/16 (route via eth1): link-local range",
            "224.0.0.0/4 (route via eth1): multicast range",
            "fe80::/64 (route via wg0): link-local range",
            "ff00::/8 (route via wg0): multicast range",
            "198.19.128.0/17 (route via wg0): covered by 198.19.0.0/16",
        ])
        #expect(advertisement.userRoutes.isEmpty)
    }

    @Test func advertisesTheLaptopNamespace() {
        let advertisement = Advertisement(table: laptopTable)
        #expect(advertisement.prefixes == prefixes(
            "198.18.64.1/32", "198.18.99.0/24", "198.18.128.0/17", "198.19.0.0/16",
            "2001:db8:40::/64", "2001:db8:99::/64", "2001:db8:4000::/34"))
        let skipped = Set(advertisement.skipped.map(\.description))
        #expect(skipped.isSuperset(of: [
            "0.0.0.0/0 (route via wlan0): default route",
            "198.19.42.0/24 (route via wlan0): interface carries the default route",
            "198.19.7.7/32 (route via tun0): covered by 198.19.0.0/16",
            "198.19.42.0/24 (route via tun0): covered by 198.19.0.0/16",
            "::1/128 (route via lo): address of this machine",
            "2001:db8:40::/128 (route via tun0): address of this machine",
            "fe80::/64 (route via docker0): link-local range",
            "ff00::/8 (route via tun0): multicast range",
        ]))
    }

    @Test func excludingPartOfAPrefixSplitsIt() {
        let advertisement = Advertisement(table: laptopTable, excluding: prefixes("198.19.42.0/24", "2001:db8:4000::/36"))
        #expect(advertisement.prefixes == prefixes(
            "198.18.64.1/32", "198.18.99.0/24", "198.18.128.0/17",
            "198.19.0.0/19", "198.19.32.0/21", "198.19.40.0/23", "198.19.43.0/24",
            "198.19.44.0/22", "198.19.48.0/20", "198.19.64.0/18", "198.19.128.0/17",
            "2001:db8:40::/64", "2001:db8:99::/64", "2001:db8:5000::/36", "2001:db8:6000::/35"))
        #expect(advertisement.skipped.filter { if case .excluded = $0.reason { true } else { false } }.map(\.description) == [
            "198.19.42.0/24 (route via tun0): excluded by --exclude 198.19.42.0/24",
            "198.19.42.0/24 (route via tun0): excluded by --exclude 198.19.42.0/24",
            "2001:db8:4000::/36 (route via tun0): excluded by --exclude 2001:db8:4000::/36",
        ])
        #expect(advertisement.exclusions == prefixes("198.19.42.0/24", "2001:db8:4000::/36"))
    }

    @Test func excludingAWholeInterfaceRemovesIt() {
        let advertisement = Advertisement(table: mixedTable, excluding: prefixes("198.18.99.0/24", "198.18.100.0/23"))
        #expect(!advertisement.prefixes.contains(prefix("198.18.99.0/24")))
        #expect(!advertisement.prefixes.contains(prefix("198.18.100.0/24")))
    }

    @Test func userRoutesAreAddedButNeverDefaultOrSpecial() {
        let advertisement = Advertisement(
            table: mixedTable,
            routes: prefixes("192.0.2.0/24", "198.19.5.0/24", "0.0.0.0/0", "0.0.0.0/1", "::/1", "127.0.0.0/8",
                             "::1/128", "fe00::/7", "2001:db8:1::/64"),
            excluding: prefixes("192.0.2.128/25"))
        #expect(advertisement.prefixes == prefixes(
            "192.0.2.0/25", "198.18.2.0/24", "198.18.70.0/24", "198.18.99.0/24", "198.18.100.0/24", "198.19.0.0/16",
            "2001:db8:1::/64", "2001:db8:2::/64", "2001:db8:4000::/36", "fe00::/9", "fec0::/10"))
        #expect(advertisement.userRoutes == prefixes(
            "192.0.2.0/25", "198.19.5.0/24", "2001:db8:1::/64", "fe00::/9", "fec0::/10"))
        let userSkips = advertisement.skipped.filter { $0.origin == .userRoute }.map(\.description)
        #expect(userSkips == [
            "0.0.0.0/0 (--route): default route",
            "0.0.0.0/1 (--route): default route",
            "::/1 (--route): default route",
            "192.0.2.128/25 (--route): excluded by --exclude 192.0.2.128/25",
            "127.0.0.0/8 (--route): loopback range",
            "::1/128 (--route): loopback range",
            "fe80::/10 (--route): link-local range",
            "ff00::/8 (--route): multicast range",
            "198.19.5.0/24 (--route): covered by 198.19.0.0/16",
        ])
    }

    @Test func theResultDoesNotDependOnTheTablesOrder() {
        let expected = Advertisement(table: laptopTable, routes: prefixes("192.0.2.0/24"), excluding: prefixes("198.19.7.0/24"))
        var rng = SplitMix64(seed: 99)
        for _ in 0..<20 {
            let shuffled = RoutingTable(routes: laptopTable.routes.shuffled(using: &rng),
                                        interfaceAddresses: laptopTable.interfaceAddresses)
            let advertisement = Advertisement(table: shuffled, routes: prefixes("192.0.2.0/24"),
                                              excluding: prefixes("198.19.7.0/24"))
            #expect(advertisement.prefixes == expected.prefixes)
            #expect(Set(advertisement.skipped.map(\.prefix)) == Set(expected.skipped.map(\.prefix)))
        }
    }

    @Test func anEmptyTableAdvertisesNothing() {
        let advertisement = Advertisement(table: RoutingTable(routes: []))
        #expect(advertisement.prefixes.isEmpty)
        #expect(advertisement.skipped.isEmpty)
    }
}

/// Full-tunnel VPNs that override the default route without replacing it: the internet never
/// goes through the bridge, in either family.
@Suite struct FullTunnelTests {
    /// OpenVPN with `redirect-gateway def1 ipv6`: 0.0.0.0/1 + 128.0.0.0/1 and 2000::/4 + 3000::/4
    /// on tun0, besides the corp network 10.0.0.0/8.
    let table = RoutingTable(routes: [
        Route(prefix: prefix("0.0.0.0/0"), gateway: address("192.168.1.1"), interface: "wlan0"),
        Route(prefix: prefix("0.0.0.0/1"), interface: "tun0"), Route(prefix: prefix("128.0.0.0/1"), interface: "tun0"),
        Route(prefix: prefix("10.0.0.0/8"), interface: "tun0"),
        Route(prefix: prefix("::/0"), gateway: address("fe80::1"), interface: "wlan0"),
        Route(prefix: prefix("2000::/4"), interface: "tun0"), Route(prefix: prefix("3000::/4"), interface: "tun0"),
    ], interfaceAddresses: ["wlan0": [address("192.168.1.20")], "tun0": [address("10.8.0.2")]])

    @Test func onlyTheCorpNetworkIsAdvertised() {
        let advertisement = Advertisement(table: table)
        #expect(advertisement.prefixes == [prefix("10.0.0.0/8")])
        #expect(FlowPolicy(table: table, advertisement: advertisement).decide(address("2606:4700::1111")) != .allowed(via: "tun0"))
    }

    @Test func theAgentInstallsNoneOfThemEvenWhenAdvertised() {
        let filter = InstallFilter(advertised: prefixes("2000::/4", "3000::/4", "2000::/3", "10.0.0.0/8"), ownSubnets: [], transportPeer: nil)
        #expect(filter.routes == [prefix("10.0.0.0/8")])
    }

    @Test func whatCountsAsTheInternet() {
        for text in ["0.0.0.0/0", "128.0.0.0/1", "::/0", "8000::/1", "::/2", "2000::/3", "2000::/4", "3000::/4"] {
            #expect(prefix(text).coversInternet, "\(text)")
        }
        for text in ["10.0.0.0/8", "0.0.0.0/2", "2001:db8::/32", "2000::/5", "fc00::/7", "4000::/4"] {
            #expect(!prefix(text).coversInternet, "\(text)")
        }
    }
}
