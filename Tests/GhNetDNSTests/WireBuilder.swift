/// A tiny DNS encoder for the tests: header, uncompressed names, pointers, fixed-width fields.
struct WireBuilder {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u16(_ value: UInt16) { bytes += [UInt8(value >> 8), UInt8(value & 0xFF)] }

    mutating func u32(_ value: UInt32) {
        u16(UInt16(value >> 16))
        u16(UInt16(value & 0xFFFF))
    }

    /// Labels of a dotted name, without the terminating root label.
    mutating func labels(_ dotted: String) {
        for label in dotted.split(separator: ".") {
            bytes.append(UInt8(label.utf8.count))
            bytes += label.utf8
        }
    }

    /// A complete uncompressed name.
    mutating func name(_ dotted: String) {
        labels(dotted)
        u8(0)
    }

    /// A compression pointer to `offset`.
    mutating func pointer(_ offset: Int) { u16(0xC000 | UInt16(offset)) }

    mutating func header(id: UInt16 = 0x1234, flags: UInt16 = 0x8180, qd: UInt16 = 0, an: UInt16 = 0, ns: UInt16 = 0, ar: UInt16 = 0) {
        u16(id)
        u16(flags)
        for count in [qd, an, ns, ar] { u16(count) }
    }

    mutating func question(_ name: String, type: UInt16, class recordClass: UInt16 = 1) {
        self.name(name)
        u16(type)
        u16(recordClass)
    }

    /// A record with an uncompressed owner name.
    mutating func record(_ name: String, type: UInt16, ttl: UInt32 = 300, class recordClass: UInt16 = 1, rdata: [UInt8]) {
        self.name(name)
        recordFields(type: type, ttl: ttl, class: recordClass, rdata: rdata)
    }

    /// Type, class, TTL, RDATA length and RDATA, after an owner name written by the caller.
    mutating func recordFields(type: UInt16, ttl: UInt32 = 300, class recordClass: UInt16 = 1, rdata: [UInt8]) {
        u16(type)
        u16(recordClass)
        u32(ttl)
        u16(UInt16(rdata.count))
        bytes += rdata
    }

    /// Builds a standalone piece of wire data (an RDATA).
    static func build(_ body: (inout WireBuilder) -> Void) -> [UInt8] {
        var builder = WireBuilder()
        body(&builder)
        return builder.bytes
    }

    /// A response (RD, RA set) to one question with the given answers, all names uncompressed.
    static func response(
        _ name: String, type: UInt16, rcode: UInt16 = 0, flags: UInt16 = 0x8180,
        answers: [(name: String, type: UInt16, ttl: UInt32, rdata: [UInt8])]
    ) -> [UInt8] {
        var builder = WireBuilder()
        builder.header(flags: flags | rcode, qd: 1, an: UInt16(answers.count))
        builder.question(name, type: type)
        for answer in answers {
            builder.record(answer.name, type: answer.type, ttl: answer.ttl, rdata: answer.rdata)
        }
        return builder.bytes
    }
}

extension WireBuilder {
    /// A NULL record whose opaque RDATA (at offset 23) is a root label followed by `pointers`
    /// compression pointers, each to the one before, then `owners` A records whose owner names
    /// point to the last of them. Returns the message and the first A record's offset.
    static func pointerChain(_ pointers: Int, owners: Int = 1) -> (bytes: [UInt8], owner: Int) {
        let chainStart = 23
        let chain = build { chain in
            chain.u8(0)
            chain.pointer(chainStart)
            for index in 1..<pointers { chain.pointer(chainStart + 1 + 2 * (index - 1)) }
        }
        var builder = WireBuilder()
        builder.header(an: UInt16(1 + owners))
        builder.record("", type: 10, rdata: chain)
        let owner = builder.bytes.count
        for _ in 0..<owners {
            builder.pointer(chainStart + 1 + 2 * (pointers - 1))
            builder.recordFields(type: 1, rdata: [1, 2, 3, 4])
        }
        return (builder.bytes, owner)
    }
}

/// SplitMix64: a small deterministic PRNG, so every random case is reproducible from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension WireBuilder {
    /// A query (RD set unless `flags` says otherwise) for one question, with an EDNS OPT record
    /// in the additional section advertising `udpPayload` when it is given.
    /// An NXDOMAIN for an A question about `name`, with an SOA for `example` in the authority
    /// section whose TTL and MINIMUM are given.
    static func nxDomain(_ name: String, soaTTL: UInt32, minimum: UInt32) -> [UInt8] {
        var soa = WireBuilder()
        soa.name("ns.example")
        soa.name("hostmaster.example")
        for field: UInt32 in [1, 3600, 600, 86_400, minimum] { soa.u32(field) }
        var builder = WireBuilder()
        builder.header(id: 7, flags: 0x8183, qd: 1, ns: 1)
        builder.question(name, type: 1)
        builder.record("example", type: 6, ttl: soaTTL, rdata: soa.bytes)
        return builder.bytes
    }

    static func query(_ name: String, type: UInt16, id: UInt16 = 0x1234, flags: UInt16 = 0x0100, udpPayload: UInt16? = nil) -> [UInt8] {
        var builder = WireBuilder()
        builder.header(id: id, flags: flags, qd: 1, ar: udpPayload == nil ? 0 : 1)
        builder.question(name, type: type)
        if let udpPayload { builder.record("", type: 41, ttl: 0, class: udpPayload, rdata: []) }
        return builder.bytes
    }
}
