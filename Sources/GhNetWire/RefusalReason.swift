/// Refusals the local side acts on, not only shows: their sentences start with these words.
public enum RefusalReason {
    /// An agent started for a reconnect found the codespace run by an agent of another gh-net
    /// run, which took it over while this run's link was down: it leaves that one alone.
    public static let takenOverWhileAway = "another gh-net took this codespace over while the link was down"
}
