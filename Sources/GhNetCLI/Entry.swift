import ArgumentParser
import Foundation

/// Runs the command line: parses it, runs the chosen command and turns failures into one
/// clear line on stderr and an exit code — 2 for a bad argument, 1 for a failure at run time.
public enum Entry {
    public static func main(_ arguments: [String]) async -> Never {
        do {
            var command = try GhNetCommand.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch let failure as Failure {
            printError("gh-net: \(failure.message)")
            exit(failure.exitCode)
        } catch {
            // Help, version and argument errors may come from parsing or from running a
            // built-in command; ArgumentParser says which by the exit code it would use.
            switch GhNetCommand.exitCode(for: error) {
            case .success:
                print(GhNetCommand.fullMessage(for: error))
                exit(0)
            case .validationFailure:
                let message = GhNetCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                printError("gh-net: \(message) (see 'gh-net --help')")
                exit(2)
            case let code:
                let message = GhNetCommand.message(for: error)
                printError("gh-net: \(message.isEmpty ? "\(error)" : message)")
                exit(code.rawValue == 0 ? 1 : code.rawValue)
            }
        }
    }

    private static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// A run-time failure with the one line the user sees and the exit code.
public struct Failure: Error, CustomStringConvertible {
    /// The sentence printed after `gh-net: `.
    public let message: String
    /// The process exit code (non-zero).
    public let exitCode: Int32

    public init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }
}
