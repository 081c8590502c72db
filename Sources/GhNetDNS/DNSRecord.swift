/// An entry of the question section: what is being asked.
public struct DNSQuestion: Sendable, Hashable {
    public var name: DNSName
    public var type: DNSRecordType
    public var recordClass: DNSClass

    public init(name: DNSName, type: DNSRecordType, recordClass: DNSClass) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
    }
}

/// A resource record from the answer, authority or additional section.
public struct DNSResourceRecord: Sendable, Hashable {
    public var name: DNSName
    public var type: DNSRecordType
    /// The class; for OPT, the sender's UDP payload size.
    public var recordClass: DNSClass
    /// Seconds the record may be cached; for OPT, the extended rcode, version and flags.
    public var ttl: UInt32
    /// The RDATA exactly as it came (compression pointers inside it left unresolved).
    public var rdata: [UInt8]
    /// The RDATA decoded, with compressed names resolved.
    public var data: DNSRecordData

    public init(name: DNSName, type: DNSRecordType, recordClass: DNSClass, ttl: UInt32, rdata: [UInt8], data: DNSRecordData) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
        self.ttl = ttl
        self.rdata = rdata
        self.data = data
    }
}

extension DNSReader {
    mutating func readQuestion() throws(DNSParseError) -> DNSQuestion {
        let name = try readName()
        let type = DNSRecordType(rawValue: try readUInt16())
        return DNSQuestion(name: name, type: type, recordClass: DNSClass(rawValue: try readUInt16()))
    }

    mutating func readRecord() throws(DNSParseError) -> DNSResourceRecord {
        let name = try readName()
        let type = DNSRecordType(rawValue: try readUInt16())
        let recordClass = DNSClass(rawValue: try readUInt16())
        let ttl = try readUInt32()
        let length = Int(try readUInt16())
        let rdataStart = offset
        let data = try readRecordData(type: type, length: length)
        let rdata = Array(bytes[rdataStart..<offset])
        return DNSResourceRecord(name: name, type: type, recordClass: recordClass, ttl: ttl, rdata: rdata, data: data)
    }
}
