import GhNetNetlink

/// Why a TUN device could not be created, configured or read.
public enum TunError: Error, Sendable, CustomStringConvertible {
    /// A system call failed: what was being done, and the errno.
    case system(action: String, errno: Int32)
    /// Configuring the new device over netlink failed.
    case configuration(NetlinkError)
    /// The kernel did not take these addresses of the new device as its own in time.
    case addressesNotLocal([InterfaceAddress], device: String)
    /// ``TunDevice/startReading(on:channelInitializer:)`` was called a second time.
    case alreadyReading
    /// The device was closed.
    case closed

    public var description: String {
        switch self {
        case .system(let action, let code): return "\(action): \(errorText(code))"
        case .configuration(let error): return error.description
        case .addressesNotLocal(let addresses, let device):
            return "the kernel did not make \(addresses.map(\.description).joined(separator: ", ")) on \(device) usable within \(TunDevice.addressWait)"
        case .alreadyReading: return "the TUN device is already being read"
        case .closed: return "the TUN device is closed"
        }
    }
}
