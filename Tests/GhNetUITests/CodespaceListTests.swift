import Foundation
import Testing
@testable import GhNetUI

@Suite struct CodespaceListTests {
    func parse(_ json: String) throws(CodespaceListError) -> [Codespace] {
        try CodespaceList.parse(Array(json.utf8))
    }

    @Test func readsWhatGhPrints() throws {
        let json = """
        [
          {"displayName":"fuzzy potato","name":"fuzzy-potato-5g4wq9","repository":"octo-org/gh-net","state":"Available"},
          {"name":"special-waffle-r4x7","repository":"octo-org/website","state":"Shutdown",
           "gitStatus":{"ahead":1,"behind":0,"hasUncommittedChanges":true,"ref":"main"},"lastUsedAt":"2024-05-01T10:00:00Z"}
        ]
        """
        #expect(try parse(json) == [
            Codespace(name: "fuzzy-potato-5g4wq9", displayName: "fuzzy potato", repository: "octo-org/gh-net",
                      state: "Available"),
            Codespace(name: "special-waffle-r4x7", displayName: "", repository: "octo-org/website", state: "Shutdown"),
        ])
        #expect(try CodespaceList.parse(Data(json.utf8)).count == 2)
    }

    @Test func emptyListAndMissingOrNullFields() throws {
        #expect(try parse("[]") == [])
        #expect(try parse(#"[{"name":"a"}]"#) == [Codespace(name: "a", displayName: "", repository: "", state: "")])
        #expect(try parse(#"[{"name":"a","displayName":null,"state":"Starting"}]"#)
            == [Codespace(name: "a", repository: "", state: "Starting")])
        #expect(try parse(#"[{"name":"a"}]"#).first?.title == "a")
        #expect(try parse(#"[{"name":"a","displayName":"A"}]"#).first?.title == "A")
    }

    @Test func entriesWithoutANameOrWithWrongTypesAreErrors() {
        #expect(throws: CodespaceListError.invalidEntry(index: 1, reason: #"has no "name""#)) {
            try parse(#"[{"name":"a"},{"displayName":"b"}]"#)
        }
        #expect(throws: CodespaceListError.invalidEntry(index: 0, reason: #"has no "name""#)) {
            try parse(#"[{"name":""}]"#)
        }
        #expect(throws: CodespaceListError.invalidEntry(index: 0, reason: #"has a "repository" that is not a string"#)) {
            try parse(#"[{"name":"a","repository":{"nameWithOwner":"o/r"}}]"#)
        }
        #expect(throws: CodespaceListError.invalidEntry(index: 0, reason: #"has a "name" that is not a string"#)) {
            try parse(#"[{"name":42}]"#)
        }
        #expect(throws: CodespaceListError.invalidEntry(index: 2, reason: "is not a JSON object")) {
            try parse(#"[{"name":"a"},{"name":"b"},"c"]"#)
        }
    }

    @Test func malformedJSON() {
        for text in ["", "[", #"[{"name":"a"}"#, "gh: To get started with GitHub CLI, please run:  gh auth login",
                     #"[{"name":"a" "state":"x"}]"#, String(repeating: "[", count: 100_000)] {
            #expect(throws: CodespaceListError.malformedJSON, "\(text.prefix(40))") { try parse(text) }
        }
        #expect(throws: CodespaceListError.malformedJSON) { try CodespaceList.parse([0xFF, 0xFE, 0x5B]) }
    }

    @Test func notAnArray() {
        for text in [#"{"name":"a"}"#, #""codespaces""#, "42", "null", "true"] {
            #expect(throws: CodespaceListError.notAnArray, "\(text)") { try parse(text) }
        }
    }

    @Test func messagesAreClear() {
        #expect(CodespaceListError.malformedJSON.description == "gh codespace list did not print valid JSON")
        #expect(CodespaceListError.notAnArray.description == "gh codespace list did not print a JSON array")
        #expect(CodespaceListError.invalidEntry(index: 1, reason: #"has no "name""#).description
            == #"gh codespace list: codespace 2 has no "name""#)
    }
}
