/// The type field of a netlink message: a control message or an rtnetlink request or reply.
public struct NetlinkMessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// NLMSG_NOOP: to be ignored.
    public static let noop = Self(rawValue: 1)
    /// NLMSG_ERROR: an error, or with error 0 an acknowledgement.
    public static let error = Self(rawValue: 2)
    /// NLMSG_DONE: the end of a multipart dump.
    public static let done = Self(rawValue: 3)
    /// NLMSG_OVERRUN: data was lost.
    public static let overrun = Self(rawValue: 4)
    /// RTM_NEWLINK: change an interface; also every interface in a link reply.
    public static let newLink = Self(rawValue: 16)
    /// RTM_GETLINK: ask for one interface or dump them all.
    public static let getLink = Self(rawValue: 18)
    /// RTM_NEWADDR: add an address; also every address in a dump.
    public static let newAddress = Self(rawValue: 20)
    /// RTM_DELADDR: delete an address.
    public static let deleteAddress = Self(rawValue: 21)
    /// RTM_GETADDR: dump addresses.
    public static let getAddress = Self(rawValue: 22)
    /// RTM_NEWROUTE: add a route; also every route in a dump.
    public static let newRoute = Self(rawValue: 24)
    /// RTM_DELROUTE: delete a route.
    public static let deleteRoute = Self(rawValue: 25)
    /// RTM_GETROUTE: dump routes.
    public static let getRoute = Self(rawValue: 26)

    public var description: String {
        switch self {
        case .noop: return "NLMSG_NOOP"
        case .error: return "NLMSG_ERROR"
        case .done: return "NLMSG_DONE"
        case .overrun: return "NLMSG_OVERRUN"
        case .newLink: return "RTM_NEWLINK"
        case .getLink: return "RTM_GETLINK"
        case .newAddress: return "RTM_NEWADDR"
        case .deleteAddress: return "RTM_DELADDR"
        case .getAddress: return "RTM_GETADDR"
        case .newRoute: return "RTM_NEWROUTE"
        case .deleteRoute: return "RTM_DELROUTE"
        case .getRoute: return "RTM_GETROUTE"
        default: return "type \(rawValue)"
        }
    }
}

/// The flags field of a netlink message. Some bits mean different things for new-object
/// requests, get requests and acknowledgements, as in linux/netlink.h.
public struct NetlinkFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// NLM_F_REQUEST: a request to the kernel.
    public static let request = Self(rawValue: 0x001)
    /// NLM_F_MULTI: one part of a multipart reply, ended by NLMSG_DONE.
    public static let multipart = Self(rawValue: 0x002)
    /// NLM_F_ACK: answer with an acknowledgement even on success.
    public static let acknowledge = Self(rawValue: 0x004)
    /// NLM_F_DUMP_INTR: the dump changed while it was read; it may be inconsistent.
    public static let dumpInterrupted = Self(rawValue: 0x010)
    /// NLM_F_DUMP (ROOT | MATCH) on a get request: every object.
    public static let dump = Self(rawValue: 0x300)
    /// NLM_F_EXCL on a new-object request: fail with EEXIST if it exists.
    public static let exclusive = Self(rawValue: 0x200)
    /// NLM_F_CREATE on a new-object request: create it if it does not exist.
    public static let create = Self(rawValue: 0x400)
    /// NLM_F_CAPPED on an error reply: the quoted request is only its header.
    public static let capped = Self(rawValue: 0x100)
    /// NLM_F_ACK_TLVS on an error reply: extended-ack attributes follow the quoted request.
    public static let acknowledgementAttributes = Self(rawValue: 0x200)
}

/// `struct nlmsghdr`: the 16 bytes in front of every netlink message, in host byte order.
public struct NetlinkHeader: Hashable, Sendable {
    /// The size of the header on the wire.
    public static let size = 16

    /// The whole message's length, header included, padding excluded.
    public var length: UInt32
    /// What the message is.
    public var type: NetlinkMessageType
    /// Request or reply flags.
    public var flags: NetlinkFlags
    /// The sequence number that ties replies to their request.
    public var sequence: UInt32
    /// The sender's port: 0 for the kernel on requests, the requester's port on replies.
    public var portID: UInt32

    /// A header with every field given.
    public init(length: UInt32, type: NetlinkMessageType, flags: NetlinkFlags, sequence: UInt32, portID: UInt32) {
        self.length = length
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
    }

    /// Reads the header at the start of `bytes`.
    public init(decoding bytes: ArraySlice<UInt8>) throws(NetlinkDecodingError) {
        guard let length = bytes.hostOrderInteger(at: 0, as: UInt32.self),
              let type = bytes.hostOrderInteger(at: 4, as: UInt16.self),
              let flags = bytes.hostOrderInteger(at: 6, as: UInt16.self),
              let sequence = bytes.hostOrderInteger(at: 8, as: UInt32.self),
              let portID = bytes.hostOrderInteger(at: 12, as: UInt32.self) else {
            throw .truncatedHeader(available: bytes.count)
        }
        self.init(length: length, type: NetlinkMessageType(rawValue: type), flags: NetlinkFlags(rawValue: flags),
                  sequence: sequence, portID: portID)
    }

    func encode(into writer: inout HostOrderWriter) {
        writer.append(length)
        writer.append(type.rawValue)
        writer.append(flags.rawValue)
        writer.append(sequence)
        writer.append(portID)
    }
}
