/// `NLMSGERR_ATTR_*` extended-acknowledgement attribute types gh-net reads.
enum ExtendedAcknowledgementType {
    static let message: UInt16 = 1
}

/// The kernel's answer in an NLMSG_ERROR message (or in the status of NLMSG_DONE): an
/// acknowledgement when ``errorNumber`` is 0, else why the request failed.
public struct NetlinkErrorReply: Hashable, Sendable {
    /// The errno the request failed with (positive), or 0 for success.
    public let errorNumber: Int32
    /// The kernel's own explanation (extended acknowledgement), when it gave one.
    public let message: String?

    /// A reply from its fields.
    public init(errorNumber: Int32, message: String?) {
        self.errorNumber = errorNumber
        self.message = message
    }

    /// True for an acknowledgement.
    public var isAcknowledgement: Bool { errorNumber == 0 }

    /// Reads an NLMSG_ERROR message: the negative errno, the request it answers (only its
    /// header when capped), then extended-acknowledgement attributes when flagged.
    public init(decoding message: NetlinkMessage) throws(NetlinkDecodingError) {
        let type = message.header.type
        guard type == .error else { throw .unexpectedMessage(type: type.rawValue) }
        let body = message.payload
        let code = try Self.errorNumber(in: body, messageType: type.rawValue)
        let quoted = try NetlinkHeader(decoding: body.dropFirst(4))
        var attributesStart = 4 + NetlinkHeader.size
        if !message.header.flags.contains(.capped) {
            let quotedLength = Int(quoted.length)
            guard quotedLength >= NetlinkHeader.size, quotedLength <= body.count - 4 else {
                throw .badMessageLength(declared: quotedLength, available: body.count - 4)
            }
            attributesStart = 4 + netlinkAligned(quotedLength)
        }
        var text: String?
        if message.header.flags.contains(.acknowledgementAttributes) {
            let attributes = try NetlinkAttribute.parseAll(body.dropFirst(attributesStart))
            text = attributes.last(ofType: ExtendedAcknowledgementType.message)?.string()
        }
        self.init(errorNumber: code, message: text)
    }

    /// Reads the status of an NLMSG_DONE message: 0, or the errno that cut the dump short,
    /// with the kernel's explanation when extended-acknowledgement attributes follow.
    public init(decodingDone message: NetlinkMessage) throws(NetlinkDecodingError) {
        let type = message.header.type
        guard type == .done else { throw .unexpectedMessage(type: type.rawValue) }
        let body = message.payload
        let code = try Self.errorNumber(in: body, messageType: type.rawValue)
        var text: String?
        if message.header.flags.contains(.acknowledgementAttributes) {
            text = try NetlinkAttribute.parseAll(body.dropFirst(4)).last(ofType: ExtendedAcknowledgementType.message)?.string()
        }
        self.init(errorNumber: code, message: text)
    }

    /// The leading `int error`: zero or a negative errno, returned as zero or positive.
    private static func errorNumber(in body: ArraySlice<UInt8>, messageType: UInt16) throws(NetlinkDecodingError) -> Int32 {
        let raw = try body.requireInteger(at: 0, messageType: messageType, as: Int32.self)
        guard raw <= 0, raw > Int32.min else { throw .invalidField("error number \(raw)") }
        return -raw
    }
}
