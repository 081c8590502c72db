import GhNetCore
import GhNetLocal
import GhNetTerminal
import GhNetUI
import Logging

/// Which codespace to bridge when none was named: the user picks one from the list `gh` gives
/// (full-screen, on a terminal), or, without a terminal, the only one there is.
enum CodespaceSelection {
    /// The chosen codespace's name, or nil when the user quit the list.
    static func choose(interactive: Bool, stop: StopSignals, logger: Logger) async throws -> String? {
        let json: [UInt8]
        do {
            json = try await GitHubCLI.listCodespaces()
        } catch {
            throw Failure(error.description)
        }
        let codespaces: [Codespace]
        do {
            codespaces = try CodespaceList.parse(json)
        } catch {
            throw Failure(error.description)
        }
        guard !codespaces.isEmpty else {
            throw Failure("you have no codespaces: create one with 'gh codespace create', or bridge any host with --ssh")
        }
        guard interactive else {
            guard codespaces.count == 1 else {
                let names = codespaces.prefix(10).map(\.name).joined(separator: ", ")
                throw Failure("you have \(codespaces.count) codespaces; name one with -c NAME (\(names))", exitCode: 2)
            }
            logger.info("bridging your only codespace, \(codespaces[0].name)")
            return codespaces[0].name
        }
        do {
            return try await CodespaceChooser(terminal: Terminal()).choose(from: codespaces, stop: stop)?.name
        } catch {
            throw Failure("\(error)")
        }
    }
}
