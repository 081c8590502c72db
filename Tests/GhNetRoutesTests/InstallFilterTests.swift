import GhNetAddress
import Testing
import GhNetRoutes

@Suite("What the agent installs")
struct InstallFilterTests {
    @Test func cutsAnOwnSubnetOutOfABroaderPrefix() {
        let filter = InstallFilter(advertised: prefixes("198.18.0.0/15"), ownSubnets: prefixes("198.18.0.0/24"),
                                   transportPeer: nil)
        #expect(filter.routes == prefixes(
            "198.18.1.0/24", "198.18.2.0/23", "198.18.4.0/22", "198.18.8.0/21", "198.18.16.0/20",
            "198.18.32.0/19", "198.18.64.0/18", "198.18.128.0/17", "198.19.0.0/16"))
        #expect(filter.skipped.map(\.description) == [
            "198.18.0.0/24 of 198.18.0.0/15: overlaps the codespace's own 198.18.0.0/24",
        ])
    }

    @Test func withholdsAPrefixInsideAnOwnSubnet() {
        let filter = InstallFilter(advertised: prefixes("198.18.99.0/24", "2001:db8:c5:1::/64", "198.19.0.0/16"),
                                   ownSubnets: prefixes("198.18.0.0/16", "2001:db8:c5::/48"), transportPeer: nil)
        #expect(filter.routes == prefixes("198.19.0.0/16"))
        #expect(filter.skipped.map(\.description) == [
            "198.18.99.0/24: overlaps the codespace's own 198.18.0.0/16",
            "2001:db8:c5:1::/64: overlaps the codespace's own 2001:db8:c5::/48",
        ])
    }

    @Test func neverCapturesTheSSHPeer() {
        let filter = InstallFilter(advertised: prefixes("2001:db8:4000::/34", "198.19.0.0/16"), ownSubnets: [],
                                   transportPeer: address("2001:db8:4000::22"))
        let peer = address("2001:db8:4000::22")
        #expect(filter.routes.count == 1 + (128 - 34))
        #expect(!filter.routes.contains { $0.contains(peer) })
        #expect(filter.routes.filter { $0.family == .v6 }.allSatisfy { prefix("2001:db8:4000::/34").covers($0) })
        #expect(filter.skipped.map(\.description) == [
            "2001:db8:4000::22/128 of 2001:db8:4000::/34: contains the SSH peer 2001:db8:4000::22",
        ])
        let v4Peer = InstallFilter(advertised: prefixes("198.19.0.0/16"), ownSubnets: [], transportPeer: address("198.19.0.1"))
        #expect(v4Peer.routes.count == 16)
        #expect(InstallFilter(advertised: prefixes("198.19.0.1/32"), ownSubnets: [],
                              transportPeer: address("198.19.0.1")).routes.isEmpty)
    }

    @Test func refusesDefaultAndSpecialPrefixesWhateverTheLocalSideSends() {
        let filter = InstallFilter(advertised: prefixes("0.0.0.0/0", "128.0.0.0/1", "::/0", "127.0.0.0/8", "224.0.0.0/4",
                                                        "fe00::/7"),
                                   ownSubnets: [], transportPeer: nil)
        #expect(filter.routes == prefixes("fe00::/9", "fec0::/10"))
        #expect(filter.skipped.map(\.description) == [
            "0.0.0.0/0: default route",
            "128.0.0.0/1: default route",
            "::/0: default route",
            "127.0.0.0/8: loopback range",
            "224.0.0.0/4: multicast range",
            "fe80::/10 of fe00::/7: link-local range",
            "ff00::/8 of fe00::/7: multicast range",
        ])
    }

    @Test func theLaptopsAdvertisementOnTheCodespace() {
        let advertised = Advertisement(table: laptopTable).prefixes
        let filter = InstallFilter(advertised: advertised, ownSubnets: codespaceTable.ownSubnets(),
                                   transportPeer: address("198.18.128.9"))
        #expect(filter.routes.contains(prefix("198.18.64.1/32")))
        #expect(!filter.routes.contains { $0.overlaps(prefix("198.18.99.0/24")) })
        #expect(!filter.routes.contains { $0.contains(address("198.18.128.9")) })
        #expect(filter.routes.contains(prefix("198.19.0.0/16")))
        #expect(filter.routes.suffix(3) == prefixes("2001:db8:40::/64", "2001:db8:99::/64", "2001:db8:4000::/34"))
        #expect(filter.skipped.map(\.description) == [
            "198.18.99.0/24: overlaps the codespace's own 198.18.99.0/24",
            "198.18.128.9/32 of 198.18.128.0/17: contains the SSH peer 198.18.128.9",
        ])
    }

    @Test func routesAreSortedAndMinimal() {
        let filter = InstallFilter(advertised: prefixes("198.19.0.0/16", "198.18.0.0/24", "198.19.1.0/24", "198.18.0.0/24"),
                                   ownSubnets: [], transportPeer: nil)
        #expect(filter.routes == prefixes("198.18.0.0/24", "198.19.0.0/16"))
    }
}
