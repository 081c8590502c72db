import Foundation
import GhNetDNS
import Synchronization

/// The nameservers of this machine's resolv.conf, read again only when the file changed (its
/// inode, size or modification time, as glibc's resolver checks it): a lookup costs one
/// `stat` instead of reading and parsing the file. A file that cannot be read gives no
/// nameservers.
final class NameserverFile: Sendable {
    /// What identifies one version of the file.
    private struct Version: Equatable {
        var inode: UInt64
        var size: Int64
        var modified: timespec

        static func == (a: Version, b: Version) -> Bool {
            a.inode == b.inode && a.size == b.size && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
        }
    }

    let path: String
    private let cached = Mutex<(version: Version, nameservers: [String])?>(nil)

    init(path: String) { self.path = path }

    /// The `nameserver` addresses in order, as written.
    var nameservers: [String] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        let version = Version(inode: UInt64(info.st_ino), size: Int64(info.st_size), modified: info.st_mtim)
        if let known = cached.withLock({ $0 }), known.version == version { return known.nameservers }
        let nameservers = ResolvConf(bytes: FileManager.default.contents(atPath: path).map { Array($0) } ?? []).nameservers
        cached.withLock { $0 = (version, nameservers) }
        return nameservers
    }
}
