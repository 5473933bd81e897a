//! The outside world configuration loading reads: environment variables,
//! files and the home directory, behind one injectable value so loading is
//! unit-testable without touching the real file system.
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that could not be read, worded as Go's `os.ReadFile` words it
/// (`open /x/ca.crt: no such file or directory`), since kubeconfig errors
/// elsewhere in the Kubernetes ecosystem read that way.
public struct FileReadError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    /// The reason, e.g. `no such file or directory`.
    public var reason: String
    /// Whether the file does not exist (as opposed to being unreadable).
    public var isNotFound: Bool

    public init(path: String, reason: String, isNotFound: Bool = false) {
        self.path = path
        self.reason = reason
        self.isNotFound = isNotFound
    }

    public var description: String { "open \(path): \(reason)" }
}

/// Environment variables, file reads and the home directory used while
/// loading a client configuration.
public struct ConfigEnvironment: Sendable {
    /// Environment variables (`KUBECONFIG`, `KUBERNETES_SERVICE_HOST`, ...).
    public var variables: [String: String]
    /// Reads a whole file; throws `FileReadError`.
    public var readFile: @Sendable (String) throws -> Data
    /// The user's home directory, for `~/.kube/config`; `nil` when unknown.
    public var homeDirectory: String?

    public init(
        variables: [String: String], homeDirectory: String?,
        readFile: @escaping @Sendable (String) throws -> Data
    ) {
        self.variables = variables
        self.homeDirectory = homeDirectory
        self.readFile = readFile
    }

    /// The real process: `ProcessInfo` environment, `$HOME` (or the
    /// password database's home) and the file system.
    public static var process: ConfigEnvironment {
        let variables = ProcessInfo.processInfo.environment
        let home = variables["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return ConfigEnvironment(variables: variables, homeDirectory: home, readFile: ConfigEnvironment.readFileFromDisk)
    }

    /// Reads a file with POSIX calls so failures carry `errno`'s reason.
    @Sendable public static func readFileFromDisk(_ path: String) throws -> Data {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileReadError(path: path, errno: errno) }
        defer { close(descriptor) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return data }
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                throw FileReadError(path: path, reason: "read: \(FileReadError.reason(errno: code))")
            }
            data.append(contentsOf: buffer[0..<count])
        }
    }
}

extension FileReadError {
    init(path: String, errno code: Int32) {
        self.init(path: path, reason: Self.reason(errno: code), isNotFound: code == ENOENT)
    }

    /// `strerror` text with a lower-case first letter, as Go prints errno values.
    static func reason(errno code: Int32) -> String {
        let text = String(cString: strerror(code))
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
