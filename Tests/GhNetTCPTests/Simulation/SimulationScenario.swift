import GhNetAddress
import GhNetPackets
import GhNetTCP

/// Everything one simulated run is made of, drawn from its seed: the link's faults, both
/// ends' settings and buffers, the amount of data each way, sequence numbers (sometimes just
/// below 2^32), and how the two readers behave.
struct SimulationScenario: CustomStringConvertible {
    let seed: UInt64
    var configuration = TCPConfiguration()
    var kernel: KernelModel.Settings
    var link: SimulatedLink.Behaviour
    var addresses: IPAddressPair
    var appBytes: Int
    var serverBytes: Int
    var bridgeWindow: UInt32
    var openDelay: Duration
    var appISN: UInt32
    var agentISN: UInt64
    /// Chance per tick that a reader pauses, and the longest pause.
    var pauseChance: Double
    var longestPause: Duration

    /// The scenario of `seed`; `bytes` fixes the data each way instead of drawing it.
    init(seed: UInt64, bytes: Int? = nil) {
        self.seed = seed
        var random = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D)
        let mtu = [1500, 9000, 65520].randomElement(using: &random)!
        configuration.mtu = mtu
        configuration.sendBufferCapacity = [16 << 10, 64 << 10, 256 << 10, 1 << 20].randomElement(using: &random)!
        configuration.maximumReceiveWindow = [16 << 10, 64 << 10, 256 << 10, 1 << 20].randomElement(using: &random)!
        configuration.maximumOutOfOrderBytes = [4 << 10, 32 << 10, 256 << 10].randomElement(using: &random)!
        configuration.maximumOutOfOrderSegments = [2, 8, 64].randomElement(using: &random)!
        let v6 = random.chance(0.3)
        addresses = v6
            ? .v6(source: IPv6Bytes(high: 0x2001_0db8_0000_0001, low: 2), destination: IPv6Bytes(high: 0x2001_0db8_0000_0002, low: 5))
            : .v4(source: 0xC612_0002, destination: 0xC613_0005)
        kernel = KernelModel.Settings(
            mss: mtu - (v6 ? 60 : 40),
            windowShift: random.chance(0.8) ? Int.random(in: 0...9, using: &random) : nil,
            timestamps: random.chance(0.7),
            receiveBuffer: [8 << 10, 64 << 10, 256 << 10, 2 << 20].randomElement(using: &random)!)
        link = SimulatedLink.Behaviour(
            loss: [0, 0.01, 0.05, 0.1].randomElement(using: &random)!,
            duplication: [0, 0.01, 0.05].randomElement(using: &random)!,
            latency: .microseconds(Int64.random(in: 10...2000, using: &random)),
            jitter: [.zero, .microseconds(200), .milliseconds(3)].randomElement(using: &random)!)
        appBytes = bytes ?? Int.random(in: 0...(1 << 20), using: &random)
        serverBytes = bytes ?? Int.random(in: 0...(1 << 20), using: &random)
        bridgeWindow = [4 << 10, 64 << 10, 1 << 20].randomElement(using: &random)!
        openDelay = .milliseconds(Int64.random(in: 0...1500, using: &random))
        let nearWrap = random.chance(0.3)
        appISN = nearWrap ? UInt32.max - UInt32.random(in: 0...100_000, using: &random) : random.next()
        agentISN = nearWrap ? UInt64(UInt32.max - UInt32.random(in: 0...100_000, using: &random)) : random.next()
        pauseChance = [0, 0.01, 0.05].randomElement(using: &random)!
        longestPause = .milliseconds(Int64.random(in: 1...3000, using: &random))
    }

    var description: String {
        """
        seed \(seed): \(addresses.family == .v4 ? "IPv4" : "IPv6"), MTU \(configuration.mtu), \
        send buffer \(configuration.sendBufferCapacity), max window \(configuration.maximumReceiveWindow), \
        out-of-order \(configuration.maximumOutOfOrderBytes)/\(configuration.maximumOutOfOrderSegments); \
        app kernel: \(kernel); link: \(link); \(appBytes) bytes up, \(serverBytes) down; \
        bridge window \(bridgeWindow); open after \(openDelay); ISNs app \(appISN) agent \(agentISN); \
        pauses \(pauseChance) up to \(longestPause)
        """
    }
}
