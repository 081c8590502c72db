/// A codespace as `gh codespace list` describes it.
public struct Codespace: Sendable, Hashable {
    /// The codespace's unique name, what `gh codespace ssh -c` takes (`fuzzy-potato-5g4wq9`).
    public var name: String
    /// The name shown to people (`fuzzy potato`); empty when `gh` gave none.
    public var displayName: String
    /// The repository it was created from, `owner/repo`.
    public var repository: String
    /// `Available`, `Shutdown`, `Starting`, `Rebuilding`, …
    public var state: String

    public init(name: String, displayName: String = "", repository: String, state: String) {
        self.name = name
        self.displayName = displayName
        self.repository = repository
        self.state = state
    }

    /// The display name, or the name when there is no display name.
    public var title: String { displayName.isEmpty ? name : displayName }
}
