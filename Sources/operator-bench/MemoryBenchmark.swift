//! `operator-bench memory`: the resident memory of the real
//! `openshell-operator` binary (built next to this one) with N sandboxes
//! Ready and cached — the OpenShellSandboxes, their Agent Sandbox `Sandbox`es,
//! pods and ConfigMaps — against an in-process local API server with the
//! simulated cluster. The operator creates them (cold start), is stopped with
//! SIGTERM and started again on the same work-queue file; the restarted
//! process's VmRSS and VmHWM are read from /proc once it has caught up and
//! again after a settle period.
import ArgumentParser
import BenchSupport
import ClusterSimulators
import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import LocalAPIServer
import OpenShellAPI
import SandboxController

struct MemoryBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Operator RSS with N sandboxes Ready and cached: the openshell-operator binary after a restart over them.")

    @Option(help: "Sandboxes created and brought to Ready.")
    var count = 10_000

    @Option(help: "Creates the benchmark sends at once.")
    var concurrency = 16

    @Option(help: "Seconds to wait after the restarted operator caught up before the second reading.")
    var settle = 30

    @Option(help: "MALLOC_ARENA_MAX for the operator process (unset: the environment's, else glibc's default).")
    var mallocArenaMax: Int?

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be positive") }
        guard settle >= 0 else { throw ValidationError("--settle must not be negative") }
    }

    static let namespace = "bench-memory"
    static let goalMB = 100.0

    func run() async throws {
        let logger = benchLogger()
        let count = count, concurrency = concurrency, settle = settle, mallocArenaMax = mallocArenaMax
        try await withScratchDirectory { directory in
            try await BenchServer.with(logger: logger) { bench in
                var options = SimulatorOptions()
                options.podReadyDelay = .zero
                options.podStopDelay = .zero
                options.retryInitialDelay = .milliseconds(10)
                options.retryMaximumDelay = .milliseconds(300)
                let simulators = ClusterSimulators.services(core: bench.server.core, faults: bench.server.faults, options: options, logger: logger)
                try await installBenchCRDs(bench)
                _ = try await bench.client.create(Namespace.resource, KubeObject([
                    "apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(Self.namespace)],
                ]))
                // The benchmark's own view of the OpenShellSandboxes (in this process, not the operator's).
                let view = Informer(
                    client: bench.client, configuration: InformerConfiguration(resource: OpenShellAPIGroup.sandboxes, namespace: Self.namespace),
                    logger: logger)
                var replica = OperatorReplica(
                    index: 0, directory: directory, kubeconfig: try bench.writeKubeconfig(in: directory, user: "openshell-operator"))
                replica.leaderElection = false
                if let mallocArenaMax { replica.environment["MALLOC_ARENA_MAX"] = String(mallocArenaMax) }
                defer { replica.process?.terminate() }

                try await withThrowingTaskGroup(of: Void.self) { group in
                    for service in simulators { group.addTask { try await service.run() } }
                    group.addTask { try await view.run() }
                    defer { group.cancelAll() }
                    try await view.waitUntilSynced()
                    let arenas = mallocArenaMax.map { "MALLOC_ARENA_MAX=\($0)" }
                        ?? ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"].map { "MALLOC_ARENA_MAX=\($0)" } ?? "glibc's default malloc arenas"
                    report("Operator memory: \(count) sandboxes Ready, the openshell-operator binary (release, \(arenas))")

                    // Cold start on an empty namespace: the baseline.
                    try replica.start()
                    try await waitUntilCaughtUp(replica)
                    try await Task.sleep(for: .seconds(2))
                    let empty = Reading(replica)
                    report(reportRow("no sandboxes: VmRSS once caught up", empty.rss, goal: "-"))

                    // The operator creates everything.
                    let ready = try await timed {
                        try await createObjects(bench.client, OpenShellAPIGroup.sandboxes, namespace: Self.namespace, count: count, concurrency: concurrency) { index in
                            KubeObject([
                                "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox",
                                "metadata": ["name": .string("sandbox-\(index)"), "namespace": .string(Self.namespace)], "spec": [:],
                            ])
                        }
                        try await poll(every: .milliseconds(500)) {
                            view.cache.list().count(where: { object in
                                guard let condition = object.conditions[type: "Ready"] else { return false }
                                return condition.isTrue && condition.observedGeneration == object.generation
                            }) == count
                        }
                    }
                    try await waitUntilIdle(replica)
                    let cold = Reading(replica)
                    report(reportRow("cold start: create → all Ready", String(format: "%.0f s", ready), goal: "-"))
                    report(reportRow("cold start: VmRSS once idle", cold.rss, goal: "-"))
                    report(reportRow("cold start: VmHWM (peak while creating)", cold.hwm, goal: "-"))

                    // Restart over the N unchanged sandboxes.
                    replica.signal(SIGTERM)
                    await replica.waitForExit()
                    let start = ContinuousClock.now
                    try replica.start()
                    try await waitUntilCaughtUp(replica)
                    let caughtUp = (ContinuousClock.now - start).timeInterval
                    let afterCatchUp = Reading(replica)
                    // The start-up sweep reconciles the unchanged sandboxes meanwhile, spread over 10 minutes.
                    try await Task.sleep(for: .seconds(settle))
                    let settled = Reading(replica)

                    let counts = try await cachedCounts(bench)
                    let cached = counts.reduce(0) { $0 + $1.count }
                    report(reportRow("restart: start to caught up", String(format: "%.1f s", caughtUp), goal: "-"))
                    report(reportRow("restart: VmRSS when caught up", afterCatchUp.rss, goal: "≤ 100 MB", met: afterCatchUp.rssMB <= Self.goalMB))
                    report(reportRow("restart: VmHWM when caught up", afterCatchUp.hwm, goal: "-"))
                    report(reportRow("restart: VmRSS after \(settle) s more", settled.rss, goal: "≤ 100 MB", met: settled.rssMB <= Self.goalMB))
                    report(reportRow("restart: VmHWM after \(settle) s more", settled.hwm, goal: "≤ 100 MB", met: settled.hwmMB <= Self.goalMB))
                    report(reportRow("objects in the operator's caches' scope", "\(cached)", goal: "-"))
                    for entry in counts {
                        report(reportRow("  \(entry.kind)", String(format: "%d (%.1f KB JSON each)", entry.count, entry.jsonKB), goal: "-"))
                    }
                    report(reportRow("RSS per sandbox (after settle)", String(format: "%.1f KB", settled.rssMB * 1024 / Double(count)), goal: "-"))
                }
            }
        }
    }

    /// VmRSS (split into anonymous memory — heap and stacks — and mapped
    /// files — the binary and its libraries) and VmHWM of the replica's process, now.
    struct Reading {
        var rssMB: Double
        var anonymousMB: Double
        var fileMB: Double
        var hwmMB: Double

        init(_ replica: OperatorReplica) {
            let pid = String(replica.process?.processIdentifier ?? 0)
            rssMB = processMemoryMB("VmRSS", of: pid)
            anonymousMB = processMemoryMB("RssAnon", of: pid)
            fileMB = processMemoryMB("RssFile", of: pid) + processMemoryMB("RssShmem", of: pid)
            hwmMB = processMemoryMB("VmHWM", of: pid)
        }

        var rss: String { String(format: "%.1f MB (%.1f anon + %.1f files)", rssMB, anonymousMB, fileMB) }
        var hwm: String { String(format: "%.1f MB", hwmMB) }
    }

    /// Until the sandbox controller has caught up after its start (its start-up gauge is set).
    private func waitUntilCaughtUp(_ replica: OperatorReplica) async throws {
        try await poll(every: .milliseconds(100)) {
            await replica.metric("openshell_operator_startup_seconds", controller: "openshell-sandbox") ?? 0 > 0
        }
    }

    /// Until the operator's reconciles have not moved, with its queues empty, for 3 s.
    private func waitUntilIdle(_ replica: OperatorReplica) async throws {
        var last: Double?
        var quietSince = ContinuousClock.now
        try await poll(every: .milliseconds(500)) {
            let reconciles = await replica.metric("controller_runtime_reconcile_total") ?? -1
            let depth = await replica.metric("workqueue_depth") ?? -1
            defer { last = reconciles }
            guard depth == 0, reconciles == last else {
                quietSince = ContinuousClock.now
                return false
            }
            return ContinuousClock.now - quietSince >= .seconds(3)
        }
    }

    /// The objects of the kinds the sandbox controller caches per sandbox, as the server holds them
    /// in the operator's scopes (the pods and ConfigMaps it manages), with their mean JSON size.
    private func cachedCounts(_ bench: BenchServer) async throws -> [(kind: String, count: Int, jsonKB: Double)] {
        let managed = ListOptions(labelSelector: "\(OpenShellLabels.managedBy)=\(OpenShellLabels.managedByValue)")
        let scopes: [(String, GroupVersionResource, ListOptions)] = [
            ("OpenShellSandboxes", OpenShellAPIGroup.sandboxes, ListOptions()),
            ("Sandboxes (agents.x-k8s.io)", SandboxResources.agentSandboxes, ListOptions()),
            ("pods (managed)", SandboxResources.pods, managed),
            ("ConfigMaps (managed)", SandboxResources.configMaps, managed),
        ]
        var result: [(kind: String, count: Int, jsonKB: Double)] = []
        for (kind, resource, options) in scopes {
            let items = try await bench.client.list(resource, namespace: Self.namespace, options: options).items
            // As cached: without managedFields.
            let bytes = items.reduce(0) { total, item in
                var object = item
                object.metadata["managedFields"] = nil
                return total + object.value.serialized().count
            }
            result.append((kind, items.count, Double(bytes) / 1024 / Double(max(items.count, 1))))
        }
        return result
    }
}
