//! The real `openshell-operator` binary as a child process of a chaos run:
//! started on a kubeconfig and a queue database with its metrics on a free
//! loopback port, killed with SIGKILL (no shutdown code runs) or stopped with
//! SIGTERM, and its `/metrics` read for the work-queue depth.
import Foundation
import KubeClient

public final class OperatorChild: Sendable {
    private let process: Process
    public let metricsPort: Int
    public let logPath: String

    /// Starts the binary: no leader election, no probes, metrics on a free port.
    public init(binary: URL, kubeconfig: String, database: String, logPath: String, logLevel: String = "info",
                maxConcurrentReconciles: Int = 4) throws {
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = binary
        process.arguments = [
            "run", "--log-level", logLevel, "--kubeconfig", kubeconfig, "--database", database, "--no-leader-elect",
            "--metrics-bind-address", "127.0.0.1:\(port)", "--health-probe-bind-address", "0",
            "--max-concurrent-reconciles", String(maxConcurrentReconciles),
        ]
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        self.metricsPort = port
        self.logPath = logPath
    }

    public var isRunning: Bool { process.isRunning }

    /// SIGKILL, then waits for the exit: the queue database is left mid-write.
    public func kill() async {
        Foundation.kill(process.processIdentifier, SIGKILL)
        _ = await waitForExit()
    }

    /// SIGTERM, then waits; returns the exit status (0 for a clean stop).
    public func terminate() async -> Int32 {
        Foundation.kill(process.processIdentifier, SIGTERM)
        return await waitForExit()
    }

    /// Waits for the exit without blocking the cooperative pool.
    public func waitForExit() async -> Int32 {
        let process = self.process
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }
        }
    }

    /// `workqueue_depth` per controller from `/metrics`; nil when unreadable (not yet serving, or gone).
    public func queueDepths() async -> [String: Double]? {
        guard process.isRunning,
              let client = try? RESTClient(configuration: ClientConfiguration(server: "http://127.0.0.1:\(metricsPort)"), retryPolicy: .none),
              let response = try? await client.request(method: .get, path: "/metrics", accept: "text/plain", timeout: .seconds(5))
        else { return nil }
        return prometheusSeries("workqueue_depth", by: "name", in: String(decoding: response.body, as: UTF8.self))
    }

    deinit {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// The `openshell-operator` executable of this build: `$OPERATOR_BUILD_DIR`,
    /// else beside (or up to three folders above) the running binary.
    public static func locateBinary(_ name: String = "openshell-operator") throws -> URL {
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
            throw ChaosFailure("executable \(name) not found (build it first); looked in \(candidates.map(\.path))")
        }
        return found
    }
}

/// A loopback TCP port that was free a moment ago.
func freeLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw ChaosFailure("socket: errno \(errno)") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw ChaosFailure("bind: errno \(errno)") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    guard named == 0 else { throw ChaosFailure("getsockname: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
