//! `operator-bench sandboxes`: N sandboxes created → Ready through the
//! operator (the sandbox controllers in-process, assembled by
//! `OperatorProcess` as the operator binary does) against the same N Agent
//! Sandbox `Sandbox` objects created directly by a raw client, on one local
//! API server with the simulated cluster, in one run; and the API writes the
//! operator makes per sandbox (create → Ready, delete), while idle, and in an
//! idle resync (the start-up sweep), attributed through the server's request log.
import ArgumentParser
import BenchSupport
import ClusterSimulators
import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import LocalAPIServer
import Logging
import OpenShellAPI
import Operator
import Prometheus
import SandboxController

struct SandboxBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandboxes",
        abstract: "N sandboxes to Ready through the operator versus a raw client; the operator's API writes per sandbox and in an idle resync.")

    @Option(help: "Sandboxes created (raw, then through the operator).")
    var count = 1000

    @Option(help: "Creates and deletes the benchmark sends at once (both runs).")
    var concurrency = 16

    @Option(help: "The operator's reconciles at once (its --max-concurrent-reconciles; the binary's default is 4).")
    var maxConcurrentReconciles = 4

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be positive") }
        guard maxConcurrentReconciles > 0 else { throw ValidationError("--max-concurrent-reconciles must be positive") }
    }

    static let operatorUser = "openshell-operator"
    static let rawNamespace = "bench-raw"
    static let operatorNamespace = "bench-operator"
    /// Generous: the figures are minutes at most on two cores.
    static let timeout: Duration = .seconds(1800)

    func run() async throws {
        let logger = benchLogger()
        let count = count, concurrency = concurrency, maxConcurrentReconciles = maxConcurrentReconciles
        try await withScratchDirectory { directory in
            try await BenchServer.with(maxIdleConnections: max(64, concurrency), logger: logger) { bench in
                var options = SimulatorOptions()
                options.podReadyDelay = .zero
                options.podStopDelay = .zero
                options.retryInitialDelay = .milliseconds(10)
                options.retryMaximumDelay = .milliseconds(300)
                let simulators = ClusterSimulators.services(
                    core: bench.server.core, faults: bench.server.faults, options: options, logger: logger)
                try await installBenchCRDs(bench)
                for namespace in [Self.rawNamespace, Self.operatorNamespace] {
                    _ = try await bench.client.create(Namespace.resource, KubeObject([
                        "apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)],
                    ]))
                }
                // The benchmark's own view of both kinds, through the admin client (not counted).
                let rawView = Informer(
                    client: bench.client,
                    configuration: InformerConfiguration(resource: SandboxResources.agentSandboxes, namespace: Self.rawNamespace),
                    logger: logger)
                let operatorView = Informer(
                    client: bench.client,
                    configuration: InformerConfiguration(resource: OpenShellAPIGroup.sandboxes, namespace: Self.operatorNamespace),
                    logger: logger)
                let operatorSpec = OperatorSpec(
                    kubeconfig: try bench.writeKubeconfig(in: directory, user: Self.operatorUser),
                    database: directory.appendingPathComponent("queue.db").path, maxConcurrentReconciles: maxConcurrentReconciles,
                    logger: logger)

                try await withThrowingTaskGroup(of: Void.self) { group in
                    for service in simulators { group.addTask { try await service.run() } }
                    group.addTask { try await rawView.run() }
                    group.addTask { try await operatorView.run() }
                    defer { group.cancelAll() }
                    try await rawView.waitUntilSynced()
                    try await operatorView.waitUntilSynced()

                    report("Sandboxes: \(count) created → Ready, raw client versus operator (\(concurrency) writes in flight, "
                        + "\(maxConcurrentReconciles) reconciles at once, pod ready delay 0)")
                    let raw = try await rawRun(bench, view: rawView, count: count, concurrency: concurrency)
                    try await operatorRun(
                        bench, view: operatorView, spec: operatorSpec, count: count, concurrency: concurrency, raw: raw)
                }
            }
        }
    }

    // MARK: Raw client

    /// Create and delete times of N Sandboxes written directly.
    struct RawFigures {
        var ready: Double
        var gone: Double
    }

    private func rawRun(_ bench: BenchServer, view: Informer, count: Int, concurrency: Int) async throws -> RawFigures {
        let ready = try await timed {
            try await createObjects(bench.client, SandboxResources.agentSandboxes, namespace: Self.rawNamespace, count: count, concurrency: concurrency) { index in
                Self.rawSandbox(name: "raw-\(index)")
            }
            try await poll {
                view.cache.list().count(where: { $0.conditions[type: "Ready"]?.isTrue == true }) == count
            }
        }
        report(reportRow("raw: create → all Ready", Self.timeAndRate(ready, count), goal: "-"))
        let gone = try await timed {
            try await deleteObjects(bench.client, SandboxResources.agentSandboxes, namespace: Self.rawNamespace, count: count, concurrency: concurrency) { "raw-\($0)" }
            try await poll { view.cache.count == 0 }
        }
        report(reportRow("raw: delete → all gone", Self.timeAndRate(gone, count), goal: "-"))
        // Start the operator's run on a quiet cluster: the pods go too.
        try await poll(every: .milliseconds(250)) {
            try await bench.client.list(SandboxResources.pods, namespace: Self.rawNamespace).items.isEmpty
        }
        return RawFigures(ready: ready, gone: gone)
    }

    /// The Sandbox the operator renders for a spec-less OpenShellSandbox,
    /// without the owner reference (its owner does not exist here: the
    /// garbage collector would delete it).
    static func rawSandbox(name: String) -> KubeObject {
        let owner = KubeObject([
            "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox",
            "metadata": ["name": .string(name), "namespace": .string(rawNamespace), "uid": .string(UUID().uuidString.lowercased())],
            "spec": [:],
        ])
        var sandbox = SandboxRenderer.render(SandboxRenderInput(owner: owner, spec: OpenShellSandboxSpec())).sandbox
        sandbox.ownerReferences = []
        return sandbox
    }

    // MARK: Operator

    private func operatorRun(
        _ bench: BenchServer, view: Informer, spec: OperatorSpec, count: Int, concurrency: Int, raw: RawFigures
    ) async throws {
        let requests = bench.server.requests
        let first = try await spec.start(startupSweepWindow: .seconds(600))
        try await first.waitUntilCaughtUp()

        // Create → Ready.
        let beforeCreate = requests.snapshot
        let ready = try await timed {
            try await createObjects(bench.client, OpenShellAPIGroup.sandboxes, namespace: Self.operatorNamespace, count: count, concurrency: concurrency) { index in
                KubeObject([
                    "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox",
                    "metadata": ["name": .string("sandbox-\(index)"), "namespace": .string(Self.operatorNamespace)], "spec": [:],
                ])
            }
            try await poll {
                view.cache.list().count(where: { object in
                    guard let condition = object.conditions[type: "Ready"] else { return false }
                    return condition.isTrue && condition.observedGeneration == object.generation
                }) == count
            }
        }
        let writesAtReady = Self.writes(requests.snapshot, since: beforeCreate)
        try await first.waitUntilSettled(requests: requests)
        let createWrites = Self.writes(requests.snapshot, since: beforeCreate)
        report(reportRow("operator: create → all Ready", Self.timeAndRate(ready, count), goal: "-"))
        report(reportRow("ratio operator / raw (to Ready)", String(format: "%.2f×", ready / raw.ready), goal: "-"))
        reportWrites("operator API writes per sandbox, create → Ready", createWrites, count: count)
        let late = Self.writes(createWrites, since: writesAtReady, user: nil)
        report(reportRow(
            "  of which after all were Ready", String(format: "%.2f", Double(late.values.reduce(0, +)) / Double(count)), goal: "-"))
        for line in Self.breakdown(late, per: count, indent: "    ") { report(line) }

        // Idle: nothing changes.
        let beforeIdle = requests.snapshot
        try await Task.sleep(for: .seconds(5))
        let idleWrites = Self.writes(requests.snapshot, since: beforeIdle)
        let idleTotal = idleWrites.values.reduce(0, +)
        report(reportRow("operator API writes while idle, 5 s", "\(idleTotal)", goal: "0", met: idleTotal == 0))
        for line in Self.breakdown(idleWrites, per: 1) { report(line) }

        // Idle resync: the start-up sweep (every unchanged object reconciled
        // once at low priority), with its window at 0 so it runs at once.
        await first.stop()
        let beforeResync = requests.snapshot
        let second = try await spec.start(startupSweepWindow: .zero)
        let sweep = try await timed { try await second.waitUntilCaughtUp() }
        try await second.waitUntilSettled(requests: requests)
        let resyncWrites = Self.writes(requests.snapshot, since: beforeResync)
        let resyncTotal = resyncWrites.values.reduce(0, +)
        let swept = second.metric("controller_runtime_reconcile_total", controller: "openshell-sandbox")
        let deferred = second.metric("openshell_operator_startup_objects", controller: "openshell-sandbox", decision: "deferred")
        report(reportRow("idle resync: objects swept", String(format: "%.0f of %d (%.0f reconciles)", deferred, count, swept), goal: "\(count)", met: Int(deferred) == count))
        report(reportRow("idle resync: restart → sweep done", String(format: "%.2f s", sweep), goal: "-"))
        report(reportRow("idle resync: operator API writes", "\(resyncTotal)", goal: "0", met: resyncTotal == 0))
        for line in Self.breakdown(resyncWrites, per: 1) { report(line) }

        // Delete → gone (finalizer released).
        let beforeDelete = requests.snapshot
        let gone = try await timed {
            try await deleteObjects(bench.client, OpenShellAPIGroup.sandboxes, namespace: Self.operatorNamespace, count: count, concurrency: concurrency) { "sandbox-\($0)" }
            try await poll { view.cache.count == 0 }
        }
        try await second.waitUntilSettled(requests: requests)
        let deleteWrites = Self.writes(requests.snapshot, since: beforeDelete)
        await second.stop()
        report(reportRow("operator: delete → all gone", Self.timeAndRate(gone, count), goal: "-"))
        reportWrites("operator API writes per sandbox, delete", deleteWrites, count: count)
    }

    // MARK: Writes

    /// The operator's write requests (create, update, patch, delete) since `before`, by verb, resource and code.
    /// - Parameter user: whose requests count; nil counts every user's.
    static func writes(_ now: [RequestKey: Int], since before: [RequestKey: Int], user: String? = operatorUser) -> [RequestKey: Int] {
        let verbs: Set<String> = ["create", "update", "patch", "delete", "deletecollection"]
        var result: [RequestKey: Int] = [:]
        for (key, value) in now where (user.map { key.user == $0 } ?? true) && verbs.contains(key.verb) {
            let delta = value - (before[key] ?? 0)
            if delta > 0 { result[key] = delta }
        }
        return result
    }

    private func reportWrites(_ title: String, _ writes: [RequestKey: Int], count: Int) {
        let total = writes.values.reduce(0, +)
        report(reportRow(title, String(format: "%.2f (%d in all)", Double(total) / Double(count), total), goal: "-"))
        for line in Self.breakdown(writes, per: count) { report(line) }
    }

    /// One line per verb, resource and (when not 2xx) response code, per `per` objects.
    static func breakdown(_ writes: [RequestKey: Int], per: Int, indent: String = "  ") -> [String] {
        writes.sorted { ($1.value, $0.key.verb, $0.key.resource) < ($0.value, $1.key.verb, $1.key.resource) }.map { key, value in
            let code = (200..<300).contains(key.code) ? "" : " → \(key.code)"
            let figure = per == 1 ? "\(value)" : String(format: "%.2f", Double(value) / Double(per))
            return reportRow("\(indent)\(key.verb) \(key.resource)\(code)", figure, goal: "-")
        }
    }

    /// A duration and the rate it makes for `count` objects.
    static func timeAndRate(_ seconds: Double, _ count: Int) -> String {
        String(format: "%.1f s (%.0f/s)", seconds, Double(count) / max(seconds, 0.001))
    }
}

/// Installs the Agent Sandbox CRD and the openshell.ai CRDs, each once it is established and served.
func installBenchCRDs(_ bench: BenchServer) async throws {
    var crds = [(AgentSandboxCRD.definition, SandboxResources.agentSandboxes)]
    for crd in OpenShellCRDs.all {
        let plural = crd.json["spec"]?[path: ["names", "plural"]]?.stringValue ?? ""
        crds.append((crd, GroupVersionResource(group: OpenShellAPIGroup.group, version: OpenShellAPIGroup.version, resource: plural)))
    }
    for (crd, resource) in crds {
        _ = try await bench.client.create(.customResourceDefinitions, crd)
        try await poll(timeout: .seconds(30)) {
            guard let current = try? await bench.client.get(.customResourceDefinitions, name: crd.name),
                  current.conditions[type: "Established"]?.isTrue == true
            else { return false }
            return (try? await bench.client.list(resource, namespace: nil)) != nil
        }
    }
}

/// How the benchmark starts the operator process: the binary's assembly
/// (`OperatorProcess` with `SandboxControllerSetup`), without leader election
/// (its Lease renewals would be counted as writes) and without HTTP listeners.
struct OperatorSpec: Sendable {
    let kubeconfig: String
    let database: String
    let maxConcurrentReconciles: Int
    let logger: Logger

    func start(startupSweepWindow: Duration) async throws -> RunningOperator {
        let configuration = OperatorConfiguration(
            kubeconfig: kubeconfig, databasePath: database, metricsAddress: nil, probeAddress: nil, leaderElection: nil,
            maxConcurrentReconciles: maxConcurrentReconciles, startupSweepWindow: startupSweepWindow)
        let registry = PrometheusCollectorRegistry()
        let process = OperatorProcess(
            configuration: configuration, setups: [SandboxControllerSetup()], logger: logger, registry: registry)
        let task = Task { try await process.run() }
        return RunningOperator(task: task, registry: registry)
    }
}

/// An operator process running in a task of this one, with its metrics.
struct RunningOperator: Sendable {
    let task: Task<Void, any Error>
    let registry: PrometheusCollectorRegistry

    /// Cancels the process and waits until it has stopped (its work-queue file is closed).
    func stop() async {
        task.cancel()
        _ = await task.result
    }

    /// The sum of the series of `name` for `controller` (and `decision`), 0 when absent.
    func metric(_ name: String, controller: String, decision: String? = nil) -> Double {
        registry.emitToString().split(separator: "\n").reduce(0) { total, line in
            let series = line.prefix { $0 != " " }
            guard series.hasPrefix(name + "{"), series.contains("controller=\"\(controller)\""),
                  decision.map({ series.contains("decision=\"\($0)\"") }) ?? true,
                  let value = line.split(separator: " ").last.flatMap({ Double($0) })
            else { return total }
            return total + value
        }
    }

    /// Until the sandbox controller's start-up is done: caches synced, plan
    /// made, nothing due and nothing running (its start-up gauge is set).
    func waitUntilCaughtUp() async throws {
        try await poll { metric("openshell_operator_startup_seconds", controller: "openshell-sandbox") > 0 }
    }

    /// Until neither the operator's writes nor its reconciles have moved for 2 s
    /// (late status writes and Events are counted with what caused them).
    func waitUntilSettled(requests: RequestLog) async throws {
        var last: (writes: Int, reconciles: Double)? = nil
        var quietSince = ContinuousClock.now
        try await poll(every: .milliseconds(250)) {
            let writes = SandboxBenchmark.writes(requests.snapshot, since: [:]).values.reduce(0, +)
            let reconciles = metric("controller_runtime_reconcile_total", controller: "openshell-sandbox")
            let now = (writes: writes, reconciles: reconciles)
            defer { last = now }
            guard let last, last == now else {
                quietSince = ContinuousClock.now
                return false
            }
            return ContinuousClock.now - quietSince >= .seconds(2)
        }
    }
}

/// Deletes `count` objects named by `name` in `namespace` with `concurrency` writers.
func deleteObjects(
    _ client: RESTClient, _ resource: GroupVersionResource, namespace: String, count: Int, concurrency: Int,
    _ name: @escaping @Sendable (Int) -> String
) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var index = worker
                while index < count {
                    _ = try await client.delete(resource, namespace: namespace, name: name(index))
                    index += concurrency
                }
            }
        }
        try await group.waitForAll()
    }
}

/// Polls `condition` every `interval` until it holds, failing after `timeout`.
func poll(
    every interval: Duration = .milliseconds(100), timeout: Duration = SandboxBenchmark.timeout,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    throw BenchFailure("timed out after \(timeout)")
}
