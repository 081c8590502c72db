import Testing
@testable import GhNetLocal

@Suite struct GitHubCLIFailureTests {
    @Test func anOldGhIsToldApart() {
        #expect(GitHubCLI.Failure.classify(exitCode: 1, stderr: "unknown flag: --json\n\nUsage: gh codespace list") ==
            .tooOld("unknown flag: --json"))
        #expect(GitHubCLI.Failure.classify(exitCode: 1, stderr: "unknown command \"codespace\" for \"gh\"") ==
            .tooOld("unknown command \"codespace\" for \"gh\""))
    }

    @Test func notLoggedInByExitCodeOrWords() {
        // gh 2.23 exits 4 and says nothing when no account is set up.
        #expect(GitHubCLI.Failure.classify(exitCode: 4, stderr: "") == .notLoggedIn)
        #expect(GitHubCLI.Failure.classify(exitCode: 1, stderr: "To get started with GitHub CLI, please run:  gh auth login") == .notLoggedIn)
        #expect(GitHubCLI.Failure.classify(exitCode: 1, stderr: "HTTP 401: Bad credentials") == .notLoggedIn)
    }

    @Test func anythingElseKeepsGhsLastLine() {
        #expect(GitHubCLI.Failure.classify(exitCode: 1, stderr: "connecting…\nerror getting codespaces: HTTP 502\n") ==
            .failed("error getting codespaces: HTTP 502"))
        #expect(GitHubCLI.Failure.classify(exitCode: nil, stderr: "") == .failed("no message"))
        #expect(GitHubCLI.Failure.notLoggedIn.description.contains("gh auth login"))
    }
}
