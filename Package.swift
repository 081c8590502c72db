// swift-tools-version: 6.1
import PackageDescription

/// gh-net: bridge a remote Linux box (a GitHub Codespace or any SSH host) into the networks
/// the local machine reaches. See ARCHITECTURE.md for how the targets fit together.
let package = Package(
    name: "gh-net",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gh-net", targets: ["gh-net"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // Pure: IPv4/IPv6 addresses and CIDR prefixes, shared by every layer.
        .target(name: "GhNetAddress"),
        // Pure: the framed, multiplexed protocol spoken between the local side and the agent.
        .target(
            name: "GhNetWire",
            dependencies: ["GhNetAddress", .product(name: "NIOCore", package: "swift-nio")]
        ),
        // Pure: IPv4/IPv6/ICMP/UDP/TCP packet views, checksums, parse and emit.
        .target(name: "GhNetPackets", dependencies: ["GhNetAddress"]),
        // Pure: the userspace TCP state machine the agent runs for every codespace connection.
        .target(name: "GhNetTCP", dependencies: ["GhNetAddress", "GhNetPackets", .product(name: "NIOCore", package: "swift-nio")]),
        // Pure: DNS messages parsed for the DNS panel and the logs (never trusted, never rewritten).
        .target(name: "GhNetDNS"),
        // Pure: the terminal view: the model, the layout of header, NAT and DNS panels and the
        // codespace picker as a grid of text, screen diffs, key decoding, `gh` JSON parsing.
        .target(name: "GhNetUI"),
        // Pure: bounded NAT tables (UDP and ICMP echo flows) with idle expiry and LRU eviction.
        .target(name: "GhNetFlows", dependencies: [.product(name: "DequeModule", package: "swift-collections")]),
        // Pure: routing tables (from /proc), what to advertise, and the per-flow policy.
        .target(name: "GhNetRoutes", dependencies: ["GhNetAddress"]),
        // Pure: rtnetlink message encoding and decoding (links, addresses, routes).
        .target(name: "GhNetNetlink", dependencies: ["GhNetAddress"]),
        // C: what Swift cannot call directly (the variadic ioctl for TUNSETIFF and friends).
        .target(name: "CGhNetTun"),
        // C: glibc's mallopt (its header is not in Swift's Glibc module).
        .target(name: "CGhNetHeap"),
        // C: descriptor passing over a Unix socket (SCM_RIGHTS), accept4, SO_PEERCRED — for the agent hand-over.
        .target(name: "CGhNetFDPass"),
        // I/O on Linux for the agent: the TUN device and route/address changes over netlink.
        .target(
            name: "GhNetLinux",
            dependencies: [
                "CGhNetTun",
                "GhNetAddress",
                "GhNetNetlink",
                "GhNetPackets",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // I/O shared by both sides: logging, frame channel handlers, build identity.
        .target(
            name: "GhNetCore",
            dependencies: [
                "CGhNetHeap",
                "GhNetWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // I/O shared by both sides: asking DNS servers a raw query over UDP, then TCP if truncated.
        .target(
            name: "GhNetResolver",
            dependencies: [
                "GhNetDNS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The local side: transport child process, agent delivery, session.
        .target(
            name: "GhNetLocal",
            dependencies: [
                "GhNetAddress",
                "GhNetFlows",
                "GhNetPackets",
                "GhNetRoutes",
                "GhNetCore",
                "GhNetDNS",
                "GhNetResolver",
                "GhNetUI",
                "GhNetWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The remote side: runs inside the codespace as root.
        .target(
            name: "GhNetAgent",
            dependencies: [
                "CGhNetFDPass",
                "GhNetAddress",
                "GhNetFlows",
                "GhNetLinux",
                "GhNetNetlink",
                "GhNetPackets",
                "GhNetRoutes",
                "GhNetTCP",
                "GhNetCore",
                "GhNetDNS",
                "GhNetResolver",
                "GhNetWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // I/O: the user's terminal for the full-screen views (raw mode, alternate screen, keys,
        // resizes) and the views that run there: the codespace picker and the connected view.
        .target(
            name: "GhNetTerminal",
            dependencies: ["GhNetUI", "GhNetLocal", "GhNetCore"]
        ),
        // Command line: argument parsing and the subcommands.
        .target(
            name: "GhNetCLI",
            dependencies: [
                "GhNetAddress",
                "GhNetCore",
                "GhNetWire",
                "GhNetLocal",
                "GhNetAgent",
                "GhNetTerminal",
                "GhNetUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .executableTarget(name: "gh-net", dependencies: ["GhNetCLI"]),
        // Micro-benchmarks of the hot pure code (frames, checksum, packet parse, TCP per segment); docs/benchmark.md.
        .executableTarget(
            name: "gh-net-microbench",
            dependencies: ["GhNetWire", "GhNetPackets", "GhNetTCP", "GhNetAddress", .product(name: "NIOCore", package: "swift-nio")]
        ),

        .testTarget(name: "GhNetAddressTests", dependencies: ["GhNetAddress"]),
        .testTarget(
            name: "GhNetWireTests",
            dependencies: [
                "GhNetWire",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "GhNetCoreTests",
            dependencies: [
                "GhNetCore", "GhNetWire",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "GhNetTCPTests", dependencies: ["GhNetTCP", "GhNetPackets", "GhNetAddress", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(
            name: "GhNetAgentTests",
            dependencies: ["GhNetAgent", "CGhNetFDPass", "GhNetCore", "GhNetDNS", "GhNetPackets", "GhNetWire", "GhNetAddress", .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio")]
        ),
        .testTarget(name: "GhNetDNSTests", dependencies: ["GhNetDNS"]),
        .testTarget(name: "GhNetFlowsTests", dependencies: ["GhNetFlows"]),
        .testTarget(name: "GhNetUITests", dependencies: ["GhNetUI"]),
        .testTarget(name: "GhNetTerminalTests", dependencies: ["GhNetTerminal", "GhNetLocal", "GhNetUI",
                                                               .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "GhNetRoutesTests", dependencies: ["GhNetRoutes", "GhNetAddress"]),
        .testTarget(name: "GhNetNetlinkTests", dependencies: ["GhNetNetlink", "GhNetAddress"]),
        .testTarget(
            name: "GhNetLinuxTests",
            dependencies: [
                "GhNetLinux", "GhNetNetlink", "GhNetAddress", "GhNetPackets",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "GhNetPacketsTests", dependencies: ["GhNetPackets"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "GhNetLocalTests",
            dependencies: [
                "GhNetLocal", "GhNetCore", "GhNetWire", "GhNetDNS", "GhNetResolver", "GhNetAddress",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .testTarget(
            name: "GhNetResolverTests",
            dependencies: [
                "GhNetResolver", "GhNetDNS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "GhNetCLITests",
            dependencies: ["GhNetCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
    ]
)
