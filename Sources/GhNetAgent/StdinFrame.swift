import Foundation
import GhNetWire
import NIOCore

/// The first frame on the agent's stdin, read before anything else happens: the local side's
/// hello, which says whether an agent already running holds its session (then this process
/// hands its transport over instead of starting one of its own).
enum StdinFrame {
    /// Why the first frame could not be read.
    enum ReadError: Error, CustomStringConvertible {
        /// The stream ended after this many bytes.
        case ended(after: Int)
        /// The length prefix announces more than a hello ever needs.
        case tooLong(Int)
        /// read(2) failed.
        case failed(errno: Int32)

        var description: String {
            switch self {
            case .ended(let count): "the local side closed the link after \(count) bytes, before its hello"
            case .tooLong(let length): "the first frame announces \(length) bytes, more than a hello"
            case .failed(let code): "reading stdin: \(String(cString: strerror(code)))"
            }
        }
    }

    /// The most a hello frame may take (its length prefix's value).
    static let maximumLength = 64 * 1024

    /// Reads exactly one frame (its length prefix, kind and body) from `descriptor`, blocking.
    static func readOne(from descriptor: Int32 = STDIN_FILENO) throws(ReadError) -> [UInt8] {
        let prefix = try read(4, from: descriptor, after: 0)
        let length = prefix.reduce(0) { $0 << 8 | Int($1) }
        guard length <= maximumLength else { throw .tooLong(length) }
        return prefix + (try read(length, from: descriptor, after: 4))
    }

    /// The hello in `bytes`, if they are one whole hello frame.
    static func hello(in bytes: [UInt8]) -> Hello? {
        var buffer = ByteBuffer(bytes: bytes)
        var decoder = FrameDecoder()
        guard case .hello(let hello)? = try? decoder.decode(buffer: &buffer), buffer.readableBytes == 0 else { return nil }
        return hello
    }

    private static func read(_ count: Int, from descriptor: Int32, after already: Int) throws(ReadError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + filled, count - filled) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .failed(errno: errno)
            }
            guard got > 0 else { throw .ended(after: already + filled) }
            filled += got
        }
        return bytes
    }
}
