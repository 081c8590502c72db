import GhNetPackets
import Testing
@testable import GhNetTCP

/// The FIN and the window: a FIN needs a byte of window (it waits, probed, instead of being
/// pushed into a closed window where a receiver may drop it), and a FIN beyond a gap is
/// acknowledged at once.
@Suite struct FinWindowTests {
    /// The app acknowledged all 1000 server bytes but read none (window 0); then the server closes.
    func finBehindAClosedWindow() -> ConnectionDriver {
        var driver = ConnectionDriver.established()
        _ = driver.send(pattern(1000))
        _ = driver.drain()
        _ = driver.receive(App.segment(acknowledging: 1000, window: 0))
        driver.connection.shutdownWrite()
        return driver
    }

    @Test func aFinWaitsForTheWindowAndTheConnectionLives() {
        var driver = finBehindAClosedWindow()
        #expect(!driver.drain().contains { $0.flags.contains(.fin) }, "no FIN into a zero window")
        // Ten minutes of a full app that answers every probe (as a live kernel does).
        for _ in 0..<6000 {
            let sent = driver.advance(.milliseconds(100))
            #expect(!sent.contains { $0.flags.contains(.fin) })
            if !sent.isEmpty { _ = driver.receive(App.segment(acknowledging: 1000, window: 0)) }
        }
        #expect(driver.state == .finWait1, "a closed window is no failure")
    }

    @Test func theFinLeavesAsSoonAsTheWindowOpens() {
        var driver = finBehindAClosedWindow()
        _ = driver.drain()
        for _ in 0..<300 {
            if !driver.advance(.milliseconds(100)).isEmpty { _ = driver.receive(App.segment(acknowledging: 1000, window: 0)) }
        }
        let update = driver.receive(App.segment(acknowledging: 1000, window: 65535))
        #expect(update.contains { $0.flags.contains(.fin) }, "the window update lets the FIN out at once")
    }

    @Test func dataThatFillsTheWindowGoesWithoutItsFin() {
        var driver = ConnectionDriver.established(syn: App.syn(windowScale: nil), window: 1000)
        _ = driver.send(pattern(1000))
        driver.connection.shutdownWrite()
        let sent = driver.drain()
        #expect(sent.flatMap(\.payload).count == 1000)
        #expect(!sent.contains { $0.flags.contains(.fin) }, "the FIN's sequence number does not fit")
        let rest = driver.receive(App.segment(acknowledging: 1000, window: 1000))
        #expect(rest.contains { $0.flags.contains(.fin) && $0.payload.isEmpty })
    }

    @Test func aFinBeyondAGapIsAcknowledgedAtOnce() {
        var driver = ConnectionDriver.established()
        _ = driver.receive(App.segment(data: 0), pattern(1000))
        _ = driver.advance(.milliseconds(10))
        let answer = driver.receive(App.segment([.ack, .fin], data: 2000))
        #expect(answer.map(\.acknowledgedAppOffset) == [1000], "a duplicate ACK, as for early data")
    }
}
