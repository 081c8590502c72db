import CGhNetFDPass
import Foundation
import GhNetWire
import Synchronization
import Testing
@testable import GhNetAgent

/// Whole hand-overs in this process: a listener on a temporary path, clients offering pipes.
@Suite(.timeLimit(.minutes(1))) struct AgentHandoverTests {
    /// What a listener adopted, in order.
    final class Adoptions: Sendable {
        private let taken = Mutex<[AdoptedTransport]>([])

        func append(_ transport: AdoptedTransport) {
            taken.withLock { $0.append(transport) }
        }

        /// The adopted transports once there are `count` of them (nil after 5 s).
        func waitFor(count: Int) async throws -> [AdoptedTransport]? {
            for _ in 0..<500 {
                let now = taken.withLock { $0 }
                if now.count >= count { return now }
                try await Task.sleep(for: .milliseconds(10))
            }
            return nil
        }
    }

    /// Three pipes standing for a new agent's stdin, stdout and stderr.
    struct Stdio: ~Copyable {
        /// The ends the new agent owns (stdin's read end, stdout's and stderr's write ends): offered.
        let own: [Int32]
        /// The far ends (sshd's): stdin's write end, stdout's and stderr's read ends.
        let far: [Int32]

        init() throws {
            var pipes: [[Int32]] = []
            for _ in 0..<3 {
                var ends: [Int32] = [-1, -1]
                try #require(pipe(&ends) == 0)
                pipes.append(ends)
            }
            own = [pipes[0][0], pipes[1][1], pipes[2][1]]
            far = [pipes[0][1], pipes[1][0], pipes[2][0]]
        }

        deinit {
            (own + far).forEach { close($0) }
        }
    }

    /// Runs `body`, which blocks, on a thread of its own: blocking the few threads of the
    /// concurrency pool would stall the tests running beside this one.
    func blocking<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    let request = AgentHandoverRequest(session: .random(), build: String(repeating: "ab", count: 32))
    let directory = "/tmp/ghnet-handover-\(UInt64.random(in: 0...UInt64.max))"
    var path: String { directory + "/agent.sock" }

    /// A listener at ``path`` that takes ``request`` only when `accept` says so.
    func listen(accept: Bool = true, into adoptions: Adoptions) throws -> AgentHandoverListener {
        let expected = request
        return try AgentHandoverListener.start(path: path, decide: { $0 == expected && accept }, adopt: adoptions.append)
    }

    /// A plain socket connected to the listener at ``path``, for a test that speaks the exchange
    /// by hand (close `socket` when done), and its connection with `patience`.
    func rawPeer(patience: Duration) throws -> (socket: Int32, link: AgentHandoverConnection) {
        let socket = AgentHandoverConnection.makeSocket()
        let link = AgentHandoverConnection(descriptor: socket, deadline: .now + patience, interrupt: nil)
        guard AgentHandoverConnection.withAddress(of: path, { connect(socket, $0, $1) }) == 0 else {
            close(socket)
            throw POSIXError(.ECONNREFUSED)
        }
        return (socket, link)
    }

    func cleanUp(_ listener: AgentHandoverListener) {
        listener.stop()
        rmdir(directory)
    }

    /// Writes `text` into `from` and reads it back from `to`.
    func passes(_ text: String, from: Int32, to: Int32) -> Bool {
        let bytes = Array(text.utf8)
        guard write(from, bytes, bytes.count) == bytes.count else { return false }
        var received = [UInt8](repeating: 0, count: bytes.count)
        return read(to, &received, received.count) == bytes.count && received == bytes
    }

    @Test func theRunningAgentTakesTheStdioAndReleasesTheNewOne() async throws {
        let adoptions = Adoptions()
        let listener = try listen(into: adoptions)
        defer { cleanUp(listener) }
        let stdio = try Stdio()
        let hello = (0..<AgentHandoverListener.maximumAlreadyRead).map { UInt8(truncatingIfNeeded: $0 &* 7) }

        let (outcome, waiter) = AgentHandoverClient.offer(path: path, request: request, descriptors: stdio.own, alreadyRead: hello)
        #expect(outcome == .handedOver)
        let transport = try #require(try await adoptions.waitFor(count: 1)?.first)
        defer { [transport.input, transport.output, transport.errorOutput].forEach { close($0) } }
        #expect(transport.alreadyRead == hello)
        #expect(passes("frames in", from: stdio.far[0], to: transport.input))
        #expect(passes("frames out", from: transport.output, to: stdio.far[1]))
        #expect(passes("log line\n", from: transport.errorOutput, to: stdio.far[2]))

        let waiting = try #require(waiter)
        let released = Task {
            await blocking {
                waiting.waitForRelease()
                return ContinuousClock.now
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        let releasing = ContinuousClock.now
        transport.release()
        transport.release()
        #expect(await released.value >= releasing, "held until release()")
    }

    @Test func aDeclinedOfferKeepsTheStdio() async throws {
        let adoptions = Adoptions()
        let listener = try listen(accept: false, into: adoptions)
        defer { cleanUp(listener) }
        let stdio = try Stdio()
        let (outcome, waiter) = AgentHandoverClient.offer(path: path, request: request, descriptors: stdio.own, alreadyRead: [1, 2, 3])
        #expect(outcome == .declined)
        #expect(waiter == nil)
        #expect(try await adoptions.waitFor(count: 0)?.isEmpty == true)
    }

    @Test func nobodyListening() throws {
        let stdio = try Stdio()
        #expect(AgentHandoverClient.offer(path: path, request: request, descriptors: stdio.own, alreadyRead: []).0 == .noListener, "no file")

        // A socket file left behind by an agent that is gone: connection refused.
        try #require(mkdir(directory, 0o700) == 0)
        defer { unlink(path); rmdir(directory) }
        let stale = AgentHandoverConnection.makeSocket()
        try #require(AgentHandoverConnection.withAddress(of: path, { bind(stale, $0, $1) }) == 0)
        close(stale)
        #expect(AgentHandoverClient.offer(path: path, request: request, descriptors: stdio.own, alreadyRead: []).0 == .noListener, "stale file")
    }

    @Test func garbageDoesNotStopTheListener() async throws {
        let adoptions = Adoptions()
        let listener = try listen(into: adoptions)
        defer { cleanUp(listener) }

        let (garbage, link) = try rawPeer(patience: .seconds(3))
        defer { close(garbage) }
        #expect(link.write(Array("GET / HTTP/1.1\r\nHost: example\r\n\r\n".utf8)))
        #expect(link.waitReadable() && link.read(count: 1) == nil, "closed by the listener")

        let transport = try await handOverAfterwards(into: adoptions, alreadyRead: [42])
        #expect(transport.alreadyRead == [42])
    }

    /// A hand-over made after whatever the test did to the listener: it must still be served.
    /// Gives the adopted transport, its descriptors closed.
    func handOverAfterwards(into adoptions: Adoptions, alreadyRead: [UInt8] = []) async throws -> AdoptedTransport {
        let stdio = try Stdio()
        #expect(AgentHandoverClient.offer(path: path, request: request, descriptors: stdio.own, alreadyRead: alreadyRead).0 == .handedOver)
        let transport = try #require(try await adoptions.waitFor(count: 1)?.first)
        [transport.input, transport.output, transport.errorOutput].forEach { close($0) }
        return transport
    }

    @Test func aSilentPeerIsDroppedAfterThePatience() async throws {
        let adoptions = Adoptions()
        let listener = try listen(into: adoptions)
        defer { cleanUp(listener) }

        let (silent, link) = try rawPeer(patience: .seconds(8))
        defer { close(silent) }
        #expect(link.write(Array(request.encoded().prefix(10))))
        let start = ContinuousClock.now
        #expect(await blocking { link.waitReadable() && link.read(count: 1) == nil }, "closed by the listener")
        #expect(ContinuousClock.now - start >= .seconds(4))

        _ = try await handOverAfterwards(into: adoptions)
    }

    @Test(arguments: [1, 2, 4]) func anAcceptedPeerMustSendThreeDescriptors(count: Int) async throws {
        let adoptions = Adoptions()
        let listener = try listen(into: adoptions)
        defer { cleanUp(listener) }
        let stdio = try Stdio()

        let (peer, link) = try rawPeer(patience: .seconds(3))
        defer { close(peer) }
        #expect(link.write(request.encoded()) && link.read(count: 1) == [1])
        let message: [UInt8] = [0, 0, 0, 0]
        #expect(ghnet_send_fds(peer, Array((stdio.own + stdio.far).prefix(count)), Int32(count), message, message.count) == 0)
        #expect(link.waitReadable() && link.read(count: 1) == nil, "closed by the listener")
        #expect(try await adoptions.waitFor(count: 0)?.isEmpty == true)
    }

    @Test func stopRemovesTheSocketAndEndsOffers() throws {
        let listener = try listen(into: Adoptions())
        var socketFile = stat()
        #expect(stat(path, &socketFile) == 0 && socketFile.st_mode & S_IFMT == S_IFSOCK && socketFile.st_mode & 0o777 == 0o600)
        cleanUp(listener)
        listener.stop()
        #expect(access(path, F_OK) != 0)
        let stdio = try Stdio()
        #expect(AgentHandoverClient.offer(path: path, request: request, descriptors: stdio.own, alreadyRead: []).0 == .noListener)
    }

    @Test func theDefaultPathSitsNextToTheInstanceLock() {
        let lock = AgentInstanceLock.defaultPath
        #expect(AgentHandoverListener.defaultPath == String(lock.dropLast(".lock".count)) + ".sock")
        #expect(AgentHandoverListener.defaultPath.hasPrefix("/run/gh-net/agent-net"))
    }
}
