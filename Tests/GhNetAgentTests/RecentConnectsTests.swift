import GhNetAddress
import GhNetWire
import Testing
@testable import GhNetAgent

/// Which servers vouch for an early answer to an app's SYN.
@Suite struct RecentConnectsTests {
    let web = Endpoint(IPAddress("198.18.2.10")!, port: 80)
    let other = Endpoint(IPAddress("198.18.2.10")!, port: 81)
    let start = ContinuousClock.now

    @Test func onlyAServerThatAcceptedAConnectionLatelyVouches() {
        var recent = RecentConnects()
        let firstContact = recent.vouchesFor(web, at: start)
        #expect(!firstContact, "a first contact waits for the real outcome")
        recent.succeeded(web, at: start)
        let fresh = recent.vouchesFor(web, at: start + .seconds(29))
        #expect(fresh)
        let otherPort = recent.vouchesFor(other, at: start + .seconds(1))
        #expect(!otherPort, "another port of the same host is another server")
        let stale = recent.vouchesFor(web, at: start + .seconds(31))
        #expect(!stale, "a success older than the freshness vouches for nothing")
    }

    @Test func aFailureEndsTheVouchingAndASuccessRenewsIt() {
        var recent = RecentConnects()
        recent.succeeded(web, at: start)
        recent.failed(web)
        let afterFailure = recent.vouchesFor(web, at: start + .seconds(1))
        #expect(!afterFailure)
        recent.succeeded(web, at: start + .seconds(2))
        recent.succeeded(web, at: start + .seconds(25))
        let renewed = recent.vouchesFor(web, at: start + .seconds(50))
        #expect(renewed)
    }

    @Test func theLeastRecentlyConnectedServerIsForgottenFirst() {
        var recent = RecentConnects(capacity: 2)
        let third = Endpoint(IPAddress("2001:db8:2::10")!, port: 443)
        recent.succeeded(web, at: start)
        recent.succeeded(other, at: start + .milliseconds(1))
        recent.succeeded(third, at: start + .milliseconds(2))
        let now = start + .milliseconds(3)
        let webVouches = recent.vouchesFor(web, at: now)
        let otherVouches = recent.vouchesFor(other, at: now)
        let thirdVouches = recent.vouchesFor(third, at: now)
        #expect(!webVouches && otherVouches && thirdVouches)
    }
}
