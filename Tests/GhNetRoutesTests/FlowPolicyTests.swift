import GhNetAddress
import Testing
import GhNetRoutes

@Suite("The per-flow check on the local side")
struct FlowPolicyTests {
    static let laptopAdvertisement = Advertisement(
        table: laptopTable, routes: prefixes("192.0.2.0/24"), excluding: prefixes("198.19.7.0/24"))
    static let laptop = FlowPolicy(table: laptopTable, advertisement: laptopAdvertisement)

    @Test(arguments: [
        ("198.19.1.1", FlowDecision.allowed(via: "tun0")),
        ("198.19.42.9", .allowed(via: "tun0")),  // two routes: the lower metric (tun0) wins
        ("198.18.200.1", .allowed(via: "tun0")),  // 198.18.128.0/17 via the VPN gateway
        ("198.18.64.1", .allowed(via: "tun0")),
        ("198.18.99.7", .allowed(via: "docker0")),
        ("192.0.2.9", .allowed(via: "wlan0")),  // --route: the user asked for it, default route or not
        ("2001:db8:4000::1", .allowed(via: "tun0")),
        ("2001:db8:4000:42::1", .allowed(via: "wlan0")),  // a more specific route, not the default one
        ("2001:db8:99::7", .allowed(via: "docker0")),
    ])
    func allows(destination: String, decision: FlowDecision) {
        #expect(Self.laptop.decide(address(destination)) == decision)
    }

    @Test(arguments: [
        ("127.0.0.1", FlowRefusal.special(.loopback)),
        ("127.1.2.3", .special(.loopback)),
        ("::1", .special(.loopback)),
        ("169.254.169.254", .special(.linkLocal)),
        ("fe80::1", .special(.linkLocal)),
        ("224.0.0.251", .special(.multicast)),
        ("ff02::fb", .special(.multicast)),
        ("255.255.255.255", .special(.broadcast)),
        ("198.18.99.255", .special(.broadcast)),  // docker0's subnet broadcast
        ("0.0.0.0", .special(.unspecified)),
        ("::", .special(.unspecified)),
        ("::ffff:198.19.1.1", .special(.ipv4Mapped)),
        ("198.18.99.1", .ownAddress),
        ("198.18.64.7", .ownAddress),
        ("198.18.1.23", .ownAddress),
        ("2001:db8:99::1", .ownAddress),
        ("2001:db8:99::", .ownAddress),  // the subnet-router anycast address
        ("198.19.7.7", .excluded(by: prefix("198.19.7.0/24"))),
        ("198.18.1.50", .notAdvertised),  // the home LAN, on the default interface
        ("203.0.113.1", .notAdvertised),  // the internet
        ("2001:db8:1::50", .notAdvertised),
    ])
    func refuses(destination: String, refusal: FlowRefusal) {
        #expect(Self.laptop.decide(address(destination)) == .refused(refusal))
    }

    /// The VPN went down and the table lost its routes before the agent got the new
    /// advertisement: flows for the old prefixes must not leak out of the default route.
    @Test func aVPNThatWentDownDoesNotLeakToTheInternet() {
        let vpnDown = RoutingTable(routes: laptopTable.routes.filter { $0.interface != "tun0" },
                                   interfaceAddresses: laptopTable.interfaceAddresses)
        let policy = FlowPolicy(table: vpnDown, advertisement: Self.laptopAdvertisement)
        #expect(policy.decide(address("198.19.1.1")) == .refused(.defaultRoute(interface: "wlan0")))
        #expect(policy.decide(address("2001:db8:4000::1")) == .refused(.defaultRoute(interface: "wlan0")))
        #expect(policy.decide(address("198.19.42.9")) == .allowed(via: "wlan0"))  // its own non-default route
        #expect(policy.decide(address("192.0.2.9")) == .allowed(via: "wlan0"))
        #expect(policy.decide(address("198.18.99.7")) == .allowed(via: "docker0"))
    }

    @Test func aFullTunnelVPNLANsAndBridges() {
        let policy = FlowPolicy(table: mixedTable, advertisement: Advertisement(table: mixedTable))
        // The def1 halves are the internet, not a network behind the VPN.
        #expect(policy.decide(address("192.0.2.1")) == .refused(.notAdvertised))
        #expect(policy.decide(address("198.18.70.9")) == .allowed(via: "tun1"))
        #expect(policy.decide(address("198.18.2.9")) == .allowed(via: "eth1"))
        #expect(policy.decide(address("198.18.100.9")) == .allowed(via: "br-0a1b2c3d"))
        #expect(policy.decide(address("2001:db8:2::5")) == .refused(.ownAddress))
        // A --route that lands on the def1 half of the default: allowed, the user asked for it.
        let asked = FlowPolicy(table: mixedTable, advertisement: Advertisement(table: mixedTable, routes: prefixes("192.0.2.0/24")))
        #expect(asked.decide(address("192.0.2.1")) == .allowed(via: "tun1"))
    }

    @Test func refusesRoutesBackIntoThisMachineAndMissingRoutes() {
        let table = RoutingTable(routes: [
            Route(prefix: prefix("198.18.250.0/24"), interface: "lo"),
            Route(prefix: prefix("198.19.0.0/16"), interface: "tun0"),
        ])
        let policy = FlowPolicy(table: table, advertisement: Advertisement(
            table: table, routes: prefixes("198.18.250.0/24", "192.0.2.0/24")))
        #expect(policy.decide(address("198.18.250.1")) == .refused(.loopbackInterface("lo")))
        #expect(policy.decide(address("192.0.2.1")) == .refused(.noRoute))
        #expect(policy.decide(address("198.19.0.1")) == .allowed(via: "tun0"))
    }

    @Test func refusalsReadAsSentences() {
        #expect(FlowRefusal.defaultRoute(interface: "wlan0").description
            == "goes out the default route via wlan0 (the codespace reaches the internet itself)")
        #expect(FlowRefusal.special(.linkLocal).description == "link-local destination")
        #expect(FlowRefusal.excluded(by: prefix("198.19.7.0/24")).description == "excluded by --exclude 198.19.7.0/24")
    }

    /// Every advertised address is decided consistently with the table: allowed exactly through
    /// the interface the table's own lookup gives.
    @Test func agreesWithTheTableOnRandomDestinations() {
        let advertisement = Advertisement(table: laptopTable)
        let policy = FlowPolicy(table: laptopTable, advertisement: advertisement)
        var rng = SplitMix64(seed: 5)
        for _ in 0..<5000 {
            let target = IPAddress.random(in: advertisement.prefixes.randomElement(using: &rng)!, using: &rng)
            guard !laptopTable.ownAddresses.contains(target), !laptopTable.broadcastAddresses.contains(target) else { continue }
            #expect(policy.decide(target) == .allowed(via: laptopTable.route(to: target)!.interface))
        }
    }
}
