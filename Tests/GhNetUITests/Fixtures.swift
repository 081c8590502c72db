@testable import GhNetUI

/// Models and codespace lists the snapshot tests render.
enum Fixtures {
    /// A DNS name of exactly 120 characters.
    static let longHostname = "build-artifacts-cache-primary-eu-west-2.region-a.storage.internal.platform-services.engineering.corp.example.com.testing"
    /// The longest IPv6 address text, with brackets and a port.
    static let longIPv6 = "[2001:db8:ffff:ffff:ffff:ffff:ffff:ffff]:65535"

    static let flows: [ViewModel.Flow] = [
        .init(proto: "TCP", source: "198.18.0.2:40312", destination: "198.18.2.10:80", state: "open",
              bytes: .init(up: 1_234, down: 56_789), upAgo: .seconds(3), downAgo: .seconds(2)),
        .init(proto: "UDP", source: "[2001:db8::2]:53124", destination: longIPv6, state: "active",
              bytes: .init(up: 300, down: 1_200), upAgo: .seconds(12), downAgo: nil),
        .init(proto: "ICMP", source: "198.18.0.2", destination: "198.18.2.10", state: "expired",
              bytes: .init(up: 336, down: 336), upAgo: .seconds(150), downAgo: .seconds(149)),
        .init(proto: "TCP", source: "198.18.0.2:40300", destination: "198.18.3.1:443", state: "refused",
              bytes: .init(), upAgo: nil, downAgo: nil),
        .init(proto: "TCP", source: "198.18.0.2:40290", destination: "198.18.2.10:22", state: "connecting",
              bytes: .init(), upAgo: nil, downAgo: nil),
    ]

    static let lookups: [ViewModel.Lookup] = [
        .init(name: "intranet.corp.example", type: "A", outcome: "NOERROR", answers: ["198.18.2.10"], ttl: 300,
              ago: .seconds(3)),
        .init(name: longHostname, type: "AAAA", outcome: "NOERROR",
              answers: ["2001:db8:ffff:ffff:ffff:ffff:ffff:1", "2001:db8::2", "2001:db8::3"], ttl: 60,
              ago: .seconds(4)),
        .init(name: "missing.corp.example", type: "A", outcome: "NXDOMAIN", answers: [], ttl: nil, ago: .seconds(10)),
        .init(name: "corp.example", type: "MX", outcome: "NOERROR", answers: ["10 mail.corp.example."], ttl: 3600,
              ago: .seconds(65)),
        .init(name: "v6only.corp.example", type: "A", outcome: "NODATA", answers: [], ttl: nil, ago: .seconds(70)),
        .init(name: "broken.example", type: "TXT", outcome: "SERVFAIL", answers: [], ttl: nil, ago: .seconds(3700)),
        .init(name: "evil\u{1B}[2J\u{7}.\u{202E}example", type: "A", outcome: "NOERROR", answers: ["198.18.9.9\r\n"],
              ttl: 5, ago: .seconds(90_000)),
    ]

    static let model = ViewModel(
        target: "codespace fuzzy-potato-5g4wq9", state: "connected", uptime: .seconds(3723),
        totals: .init(up: 12_897_485, down: 47_815_065), rate: .init(up: 1_258_291, down: 3_482),
        flows: flows, flowCount: flows.count, lookups: lookups,
        lastWarning: "DNS: the local side did not answer within 5 s (intranet.corp.example A)",
        logPath: "/home/user/.cache/gh-net/gh-net.log")

    /// The model with `count` flows, all held by the model.
    static func model(flowCount count: Int) -> ViewModel {
        var model = model
        model.flows = (0..<count).map { (index: Int) -> ViewModel.Flow in
            let port = 40000 + index % 20000
            let bytes = ViewModel.Traffic(up: UInt64(index), down: UInt64(2 * index))
            return ViewModel.Flow(proto: "UDP", source: "198.18.0.2:\(port)", destination: "198.18.2.10:53",
                                  state: "active", bytes: bytes, upAgo: .seconds(index % 60), downAgo: nil)
        }
        model.flowCount = count
        return model
    }

    static let codespaces: [Codespace] = [
        Codespace(name: "fuzzy-potato-5g4wq9", displayName: "fuzzy potato", repository: "octo-org/gh-net",
                  state: "Available"),
        Codespace(name: "special-waffle-r4x7", displayName: "special waffle", repository: "octo-org/website",
                  state: "Shutdown"),
        Codespace(name: "literate-umbrella-9q2", displayName: "", repository: "octocat/hello-world",
                  state: "Starting"),
        Codespace(name: "data-pipeline-77", displayName: "数据管道 🚀 pipeline", repository: "octo-org/数据",
                  state: "Available"),
        Codespace(name: "verbose-name-codespace-with-a-very-long-generated-name-x1",
                  displayName: "a display name far too long for any column of a small terminal",
                  repository: "an-organisation-with-a-long-name/a-repository-with-an-even-longer-name",
                  state: "Rebuilding"),
    ]
}
