import Foundation
import Testing
@testable import GhNetLocal

/// The nameservers of a resolv.conf, read again only when the file changed.
@Suite struct NameserverFileTests {
    @Test func readsAgainOnlyWhenTheFileChanged() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ghnet-resolv-\(UUID().uuidString)").path
        defer { unlink(path) }
        let file = NameserverFile(path: path)
        #expect(file.nameservers == [], "no file, no nameservers")
        try "nameserver 198.18.1.2\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(file.nameservers == ["198.18.1.2"])
        // Unchanged as far as stat tells (same inode, size and time): not read again.
        var before = stat()
        #expect(stat(path, &before) == 0)
        try "nameserver 198.18.1.9\n".write(toFile: path, atomically: false, encoding: .utf8)
        var kept = [before.st_mtim, before.st_mtim]
        #expect(utimensat(AT_FDCWD, path, &kept, 0) == 0)
        #expect(file.nameservers == ["198.18.1.2"], "the parsed list is kept while the file looks the same")
        // Same size, written in place: the modification time tells.
        try "nameserver 198.18.1.3\n".write(toFile: path, atomically: false, encoding: .utf8)
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        #expect(file.nameservers == ["198.18.1.3"])
        // Replaced by another file (a VPN client's rename): the inode tells, even with the same time.
        let next = path + ".new"
        try "nameserver 198.18.1.4\n".write(toFile: next, atomically: false, encoding: .utf8)
        #expect(utimensat(AT_FDCWD, next, &times, 0) == 0)
        #expect(rename(next, path) == 0)
        #expect(file.nameservers == ["198.18.1.4"])
        unlink(path)
        #expect(file.nameservers == [])
    }
}
