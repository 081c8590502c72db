import CGhNetIoctl
import GhNetAddress

/// The routes the agent has installed through its TUN device. ``apply(_:)`` makes the set equal
/// to what is asked (adding what is missing, deleting what is no longer wanted) and
/// ``removeAll()`` takes back everything it added. A route someone else already has is reported
/// and skipped, never taken over.
public struct RouteInstaller: Sendable {
    /// The device the routes go through.
    public let interfaceName: String
    /// Its interface index (IPv6 routes name the device by index).
    public let interfaceIndex: Int32
    /// The routes this installer added and has not deleted.
    public private(set) var installed: Set<IPPrefix> = []

    public init(interfaceName: String, interfaceIndex: Int32) {
        self.interfaceName = interfaceName
        self.interfaceIndex = interfaceIndex
    }

    /// Brings the installed set to `wanted`; gives one sentence per failure.
    public mutating func apply(_ wanted: [IPPrefix]) -> [String] {
        let target = Set(wanted)
        var failures: [String] = []
        for prefix in installed.subtracting(target).sorted(by: Self.order) {
            if let failure = change(add: false, prefix) { failures.append(failure) }
            installed.remove(prefix)
        }
        for prefix in target.subtracting(installed).sorted(by: Self.order) {
            if let failure = change(add: true, prefix) {
                failures.append(failure)
            } else {
                installed.insert(prefix)
            }
        }
        return failures
    }

    /// Deletes every route this installer added; gives one sentence per failure.
    public mutating func removeAll() -> [String] {
        apply([])
    }

    private func change(add: Bool, _ prefix: IPPrefix) -> String? {
        let bytes = prefix.network.bytes
        let result: Int32 = bytes.withUnsafeBufferPointer { raw in
            switch prefix.family {
            case .v4: return cghnet_route_ipv4(add ? 1 : 0, interfaceName, raw.baseAddress, Int32(prefix.length))
            case .v6: return cghnet_route_ipv6(add ? 1 : 0, interfaceIndex, raw.baseAddress, Int32(prefix.length))
            }
        }
        guard result != 0 else { return nil }
        return "\(add ? "adding" : "deleting") route \(prefix) via \(interfaceName): \(TunDevice.errnoText())"
    }

    private static func order(_ a: IPPrefix, _ b: IPPrefix) -> Bool {
        (a.network, a.length) < (b.network, b.length)
    }
}
