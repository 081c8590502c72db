extension DNSReader {
    /// Decodes the `length` bytes of RDATA at the cursor as `type`, leaving the cursor at the
    /// end of the RDATA. Names inside may use compression pointers into the rest of the message,
    /// but their in-place bytes, like every other field, must stay within the RDATA.
    mutating func readRecordData(type: DNSRecordType, length: Int) throws(DNSParseError) -> DNSRecordData {
        let start = offset
        try require(length, at: start)
        let end = start + length
        let malformed = DNSParseError.badRecordData(type: type, offset: start)
        let data: DNSRecordData
        switch type {
        case .a, .aaaa:
            let size = type == .a ? 4 : 16
            guard length == size else { throw malformed }
            let address = try readBytes(size)
            data = type == .a ? .a(address) : .aaaa(address)
        case .cname, .ns, .ptr:
            let name = try readName()
            data = type == .cname ? .cname(name) : type == .ns ? .ns(name) : .ptr(name)
        case .mx:
            guard 2 <= end - offset else { throw malformed }
            let preference = try readUInt16()
            data = .mx(preference: preference, exchange: try readName())
        case .txt:
            var strings: [[UInt8]] = []
            while offset < end {
                let count = Int(try readUInt8())
                guard count <= end - offset else { throw malformed }
                strings.append(try readBytes(count))
            }
            data = .txt(strings)
        case .soa:
            let mname = try readName()
            let rname = try readName()
            guard 20 <= end - offset else { throw malformed }
            data = .soa(DNSStartOfAuthority(
                mname: mname, rname: rname,
                serial: try readUInt32(), refresh: try readUInt32(), retry: try readUInt32(),
                expire: try readUInt32(), minimum: try readUInt32()
            ))
        case .srv:
            guard 6 <= end - offset else { throw malformed }
            let priority = try readUInt16()
            let weight = try readUInt16()
            let port = try readUInt16()
            data = .srv(priority: priority, weight: weight, port: port, target: try readName())
        case .caa:
            guard 2 <= end - offset else { throw malformed }
            let flags = try readUInt8()
            let tagLength = Int(try readUInt8())
            guard tagLength > 0 else { throw malformed }
            guard tagLength <= end - offset else { throw malformed }
            let tag = try readBytes(tagLength)
            data = .caa(flags: flags, tag: tag, value: try readBytes(end - offset))
        default:
            data = .other(type, try readBytes(length))
        }
        guard offset == end else { throw malformed }
        return data
    }
}
