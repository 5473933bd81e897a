//! ProcessSupport: runs the project's own executables (built next to the test
//! bundle or the running harness) as child processes, so tests and the chaos
//! harness can kill them with real signals and restart them; and finds a free
//! loopback port for one to listen on. Free of the Testing library, so
//! non-test targets (ChaosSupport) can use it; TestSupport re-exports it.
import Foundation

/// A child process could not be started, or a port could not be found.
public struct ChildProcessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A running executable of this package.
public final class ChildProcess: Sendable {
    private let process: Process
    /// Where the child's stdout and stderr go (one file, for failure reports).
    public let logPath: String

    /// Starts `.build/<config>/<name>` with `arguments`; output goes to `logPath`.
    public convenience init(executable name: String, arguments: [String], logPath: String) throws {
        try self.init(executableURL: try Self.builtExecutable(name), arguments: arguments, logPath: logPath)
    }

    /// Starts the executable at `executableURL` with `arguments`; output goes to `logPath`.
    public init(executableURL: URL, arguments: [String], logPath: String) throws {
        let process = Process()
        process.executableURL = executableURL
        process.arguments = arguments
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        self.logPath = logPath
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Sends `signal` (e.g. `SIGKILL`, `SIGTERM`).
    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the child to exit and returns its status, without blocking
    /// the cooperative thread pool.
    @discardableResult
    public func waitForExit() async -> Int32 {
        let process = self.process
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }
        }
    }

    /// What the child printed so far.
    public var output: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// The executable `name` from this package's build directory: `$OPERATOR_BUILD_DIR`,
    /// else beside (or up to three folders above) the running binary.
    public static func builtExecutable(_ name: String) throws -> URL {
        var candidates: [URL] = []
        if let directory = ProcessInfo.processInfo.environment["OPERATOR_BUILD_DIR"] {
            candidates.append(URL(fileURLWithPath: directory).appendingPathComponent(name))
        }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent(name))
            directory = directory.deletingLastPathComponent()
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw ChildProcessError("executable \(name) not found (build it first); looked in \(candidates.map(\.path))")
        }
        return found
    }
}

/// A loopback TCP port that was free a moment ago, for a child process to listen on.
public func freeTCPPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw ChildProcessError("socket: errno \(errno)") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw ChildProcessError("bind: errno \(errno)") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    guard named == 0 else { throw ChildProcessError("getsockname: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
