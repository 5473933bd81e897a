//! OperatorTestSupport: the operator's integration-test cluster, shared by the
//! controller test targets — a TestServer with the simulated cluster running
//! and the CRDs installed, and the operator against it either in-process
//! (`withOperator`) or as the real `openshell-operator` binary, started,
//! SIGKILLed and restarted on one queue database (`OperatorCluster.start`).
//! Test-only; never linked into the shipped binaries.
import ClusterSimulators
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Logging
import OpenShellAPI
import Operator
import ProcessSupport
import TestSupport

extension TestServer {
    /// Installs Agent Sandbox's Sandbox CRD (`agents.x-k8s.io/v1beta1`, unless
    /// `agentSandbox` is false) and then every openshell.ai CRD, returning once
    /// each is Established and its resource served.
    public func installOperatorCRDs(agentSandbox: Bool = true) async throws {
        if agentSandbox { try await installAgentSandboxCRD() }
        for crd in OpenShellCRDs.all {
            let plural = crd.json["spec"]?[path: ["names", "plural"]]?.stringValue ?? ""
            try await installCRD(crd, resource: GroupVersionResource(group: OpenShellAPIGroup.group, version: OpenShellAPIGroup.version, resource: plural))
        }
    }

    /// Installs Agent Sandbox's Sandbox CRD and waits until it is served.
    public func installAgentSandboxCRD() async throws {
        try await installCRD(AgentSandboxCRD.definition, resource: GroupVersionResource(group: "agents.x-k8s.io", version: "v1beta1", resource: "sandboxes"))
    }
}

extension SimulatorOptions {
    /// The simulators as the in-process operator tests run them: pods Ready and
    /// stopped after 50 ms, failed simulator reconciles retried after 10 ms up
    /// to 300 ms; pods with one of `brokenImages` never start.
    public static func fast(brokenImages: Set<String> = []) -> SimulatorOptions {
        var options = SimulatorOptions()
        options.podReadyDelay = .milliseconds(50)
        options.podStopDelay = .milliseconds(50)
        options.retryInitialDelay = .milliseconds(10)
        options.retryMaximumDelay = .milliseconds(300)
        options.brokenImages = brokenImages
        return options
    }
}

/// A running test cluster: the server, a scratch directory holding the
/// operator's kubeconfig, queue database and logs, and a logger at `.error`.
public struct OperatorCluster: Sendable {
    public let test: TestServer
    /// Removed when the cluster stops.
    public let directory: URL
    /// A kubeconfig for the server as `admin` in `system:masters`.
    public let kubeconfig: String
    public let logger: Logger
    public var client: RESTClient { test.client }
    /// The operator's queue database; every run (in-process or binary) uses this one.
    public var databasePath: String { directory.appendingPathComponent("queue.db").path }

    /// Starts run number `run` of the `openshell-operator` binary on the
    /// kubeconfig and queue database, without leader election, metrics or
    /// probes; it logs at `logLevel` to `operator-<run>.log` in `directory`.
    public func start(_ run: Int, logLevel: String = "debug") throws -> ChildProcess {
        try ChildProcess(
            executable: "openshell-operator",
            arguments: [
                "run", "--log-level", logLevel, "--kubeconfig", kubeconfig, "--database", databasePath,
                "--no-leader-elect", "--metrics-bind-address", "0", "--health-probe-bind-address", "0",
            ],
            logPath: logPath(run))
    }

    /// SIGKILL, then waits for the exit: no shutdown code runs, the queue database is left as it was.
    public func kill(_ process: ChildProcess) async {
        process.signal(SIGKILL)
        await process.waitForExit()
    }

    /// What operator run `run` has logged so far.
    public func log(_ run: Int) -> String {
        (try? String(contentsOfFile: logPath(run), encoding: .utf8)) ?? ""
    }

    /// For a failure report: each operator log in `directory` (by name) with
    /// the last `lines` of its lines that satisfy `include`.
    public func logTails(lines: Int, where include: (Substring) -> Bool = { _ in true }) -> String {
        let logs = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.filter { $0.hasSuffix(".log") }.sorted() ?? []
        var report = ""
        for log in logs {
            let text = (try? String(contentsOf: directory.appendingPathComponent(log), encoding: .utf8)) ?? ""
            report += "\(log):\n" + text.split(separator: "\n").filter(include).suffix(lines).joined(separator: "\n") + "\n"
        }
        return report
    }

    private func logPath(_ run: Int) -> String {
        directory.appendingPathComponent("operator-\(run).log").path
    }
}

/// Runs `body` against a fresh cluster with no operator running, then stops it.
///
/// In order: a TestServer with `serverOptions`; the CRDs
/// (`installOperatorCRDs(agentSandbox:)`); `prepare` (more CRDs, say); the
/// `namespaces`; a kubeconfig in a new scratch directory. The simulators
/// (`ClusterSimulators.services` with `simulatorOptions`) run while `body`
/// runs and are cancelled when it returns or throws; the directory is then
/// removed. `label` names the logger and the directory.
public func withOperatorCluster<T: Sendable>(
    serverOptions: APIServerOptions = APIServerOptions(),
    simulatorOptions: SimulatorOptions = .fast(),
    agentSandbox: Bool = true,
    namespaces: [String],
    label: String = "operator-tests",
    prepare: @Sendable (TestServer) async throws -> Void = { _ in },
    _ body: @Sendable (OperatorCluster) async throws -> T
) async throws -> T {
    try await TestServer.with(options: serverOptions) { test in
        var logger = Logger(label: label)
        logger.logLevel = .error
        let simulators = ClusterSimulators.services(core: test.server.core, faults: test.server.faults, options: simulatorOptions, logger: logger)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await test.installOperatorCRDs(agentSandbox: agentSandbox)
        try await prepare(test)
        for namespace in namespaces { _ = try await test.namespace(namespace) }
        let cluster = OperatorCluster(test: test, directory: directory, kubeconfig: try test.writeKubeconfig(in: directory), logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for service in simulators { group.addTask { try await service.run() } }
            defer { group.cancelAll() }
            return try await body(cluster)
        }
    }
}

/// Runs `body` against a fresh cluster (`withOperatorCluster`, same
/// parameters) with an `OperatorProcess` running the controllers of `setups`
/// in-process: on the cluster's kubeconfig and queue database, without
/// leader election, metrics or probes. The operator starts after the CRDs and
/// namespaces exist, alongside `body`, and is cancelled when `body` returns or throws.
public func withOperator<T: Sendable>(
    setups: [any ControllerSetup],
    serverOptions: APIServerOptions = APIServerOptions(),
    simulatorOptions: SimulatorOptions = .fast(),
    agentSandbox: Bool = true,
    namespaces: [String],
    label: String = "operator-tests",
    prepare: @Sendable (TestServer) async throws -> Void = { _ in },
    _ body: @Sendable (TestServer) async throws -> T
) async throws -> T {
    try await withOperatorCluster(
        serverOptions: serverOptions, simulatorOptions: simulatorOptions, agentSandbox: agentSandbox, namespaces: namespaces,
        label: label, prepare: prepare
    ) { cluster in
        let configuration = OperatorConfiguration(
            kubeconfig: cluster.kubeconfig, databasePath: cluster.databasePath, metricsAddress: nil, probeAddress: nil, leaderElection: nil)
        let process = OperatorProcess(configuration: configuration, setups: setups, logger: cluster.logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await process.run() }
            defer { group.cancelAll() }
            return try await body(cluster.test)
        }
    }
}
