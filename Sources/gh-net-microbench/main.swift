// gh-net-microbench: times the hot pure code of the data path with `ContinuousClock`, so a
// regression shows without the whole bench (scripts/bench.sh). See docs/benchmark.md.
//
//   swift build -c release --scratch-path .build-release --product gh-net-microbench
//   .build-release/release/gh-net-microbench [--quick] [--filter WORD] [--samples N] [--time SECONDS] [--json FILE]
//
// Each benchmark is calibrated so one sample takes about `--time` seconds, run `--samples`
// times, and the median sample is reported as ns per operation and MB/s (10^6 bytes per
// second of the bytes one operation handles).

import GhNetAddress
import GhNetPackets
import GhNetTCP
import GhNetWire
import NIOCore

#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Musl)
import Musl
private let systemWrite = Musl.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

// MARK: - Harness

/// Keeps values alive so the optimiser cannot drop the work that made them.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// A sink for integers computed in the loops (read at the end, so the loops cannot be elided).
nonisolated(unsafe) var sink: UInt64 = 0

struct Options {
    var samples = 5
    var sampleSeconds = 0.2
    var filters: [String] = []
    var jsonPath: String?

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var index = 0
        func value(_ name: String) -> String {
            index += 1
            guard index < arguments.count else { fail("\(name) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--quick":
                options.samples = 3
                options.sampleSeconds = 0.05
            case "--samples":
                guard let n = Int(value("--samples")), n > 0 else { fail("--samples needs a positive integer") }
                options.samples = n
            case "--time":
                guard let t = Double(value("--time")), t > 0, t <= 60 else { fail("--time needs seconds in (0, 60]") }
                options.sampleSeconds = t
            case "--filter":
                options.filters.append(value("--filter"))
            case "--json":
                options.jsonPath = value("--json")
            case "-h", "--help":
                print("""
                    usage: gh-net-microbench [--quick] [--samples N] [--time SECONDS] [--filter WORD]... [--json FILE]
                      --quick          3 samples of about 0.05 s each (default: 5 of 0.2 s)
                      --samples N      samples per benchmark; the median is reported
                      --time SECONDS   target duration of one sample
                      --filter WORD    run only benchmarks whose name starts with WORD (repeatable)
                      --json FILE      also write the results as JSON
                    """)
                exit(0)
            default:
                fail("unknown argument \(arguments[index]) (try --help)")
            }
            index += 1
        }
        return options
    }
}

func fail(_ message: String) -> Never {
    FileHandleStderr.write("gh-net-microbench: \(message)\n")
    exit(2)
}

enum FileHandleStderr {
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = systemWrite(2, bytes.baseAddress, bytes.count) }
    }
}

struct Measurement {
    var name: String
    var note: String
    var bytesPerOperation: Int
    var iterations: Int
    var nanosecondsPerOperation: Double
    var samples: [Double]

    var megabytesPerSecond: Double? {
        bytesPerOperation > 0 ? Double(bytesPerOperation) / nanosecondsPerOperation * 1e3 : nil
    }
}

extension Duration {
    var nanosecondsDouble: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }
}

final class Runner {
    let options: Options
    var results: [Measurement] = []
    let clock = ContinuousClock()

    init(options: Options) { self.options = options }

    func selected(_ name: String) -> Bool {
        options.filters.isEmpty || options.filters.contains { name.hasPrefix($0) }
    }

    /// Times `body(n)`, which must do `n` operations of `bytes` bytes each. `setUp` runs once
    /// before calibration and builds the state `body` works on.
    func run<State>(
        _ name: String, bytes: Int, note: String = "",
        setUp: () -> State, _ body: (inout State, Int) -> Void
    ) {
        guard selected(name) else { return }
        var state = setUp()
        // Warm up and calibrate: double the count until one run takes a tenth of a sample.
        var iterations = 1
        var elapsed = Duration.zero
        while iterations < 1 << 30 {
            elapsed = clock.measure { body(&state, iterations) }
            if elapsed.nanosecondsDouble >= options.sampleSeconds * 1e9 / 10 { break }
            iterations *= 2
        }
        let perOperation = max(elapsed.nanosecondsDouble / Double(iterations), 0.01)
        iterations = max(1, Int(options.sampleSeconds * 1e9 / perOperation))
        var samples: [Double] = []
        for _ in 0..<options.samples {
            let time = clock.measure { body(&state, iterations) }
            samples.append(time.nanosecondsDouble / Double(iterations))
        }
        blackHole(state)
        let sorted = samples.sorted()
        let median = sorted[sorted.count / 2]
        let measurement = Measurement(
            name: name, note: note, bytesPerOperation: bytes, iterations: iterations,
            nanosecondsPerOperation: median, samples: samples)
        results.append(measurement)
        report(measurement)
    }

    func header() {
        print(pad("benchmark", 40) + lpad("ns/op", 12) + lpad("MB/s", 12) + lpad("spread", 9) + "  note")
    }

    func report(_ m: Measurement) {
        let spread = m.samples.count > 1 ? (m.samples.max()! - m.samples.min()!) / m.nanosecondsPerOperation * 100 : 0
        let rate = m.megabytesPerSecond.map { format($0, 1) } ?? "-"
        print(pad(m.name, 40) + lpad(format(m.nanosecondsPerOperation, 1), 12) + lpad(rate, 12)
              + lpad(format(spread, 0) + "%", 9) + "  " + m.note)
        fflush(nil)
    }

    func writeJSON(to path: String) {
        var out = "{\n  \"tool\": \"gh-net-microbench\",\n  \"samples\": \(options.samples),\n"
        out += "  \"sample_seconds\": \(options.sampleSeconds),\n  \"results\": [\n"
        for (index, m) in results.enumerated() {
            out += "    {\"name\": \"\(m.name)\", \"bytes_per_op\": \(m.bytesPerOperation), "
            out += "\"iterations\": \(m.iterations), \"ns_per_op\": \(format(m.nanosecondsPerOperation, 2)), "
            out += "\"mb_per_s\": \(m.megabytesPerSecond.map { format($0, 2) } ?? "null"), "
            out += "\"samples_ns_per_op\": [\(m.samples.map { format($0, 2) }.joined(separator: ", "))]}"
            out += index == results.count - 1 ? "\n" : ",\n"
        }
        out += "  ]\n}\n"
        guard let file = fopen(path, "w") else { fail("cannot write \(path)") }
        _ = out.withCString { fputs($0, file) }
        fclose(file)
        print("json: \(path)")
    }
}

func format(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return "0" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = "\(rounded)"
    if decimals == 0, text.hasSuffix(".0") { text.removeLast(2) }
    if let dot = text.firstIndex(of: "."), decimals > 0 {
        let fraction = text.distance(from: dot, to: text.endIndex) - 1
        if fraction < decimals { text += String(repeating: "0", count: decimals - fraction) }
    }
    return text
}

func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
func lpad(_ s: String, _ width: Int) -> String { s.count >= width ? " " + s : String(repeating: " ", count: width - s.count) + s }

// MARK: - Fixtures

/// SplitMix64: a fixed, fast generator for payloads and the TCP connection's ISN.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func payload(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
    var random = SplitMix64(seed: seed)
    var bytes = [UInt8](repeating: 0, count: count)
    for i in 0..<count { bytes[i] = UInt8(truncatingIfNeeded: random.next()) }
    return bytes
}

let allocator = ByteBufferAllocator()

func byteBuffer(_ bytes: [UInt8]) -> ByteBuffer {
    var buffer = allocator.buffer(capacity: bytes.count)
    buffer.writeBytes(bytes)
    return buffer
}

/// The codespace app (198.18.0.2:40000) talking to corp (198.18.2.10:5201), as the agent sees it.
let appAddresses = IPAddressPair.v4(source: 0xC612_0002, destination: 0xC612_020A)
let appPort: UInt16 = 40000
let serverPort: UInt16 = 5201

/// A whole IPv4/TCP packet from the app (timestamps option, ACK|PSH) carrying `count` bytes.
func tcpPacket(payloadCount count: Int) -> [UInt8] {
    let header = TCPSegmentHeader(
        sourcePort: appPort, destinationPort: serverPort, sequenceNumber: 123_456, acknowledgmentNumber: 654_321,
        flags: [.ack, .psh], window: 502, options: TCPOptions(timestamps: TCPTimestamps(value: 1_000, echoReply: 2_000)))
    let data = payload(count, seed: 7)
    return try! data.withUnsafeBytes { bytes in try PacketBuilder.tcp(addresses: appAddresses, header: header, payload: bytes) }
}

// MARK: - Frame benchmarks

func frameBenchmarks(_ runner: Runner) {
    let encoder = FrameEncoder()
    for size in [1, 1448, 65_483] {
        let data = Frame.data(stream: 42, offset: 1 << 33, payload: byteBuffer(payload(size)))
        let frameLength = { var b = allocator.buffer(capacity: 0); data.encode(into: &b); return b.readableBytes }()
        runner.run("frame.encode.data.\(size)B", bytes: size, note: "FrameEncoder.encode, \(frameLength)-byte frame",
                   setUp: { allocator.buffer(capacity: frameLength * 64) }) { out, n in
            for i in 0..<n {
                if i & 63 == 0 { out.clear() }
                try! encoder.encode(data, into: &out)
            }
            sink &+= UInt64(out.writerIndex)
        }
        runner.run("frame.decode.data.\(size)B", bytes: size, note: "FrameDecoder.decode of 64 frames in one read",
                   setUp: { () -> ByteBuffer in
                       var b = allocator.buffer(capacity: frameLength * 64)
                       for _ in 0..<64 { try! encoder.encode(data, into: &b) }
                       return b
                   }) { stream, n in
            var decoder = FrameDecoder()
            var remaining = n
            while remaining > 0 {
                var input = stream   // a copy of the indices only; the storage is shared
                while remaining > 0, let frame = try! decoder.decode(buffer: &input) {
                    if case .data(_, let offset, let body) = frame { sink &+= offset &+ UInt64(body.readableBytes) }
                    remaining -= 1
                }
            }
        }
    }
    // The link's real pattern: 64 KiB data frames read from the pipe in 64 KiB chunks, so nearly
    // every frame straddles two chunks and is handed out as two slices.
    let bulk = Frame.data(stream: 42, offset: 0, payload: byteBuffer(payload(65_483)))
    runner.run("frame.streamdecode.data.65483B", bytes: 65_483, note: "FrameStreamDecoder, 64 frames read in 64 KiB chunks",
               setUp: { () -> [ByteBuffer] in
                   var b = allocator.buffer(capacity: 70_000 * 64)
                   for _ in 0..<64 { try! encoder.encode(bulk, into: &b) }
                   return stride(from: 0, to: b.readableBytes, by: 65_536).map { start in
                       b.getSlice(at: start, length: min(65_536, b.readableBytes - start))!
                   }
               }) { chunks, n in
        var decoder = FrameStreamDecoder()
        var remaining = n
        while remaining > 0 {
            for chunk in chunks {
                decoder.append(chunk)
                while let frame = try! decoder.next() {
                    if case .data(_, let offset, let body) = frame { sink &+= offset &+ UInt64(body.readableBytes) }
                }
            }
            remaining -= min(remaining, 64)
        }
    }
    let credit = Frame.windowCredit(stream: 42, consumed: 1 << 33, window: 1 << 20)
    runner.run("frame.encode.windowCredit", bytes: 0, note: "a 21-byte control frame",
               setUp: { allocator.buffer(capacity: 64 * 32) }) { out, n in
        for i in 0..<n {
            if i & 63 == 0 { out.clear() }
            try! encoder.encode(credit, into: &out)
        }
        sink &+= UInt64(out.writerIndex)
    }
    runner.run("frame.decode.windowCredit", bytes: 0, note: "64 frames in one read",
               setUp: { () -> ByteBuffer in
                   var b = allocator.buffer(capacity: 64 * 32)
                   for _ in 0..<64 { try! encoder.encode(credit, into: &b) }
                   return b
               }) { stream, n in
        var decoder = FrameDecoder()
        var remaining = n
        while remaining > 0 {
            var input = stream
            while remaining > 0, let frame = try! decoder.decode(buffer: &input) {
                if case .windowCredit(_, let consumed, _) = frame { sink &+= consumed }
                remaining -= 1
            }
        }
    }
}

// MARK: - Checksum benchmarks

func checksumBenchmarks(_ runner: Runner) {
    for size in [20, 1500, 65_535] {
        runner.run("checksum.\(size)B", bytes: size, note: "InternetChecksum.compute",
                   setUp: { payload(size, seed: 3) }) { bytes, n in
            bytes.withUnsafeBytes { raw in
                var acc: UInt64 = 0
                for _ in 0..<n { acc &+= UInt64(InternetChecksum.compute(raw)) }
                sink &+= acc
            }
        }
    }
}

// MARK: - Packet benchmarks

func packetBenchmarks(_ runner: Runner) {
    for size in [1448, 65_483] {
        let packet = tcpPacket(payloadCount: size)
        // The agent's inbound path (PacketTranslator.inbound): IP parse, TCP view, checksum
        // check, header parse (which checks the checksum again).
        for trusted in [false, true] {
            runner.run("packet.parse\(trusted ? ".offloaded" : "").ipv4tcp.\(size)B", bytes: packet.count,
                       note: trusted ? "the same, checksum trusted (TUN checksum offload: what the agent does)"
                                     : "IPPacket.parse + TCPSegmentView + TCPSegmentHeader.parse (checksum checked once)",
                       setUp: { packet }) { packet, n in
                packet.withUnsafeBytes { bytes in
                    var acc: UInt64 = 0
                    for _ in 0..<n {
                        let ip = try! IPPacket.parse(bytes)
                        let view = try! TCPSegmentView(ip.transport(of: bytes))
                        let header = try! TCPSegmentHeader.parse(view, addresses: ip.addresses, checksumTrusted: trusted)
                        acc &+= UInt64(header.sequenceNumber) &+ UInt64(view.payloadRange.count)
                    }
                    sink &+= acc
                }
            }
        }
        runner.run("packet.headers.ipv4tcp.\(size)B", bytes: packet.count,
                   note: "IPPacket.parse + TCPSegmentView only (no transport checksum)",
                   setUp: { packet }) { packet, n in
            packet.withUnsafeBytes { bytes in
                var acc: UInt64 = 0
                for _ in 0..<n {
                    let ip = try! IPPacket.parse(bytes)
                    let view = try! TCPSegmentView(ip.transport(of: bytes))
                    acc &+= UInt64(view.sequenceNumber) &+ UInt64(view.payloadRange.count)
                }
                sink &+= acc
            }
        }
        // The agent's outbound path: a whole packet written into a reused buffer.
        let header = TCPSegmentHeader(
            sourcePort: serverPort, destinationPort: appPort, sequenceNumber: 1, acknowledgmentNumber: 2,
            flags: [.ack, .psh], window: 502, options: TCPOptions(timestamps: TCPTimestamps(value: 3, echoReply: 4)))
        let data = payload(size, seed: 9)
        runner.run("packet.build.ipv4tcp.\(size)B", bytes: size + 52, note: "PacketBuilder.writeTCP into a reused buffer",
                   setUp: { [UInt8](repeating: 0, count: size + 64) }) { out, n in
            data.withUnsafeBytes { body in
                out.withUnsafeMutableBytes { buffer in
                    var acc = 0
                    for _ in 0..<n {
                        acc &+= try! PacketBuilder.writeTCP(addresses: appAddresses.reversed, header: header, payload: body, into: buffer)
                    }
                    sink &+= UInt64(acc)
                }
            }
        }
        runner.run("packet.headers.offloaded.ipv4tcp.\(size)B", bytes: size + 52,
                   note: "PacketBuilder.writeTCPHeaders, checksum left to the TUN (what the agent writes before the payload)",
                   setUp: { [UInt8](repeating: 0, count: 128) }) { out, n in
            data.withUnsafeBytes { body in
                out.withUnsafeMutableBytes { buffer in
                    var acc = 0
                    for _ in 0..<n {
                        acc &+= try! PacketBuilder.writeTCPHeaders(addresses: appAddresses.reversed, header: header, payload: body,
                                                                   offloadingChecksum: true, into: buffer)
                    }
                    sink &+= UInt64(acc)
                }
            }
        }
    }
}

// MARK: - TCP state machine benchmarks

/// One established connection, driven as the agent drives it (TCPEndpoints): the app's
/// kernel is played by this struct, with timestamps, window scaling and a 1 MiB window.
struct TCPBench {
    var connection: TCPConnection
    var now = TCPInstant(nanoseconds: 1_000_000_000)
    /// The app's next sequence number (data it sends) and what it acknowledges of ours.
    var appNext: UInt32
    var appAcknowledged: UInt32
    var appTimestamp: UInt32 = 100
    var echo: UInt32 = 0
    var delivered: UInt64 = 0
    var segmentsOut = 0
    var bytesOut = 0
    let chunk: [UInt8]
    let mss: Int

    init(mss: Int) {
        self.mss = mss
        var random = SplitMix64(seed: 42)
        let isn: UInt32 = 1_000
        let syn = TCPSegmentHeader(
            sourcePort: appPort, destinationPort: serverPort, sequenceNumber: isn, acknowledgmentNumber: 0,
            flags: [.syn], window: 65_535,
            options: TCPOptions(maximumSegmentSize: UInt16(mss), windowScale: 7, sackPermitted: true,
                                timestamps: TCPTimestamps(value: 100, echoReply: 0)))
        connection = TCPConnection(syn: syn, addresses: appAddresses, now: now, random: &random)!
        while connection.nextEvent() != nil {}
        connection.openSucceeded(initialWindow: 1 << 20)
        guard let synAck = connection.nextSegment(now: now) else { fatalError("no SYN-ACK") }
        appNext = isn &+ 1
        appAcknowledged = synAck.header.sequenceNumber &+ 1
        echo = synAck.header.options.timestamps?.value ?? 0
        chunk = payload(max(mss, 65_536), seed: 11)
        // The app's ACK of the SYN-ACK: ESTABLISHED.
        receive(flags: [.ack], payload: [])
        precondition(connection.state == .established, "not established: \(connection.state)")
    }

    func appHeader(flags: TCPFlags) -> TCPSegmentHeader {
        TCPSegmentHeader(
            sourcePort: appPort, destinationPort: serverPort, sequenceNumber: appNext, acknowledgmentNumber: appAcknowledged,
            flags: flags, window: 8_192 /* << 7 = 1 MiB */,
            options: TCPOptions(timestamps: TCPTimestamps(value: appTimestamp, echoReply: echo)))
    }

    /// Feeds one segment from the app and handles everything it caused, as TCPEndpoints does.
    mutating func receive(flags: TCPFlags, payload: ArraySlice<UInt8>) {
        let header = appHeader(flags: flags)
        payload.withUnsafeBytes { bytes in
            connection.segmentReceived(header, payload: bytes, now: now)
            drainEvents(bytes)
        }
        appNext = appNext &+ UInt32(payload.count)
        appTimestamp &+= 1
        drainSegments()
    }

    mutating func drainEvents(_ bytes: UnsafeRawBufferPointer) {
        while let event = connection.nextEvent() {
            switch event {
            case .deliverFromSegment(let range):
                delivered &+= UInt64(range.count)
                sink &+= UInt64(bytes[range.lowerBound])
            case .deliverReassembled(let slice):
                delivered &+= UInt64(slice.count)
            case .closed(let reason):
                fatalError("closed: \(reason)")
            default:
                break
            }
        }
    }

    /// Takes the segments the connection wants to send; the app's kernel "receives" them.
    mutating func drainSegments() {
        while let segment = connection.nextSegment(now: now) {
            let count = connection.withPayload(of: segment) { $0.count }
            segmentsOut += 1
            bytesOut += count
            if let value = segment.header.options.timestamps?.value { echo = value }
        }
    }

    /// The bridge's local reader consumed everything delivered: grant the window again.
    mutating func grantCredit() {
        connection.creditReceived(consumed: delivered, window: 1 << 20)
        while connection.nextEvent() != nil {}
        drainSegments()
    }

    mutating func tick(_ nanoseconds: UInt64) {
        now = TCPInstant(nanoseconds: now.nanoseconds + nanoseconds)
        if let deadline = connection.nextDeadline, deadline <= now {
            connection.timerFired(now: now)
            while connection.nextEvent() != nil {}
            drainSegments()
        }
    }
}

func tcpBenchmarks(_ runner: Runner) {
    for mss in [1448, 65_483] {
        // App → server: one data segment in, delivered to the bridge, credit back, ACKs out.
        runner.run("tcp.receive.segment.\(mss)B", bytes: mss,
                   note: "segmentReceived + events + creditReceived + nextSegment (ACKs)",
                   setUp: { TCPBench(mss: mss) }) { bench, n in
            let start = bench.delivered
            for _ in 0..<n {
                bench.receive(flags: [.ack, .psh], payload: bench.chunk[0..<mss])
                bench.grantCredit()
                bench.tick(2_000)
            }
            // Every segment must have been accepted and delivered, or the figure means nothing.
            precondition(bench.delivered - start == UInt64(n * mss), "segments were not delivered")
        }
        // Server → app: bytes into the send buffer, segments out (payload read in place), the
        // app acknowledging every segment.
        let frame = ByteBuffer(bytes: payload(mss))
        runner.run("tcp.send.segment.\(mss)B", bytes: mss,
                   note: "send (the frame's buffer kept, not copied) + nextSegment + withPayload + the app's ACK",
                   setUp: { TCPBench(mss: mss) }) { bench, n in
            var sent = 0
            while sent < n {
                _ = bench.connection.send(frame)
                while let segment = bench.connection.nextSegment(now: bench.now) {
                    let count = bench.connection.withPayload(of: segment) { raw -> Int in
                        if raw.count > 0 { sink &+= UInt64(raw[0]) }
                        return raw.count
                    }
                    if let value = segment.header.options.timestamps?.value { bench.echo = value }
                    if count > 0 {
                        bench.appAcknowledged = segment.header.sequenceNumber &+ UInt32(count)
                        sent += 1
                    }
                }
                bench.receive(flags: [.ack], payload: [])
                bench.tick(2_000)
            }
            precondition(bench.connection.bufferedSendBytes < 2 * mss, "the app's ACKs were not taken")
        }
    }
}

// MARK: - Main

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let runner = Runner(options: options)
#if DEBUG
print("warning: a debug build; build with -c release for meaningful figures")
#endif
print("gh-net-microbench: \(options.samples) samples of ~\(options.sampleSeconds) s each, median reported")
runner.header()
frameBenchmarks(runner)
checksumBenchmarks(runner)
packetBenchmarks(runner)
tcpBenchmarks(runner)
if runner.results.isEmpty { fail("no benchmark matches the filter") }
if let path = options.jsonPath { runner.writeJSON(to: path) }
blackHole(sink)
