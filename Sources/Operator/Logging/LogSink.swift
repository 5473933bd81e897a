//! LogSink: where formatted log lines go — standard error by default, one
//! whole line per write under a lock so concurrent records never interleave.
import Foundation
import Synchronization

/// A destination for complete log lines. `write` receives one line without
/// its trailing newline and must write it atomically with respect to other
/// writes to the same sink.
public protocol LogSink: Sendable {
    func write(line: String)
}

/// Writes lines to a file handle (standard error by default), each line and
/// its newline in one locked write.
public final class FileHandleLogSink: LogSink {
    /// Standard error, the operator's default log destination.
    public static let standardError = FileHandleLogSink(FileHandle.standardError)

    private let handle: Mutex<FileHandle>

    public init(_ handle: FileHandle) {
        self.handle = Mutex(handle)
    }

    public func write(line: String) {
        let data = Data((line + "\n").utf8)
        handle.withLock { handle in
            // A failed log write has nowhere better to be reported; drop it.
            try? handle.write(contentsOf: data)
        }
    }
}
