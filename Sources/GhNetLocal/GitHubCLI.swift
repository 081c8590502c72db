import Foundation
import Subprocess
import SystemPackage

/// What gh-net asks of the GitHub CLI (`gh`): the user's codespaces. Connecting to one is the
/// transport's job (``TransportTarget/codespace(name:)``).
public enum GitHubCLI {
    /// The fields asked of `gh codespace list --json`.
    public static let listFields = "name,displayName,repository,state"

    /// Why the list could not be had, each with the sentence the user sees.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// `gh` is not on PATH.
        case notInstalled
        /// This `gh` has no `codespace list --json` (older than 2.x).
        case tooOld(String)
        /// `gh` is not logged in to GitHub.
        case notLoggedIn
        /// Any other failure, with gh's last words.
        case failed(String)

        public var description: String {
            switch self {
            case .notInstalled:
                "the GitHub CLI (gh) is not installed or not on PATH: install it from https://cli.github.com, or bridge any host with --ssh"
            case .tooOld(let words):
                "this gh is too old to list codespaces (\(words)): upgrade the GitHub CLI"
            case .notLoggedIn:
                "gh is not logged in to GitHub: run 'gh auth login' (with the codespace scope: 'gh auth refresh -s codespace')"
            case .failed(let words):
                "gh codespace list failed: \(words)"
            }
        }

        /// gh's exit code when it needs authentication.
        static let authenticationExitCode: Int32 = 4

        /// Tells the failures apart from gh's exit code and its stderr.
        public static func classify(exitCode: Int32?, stderr: String) -> Failure {
            if exitCode == authenticationExitCode { return .notLoggedIn }
            let text = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            let lower = text.lowercased()
            if lower.contains("unknown flag: --json") || lower.contains("unknown command \"codespace\"")
                || lower.contains("unknown command \"list\"") {
                return .tooOld(text.split(separator: "\n").first.map(String.init) ?? text)
            }
            if lower.contains("gh auth login") || lower.contains("not logged in") || lower.contains("authentication required")
                || lower.contains("http 401") {
                return .notLoggedIn
            }
            let last = text.split(separator: "\n").last.map(String.init) ?? "no message"
            return .failed(String(last.prefix(300)))
        }
    }

    /// Runs `gh codespace list --json …` and gives its standard output (JSON) on success.
    public static func listCodespaces(program: String = "gh") async throws(Failure) -> [UInt8] {
        let output: [UInt8], errors: String, status: TerminationStatus
        do {
            let result = try await Subprocess.run(
                program.contains("/") ? .path(FilePath(program)) : .name(program),
                arguments: ["codespace", "list", "--json", listFields, "--limit", "200"],
                input: .none,
                output: .bytes(limit: 4 << 20),
                error: .string(limit: 64 << 10)
            )
            (output, errors, status) = (result.standardOutput, result.standardError, result.terminationStatus)
        } catch let error as SubprocessError where error.code == .executableNotFound {
            throw .notInstalled
        } catch let error as SubprocessError where error.code == .outputLimitExceeded {
            throw .failed("it listed more than 4 MiB")
        } catch {
            throw .failed("\(error)")
        }
        guard status.isSuccess else {
            var code: Int32?
            if case .exited(let value) = status { code = value }
            throw Failure.classify(exitCode: code, stderr: errors)
        }
        return output
    }
}
