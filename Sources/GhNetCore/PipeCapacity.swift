import Foundation

/// Bigger pipes for the byte stream: a pipe holds 64 KiB by default, so a bulk transfer costs a
/// wake-up of the reader (ssh, sshd or us) for every 64 KiB. One MiB — what Linux lets any
/// user ask for (`/proc/sys/fs/pipe-max-size`) — makes the writes and reads larger and fewer.
public enum PipeCapacity {
    /// The size asked for.
    public static let preferred: Int32 = 1 << 20

    /// Asks the kernel to let the pipe behind `fd` hold ``preferred`` bytes; anything that is not
    /// a pipe, or a refusal, leaves it as it was.
    public static func enlarge(_ fd: Int32) {
        _ = fcntl(fd, setPipeSize, preferred)
    }

    /// `F_SETPIPE_SZ` from <fcntl.h> (Linux; hidden from Swift behind `_GNU_SOURCE`).
    private static let setPipeSize: Int32 = 1024 + 7
}
