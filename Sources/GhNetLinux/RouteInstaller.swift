import GhNetAddress
import GhNetNetlink
import Glibc
import Synchronization

/// The routes the agent installs through its TUN device. ``apply(_:)`` makes the installed set
/// equal to what is wanted, adding what is missing and deleting what is no longer wanted;
/// ``removeAll()`` takes back everything it added. A destination the routing table already has
/// a route for (someone else's) is reported and left alone, never taken over; only routes this
/// installer added are ever deleted (they carry ``RouteProtocol/ghNet``).
///
/// Thread-safe: calls run one at a time.
public final class RouteInstaller: Sendable {
    /// The device the routes go out of.
    public let interfaceName: String
    /// Its interface index.
    public let interfaceIndex: Int32
    private let netlink: Netlink
    private let added = Mutex<Set<IPPrefix>>([])

    /// An installer for routes out of interface `interfaceIndex`, named `interfaceName` in reports.
    public init(netlink: Netlink, interfaceIndex: Int32, interfaceName: String) {
        self.netlink = netlink
        self.interfaceIndex = interfaceIndex
        self.interfaceName = interfaceName
    }

    /// An installer for routes out of `device`.
    public convenience init(netlink: Netlink, device: TunDevice) {
        self.init(netlink: netlink, interfaceIndex: device.interfaceIndex, interfaceName: device.name)
    }

    /// The routes this installer added and has not deleted.
    public var installed: Set<IPPrefix> { added.withLock { $0 } }

    /// Brings the installed routes to `wanted`: deletes installed routes no longer wanted, then
    /// adds wanted ones not yet installed. Says what it did, what it skipped and what failed.
    @discardableResult
    public func apply(_ wanted: some Sequence<IPPrefix>) -> RouteChanges {
        let target = Set(wanted)
        return added.withLock { added in
            var changes = RouteChanges()
            for prefix in added.subtracting(target).sorted(by: Self.order) {
                do throws(NetlinkError) {
                    try netlink.deleteRoute(prefix, interfaceIndex: interfaceIndex)
                    changes.removed.append(prefix)
                    added.remove(prefix)
                } catch where Self.alreadyGone(error) {
                    changes.removed.append(prefix)
                    added.remove(prefix)
                } catch {
                    changes.failed.append(RouteFailure(prefix: prefix, error: error))
                }
            }
            for prefix in target.subtracting(added).sorted(by: Self.order) {
                do throws(NetlinkError) {
                    try netlink.addRoute(prefix, interfaceIndex: interfaceIndex)
                    changes.added.append(prefix)
                    added.insert(prefix)
                } catch where error.errno == EEXIST {
                    changes.skipped.append(RouteFailure(prefix: prefix, error: error))
                } catch {
                    changes.failed.append(RouteFailure(prefix: prefix, error: error))
                }
            }
            return changes
        }
    }

    /// Deletes every route this installer added. Routes that vanished with their device count
    /// as deleted.
    @discardableResult
    public func removeAll() -> RouteChanges {
        apply([])
    }

    /// No such route (ESRCH), or no such device any more (ENODEV): the route is gone already.
    private static func alreadyGone(_ error: NetlinkError) -> Bool {
        error.errno == ESRCH || error.errno == ENODEV
    }

    private static func order(_ a: IPPrefix, _ b: IPPrefix) -> Bool {
        (a.network, a.length) < (b.network, b.length)
    }
}
