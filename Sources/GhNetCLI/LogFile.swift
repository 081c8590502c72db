import Foundation

/// Where the log goes while the full-screen view owns the terminal and no `--trace-dest` was
/// given: `$XDG_STATE_HOME/gh-net/gh-net.log` (default `~/.local/state/gh-net/gh-net.log`),
/// emptied at each start; `/tmp/gh-net-UID.log` when that folder cannot be made.
enum LogFile {
    static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["HOME"].map { "\($0)/.local/state" }
        if let state {
            let folder = "\(state)/gh-net"
            if (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil {
                return "\(folder)/gh-net.log"
            }
        }
        return "/tmp/gh-net-\(getuid()).log"
    }
}
