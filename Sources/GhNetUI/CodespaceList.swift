#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why the output of `gh codespace list --json …` could not be read.
public enum CodespaceListError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The output is not JSON at all (or is empty).
    case malformedJSON
    /// The output is JSON but not an array.
    case notAnArray
    /// Entry `index` (from 0) is not an object with the fields needed.
    case invalidEntry(index: Int, reason: String)

    public var description: String {
        switch self {
        case .malformedJSON:
            "gh codespace list did not print valid JSON"
        case .notAnArray:
            "gh codespace list did not print a JSON array"
        case .invalidEntry(let index, let reason):
            "gh codespace list: codespace \(index + 1) \(reason)"
        }
    }
}

/// Reads the output of `gh codespace list --json name,displayName,repository,state`.
public enum CodespaceList {
    /// The codespaces in `json`, in `gh`'s order. Each entry must be an object with a non-empty
    /// string `name`; `displayName`, `repository` and `state`, when present and not null, must be
    /// strings, and are empty when absent. Other fields are ignored.
    public static func parse(_ json: Data) throws(CodespaceListError) -> [Codespace] {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: json)
        } catch {
            throw .malformedJSON
        }
        guard case .array(let entries) = value else { throw .notAnArray }
        var codespaces: [Codespace] = []
        for (index, entry) in entries.enumerated() {
            guard case .object(let fields) = entry else {
                throw .invalidEntry(index: index, reason: "is not a JSON object")
            }
            func string(_ key: String) throws(CodespaceListError) -> String {
                switch fields[key] {
                case nil, .null?: return ""
                case .string(let text)?: return text
                default: throw .invalidEntry(index: index, reason: "has a \"\(key)\" that is not a string")
                }
            }
            let name = try string("name")
            guard !name.isEmpty else { throw .invalidEntry(index: index, reason: "has no \"name\"") }
            codespaces.append(Codespace(name: name, displayName: try string("displayName"),
                                        repository: try string("repository"), state: try string("state")))
        }
        return codespaces
    }

    /// The same from bytes.
    public static func parse(_ json: [UInt8]) throws(CodespaceListError) -> [Codespace] {
        try parse(Data(json))
    }
}

/// Any JSON value, enough to check the shape of `gh`'s output field by field.
private enum JSONValue: Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}
