//! The real `openshell-operator` binary as a child process of a chaos run:
//! started on a kubeconfig and a queue database with its metrics on a free
//! loopback port, killed with SIGKILL (no shutdown code runs) or stopped with
//! SIGTERM, and its `/metrics` read for the work-queue depth. The process
//! itself is ProcessSupport's `ChildProcess` (killed on deinit if still running).
import Foundation
import KubeClient
import ProcessSupport

public final class OperatorChild: Sendable {
    private let child: ChildProcess
    public let metricsPort: Int
    public var logPath: String { child.logPath }

    /// Starts the binary: no leader election, no probes, metrics on a free port.
    public init(binary: URL, kubeconfig: String, database: String, logPath: String, logLevel: String = "info",
                maxConcurrentReconciles: Int = 4) throws {
        let port = try freeTCPPort()
        child = try ChildProcess(executableURL: binary, arguments: [
            "run", "--log-level", logLevel, "--kubeconfig", kubeconfig, "--database", database, "--no-leader-elect",
            "--metrics-bind-address", "127.0.0.1:\(port)", "--health-probe-bind-address", "0",
            "--max-concurrent-reconciles", String(maxConcurrentReconciles),
        ], logPath: logPath)
        self.metricsPort = port
    }

    public var isRunning: Bool { child.isRunning }

    /// SIGKILL, then waits for the exit: the queue database is left mid-write.
    public func kill() async {
        child.signal(SIGKILL)
        await child.waitForExit()
    }

    /// SIGTERM, then waits; returns the exit status (0 for a clean stop).
    public func terminate() async -> Int32 {
        child.signal(SIGTERM)
        return await child.waitForExit()
    }

    /// Waits for the exit without blocking the cooperative pool.
    public func waitForExit() async -> Int32 {
        await child.waitForExit()
    }

    /// `workqueue_depth` per controller from `/metrics`; nil when unreadable (not yet serving, or gone).
    public func queueDepths() async -> [String: Double]? {
        guard child.isRunning,
              let client = try? RESTClient(configuration: ClientConfiguration(server: "http://127.0.0.1:\(metricsPort)"), retryPolicy: .none),
              let response = try? await client.request(method: .get, path: "/metrics", accept: "text/plain", timeout: .seconds(5))
        else { return nil }
        return prometheusSeries("workqueue_depth", by: "name", in: String(decoding: response.body, as: UTF8.self))
    }

    /// The `openshell-operator` executable of this build: `$OPERATOR_BUILD_DIR`,
    /// else beside (or up to three folders above) the running binary.
    public static func locateBinary(_ name: String = "openshell-operator") throws -> URL {
        try ChildProcess.builtExecutable(name)
    }
}
