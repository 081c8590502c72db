import GhNetAddress

/// Linux address family numbers as rtnetlink carries them in one byte.
enum LinuxAddressFamily {
    static let unspecified: UInt8 = 0
    static let inet: UInt8 = 2
    static let inet6: UInt8 = 10

    /// The family number for `family`, or AF_UNSPEC for "both".
    static func number(for family: IPFamily?) -> UInt8 {
        switch family {
        case .v4: return inet
        case .v6: return inet6
        case nil: return unspecified
        }
    }

    /// The IP family of a family number; nil for anything but AF_INET and AF_INET6.
    static func family(_ number: UInt8) -> IPFamily? {
        switch number {
        case inet: return .v4
        case inet6: return .v6
        default: return nil
        }
    }
}
