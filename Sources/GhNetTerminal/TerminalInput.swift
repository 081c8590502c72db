import Dispatch
import Foundation
import Synchronization

/// What the terminal tells a full-screen view: bytes typed, a pause after them (so a lone ESC
/// can be told from the start of an arrow key's sequence), and a change of size (SIGWINCH).
///
/// Standard input is read on a thread of its own with `poll` (100 ms at a time, so ``stop()``
/// ends it promptly); events wait in a stream that keeps the newest 256 when the view falls behind.
/// The stream ends with ``stop()`` or when standard input does (the terminal went away).
/// (`@unchecked Sendable`: the signal source is set up in `init` and only cancelled after.)
public final class TerminalInput: @unchecked Sendable {
    /// One thing that happened at the terminal.
    public enum Event: Sendable, Equatable {
        /// Bytes typed (keys, possibly several, possibly half an escape sequence).
        case bytes([UInt8])
        /// No byte came for a moment after the last ones.
        case pause
        /// The terminal changed size.
        case resized
    }

    /// The events, in order.
    public let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let stopped = Atomic<Bool>(false)
    private let resize: any DispatchSourceSignal

    /// Starts reading standard input and watching for SIGWINCH.
    public init() {
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(256))
        let continuation = self.continuation
        resize = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: .global())
        resize.setEventHandler { continuation.yield(.resized) }
        resize.resume()
        let thread = Thread { [self] in
            var pending = false
            var buffer = [UInt8](repeating: 0, count: 256)
            while !self.stopped.load(ordering: .relaxed) {
                var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
                let ready = poll(&descriptor, 1, pending ? 30 : 100)
                if ready < 0 && errno == EINTR { continue }
                if ready <= 0 {
                    if pending { continuation.yield(.pause) }
                    pending = false
                    continue
                }
                let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress!, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else {
                    // End of input or an error: the terminal is gone, and so are the events.
                    continuation.finish()
                    break
                }
                continuation.yield(.bytes(Array(buffer[0..<count])))
                pending = true
            }
        }
        thread.name = "gh-net terminal input"
        thread.start()
    }

    /// Stops reading (within 100 ms) and ends the stream.
    public func stop() {
        stopped.store(true, ordering: .relaxed)
        resize.cancel()
        continuation.finish()
    }
}
