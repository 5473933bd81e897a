//! OperatorCluster: a local API server with the simulators (Agent Sandbox
//! controller, StatefulSet controller, kubelet, garbage collector) and every
//! CRD, and the real `openshell-operator` binary started against it — with a
//! metrics listener, a chosen log format and level, and a chosen queue
//! database — for the tests that judge the process from outside: its output,
//! its files, its metrics and what the server holds.
import ClusterSimulators
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Logging
import OpenShellAPI
import SandboxController
import Testing
import TestSupport

/// One operator process started by `OperatorCluster.start`.
struct OperatorRun: Sendable {
    let child: ChildProcess
    let metricsPort: Int
    let logPath: String

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The `/metrics` text.
    func metrics() async throws -> String {
        let client = try RESTClient(configuration: ClientConfiguration(server: "http://127.0.0.1:\(metricsPort)"))
        let response = try await client.request(method: .get, path: "/metrics", accept: "text/plain")
        return String(decoding: response.body, as: UTF8.self)
    }

    /// The sum of every series of `name` whose labels contain `labels` (e.g. `reason="corrupt"`).
    func metric(_ name: String, labels: String = "") async throws -> Double {
        try await Self.sum(try metrics(), name, labels: labels)
    }

    static func sum(_ text: String, _ name: String, labels: String = "") -> Double {
        text.split(separator: "\n").reduce(0) { total, line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                return total
            }
            let series = line[..<space]
            let metricName = series.firstIndex(of: "{").map { series[..<$0] } ?? series
            guard metricName == name, labels.isEmpty || series.contains(labels) else { return total }
            return total + value
        }
    }

    /// SIGTERM, and the exit status.
    @discardableResult
    func stop() async -> Int32 {
        child.signal(SIGTERM)
        return await child.waitForExit()
    }

    /// Waits until the process has logged nothing for `quiet` (at debug level
    /// and below it logs every reconcile): the work the last changes caused is done.
    func waitUntilIdle(quiet: Duration = .seconds(2), timeout: Duration = .seconds(40)) async throws {
        var last = log.utf8.count
        var stillSince = ContinuousClock.now
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now - stillSince < quiet {
            guard ContinuousClock.now < deadline else { throw TestFailure("the operator never went quiet") }
            try await Task.sleep(for: .milliseconds(200))
            let size = log.utf8.count
            if size != last { last = size; stillSince = ContinuousClock.now }
        }
    }
}

struct OperatorCluster: Sendable {
    let test: TestServer
    let directory: URL
    let kubeconfig: String
    var client: RESTClient { test.client }

    static let sandboxNamespace = "team-a"

    /// Starts the operator; its log is `<name>.log` in the cluster's directory.
    func start(
        name: String, database: String, logFormat: String = "logfmt", logLevel: String = "debug"
    ) throws -> OperatorRun {
        let port = try freeTCPPort()
        let logPath = directory.appendingPathComponent("\(name).log").path
        let child = try ChildProcess(
            executable: "openshell-operator",
            arguments: [
                "run", "--log-level", logLevel, "--log-format", logFormat, "--kubeconfig", kubeconfig, "--database", database,
                "--no-leader-elect", "--metrics-bind-address", "127.0.0.1:\(port)", "--health-probe-bind-address", "0",
            ],
            logPath: logPath)
        let run = OperatorRun(child: child, metricsPort: port, logPath: logPath)
        return run
    }

    /// Waits until `run` serves `/metrics` (it is up and its controllers are assembled).
    func waitUntilServing(_ run: OperatorRun) async throws {
        try await eventually(timeout: .seconds(20)) { (try? await run.metrics()) != nil }
    }

    // MARK: Objects

    func createSecret(_ name: String, namespace: String, data: [String: String]) async throws {
        let encoded = JSONObject(uniqueKeysWithValues: data.map { ($0.key, JSONValue.string(Data($0.value.utf8).base64EncodedString())) })
        _ = try await client.create(SandboxResources.secrets, namespace: namespace, KubeObject([
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "type": "Opaque", "data": .object(encoded),
        ]))
    }

    @discardableResult
    func createSandbox(_ name: String, spec: JSONObject = [:]) async throws -> KubeObject {
        try await client.create(OpenShellAPIGroup.sandboxes, namespace: Self.sandboxNamespace, KubeObject([
            "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox",
            "metadata": ["name": .string(name), "namespace": .string(Self.sandboxNamespace)], "spec": .object(spec),
        ]))
    }

    func sandbox(_ name: String) async -> KubeObject? {
        try? await client.get(OpenShellAPIGroup.sandboxes, namespace: Self.sandboxNamespace, name: name)
    }

    /// Whether the sandbox is Ready at its current generation.
    func isReady(_ name: String) async -> Bool {
        guard let owner = await sandbox(name) else { return false }
        return owner.status?["phase"]?.stringValue == "Ready"
            && owner.status?["observedGeneration"]?.intValue == owner.generation
    }

    func agentSandbox(_ name: String) async -> KubeObject? {
        try? await client.get(SandboxResources.agentSandboxes, namespace: Self.sandboxNamespace, name: name)
    }

    /// Every object the server holds, Secrets excepted, as JSON text with where it came from.
    func everyObjectButSecrets() -> [(source: String, text: String)] {
        let core = test.server.core
        let resources = Set(core.registry.all.map(\.storageResource)).filter { $0 != GroupResource(group: "", resource: "secrets") }
        return resources.sorted { "\($0)" < "\($1)" }.flatMap { resource in
            core.store.list(resource).items.map { key, object in
                ("\(resource) \(key)", String(decoding: JSONValue.object(object.json).serialized(), as: UTF8.self))
            }
        }
    }

    /// Every Secret the server holds, as JSON text.
    func secretsText() -> String {
        test.server.core.store.list(GroupResource(group: "", resource: "secrets")).items
            .map { String(decoding: JSONValue.object($0.1.json).serialized(), as: UTF8.self) }.joined(separator: "\n")
    }

    /// `Created` Events per regarding name in the sandbox namespace.
    func createdEvents() async throws -> [String: Int] {
        let events = try await client.list(
            GroupVersionResource(group: "events.k8s.io", version: "v1", resource: "events"), namespace: Self.sandboxNamespace).items
        var counts: [String: Int] = [:]
        for event in events where event.json["reason"] == "Created" {
            counts[event.json["regarding"]?["name"]?.stringValue ?? "", default: 0] += 1
        }
        return counts
    }

    /// Runs `body` against a fresh cluster with `namespaces` created.
    static func with(namespaces: [String], _ body: @Sendable (OperatorCluster) async throws -> Void) async throws {
        try await TestServer.with { test in
            var options = SimulatorOptions()
            options.podReadyDelay = .milliseconds(50)
            options.podStopDelay = .milliseconds(50)
            var logger = Logger(label: "operator-safety-tests")
            logger.logLevel = .error
            let simulators = ClusterSimulators.services(core: test.server.core, faults: test.server.faults, options: options, logger: logger)
            try await test.installCRD(AgentSandboxCRD.definition, resource: SandboxResources.agentSandboxes)
            for crd in OpenShellCRDs.all {
                let plural = crd.json["spec"]?[path: ["names", "plural"]]?.stringValue ?? ""
                try await test.installCRD(
                    crd, resource: GroupVersionResource(group: OpenShellAPIGroup.group, version: OpenShellAPIGroup.version, resource: plural))
            }
            for namespace in namespaces { _ = try await test.namespace(namespace) }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("oss-safety-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let cluster = OperatorCluster(test: test, directory: directory, kubeconfig: try test.writeKubeconfig(in: directory))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for service in simulators { group.addTask { try await service.run() } }
                defer { group.cancelAll() }
                try await body(cluster)
            }
        }
    }
}
