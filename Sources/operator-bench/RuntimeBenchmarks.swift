//! Benchmarks of the controller runtime against an in-process local API
//! server: the informer cache's memory, and a restart of the operator's
//! runtime (the controller harness, a real process) over unchanged objects.
import ArgumentParser
import BenchSupport
import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import Logging

/// The memory an informer's cache takes per object.
struct InformerBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "informer",
        abstract: "Informer memory: resident memory added by syncing N ConfigMaps into one informer's cache.")

    @Option(help: "Objects listed and cached.")
    var objects = 10_000

    func run() async throws {
        let logger = benchLogger()
        try await BenchServer.with(logger: logger) { bench in
            try await createObjects(bench.client, .configMaps, namespace: "default", count: objects, concurrency: 16) { index in
                benchConfigMap("object-\(index)", role: "cached")
            }
            let informer = Informer(
                client: bench.client, configuration: InformerConfiguration(resource: .configMaps, namespace: "default"),
                logger: logger)
            let before = residentMemoryMB()
            let (elapsed, after) = try await withThrowingTaskGroup(of: Void.self) { group -> (Double, Double) in
                let elapsed = try await timed {
                    group.addTask { try await informer.run() }
                    try await informer.waitUntilSynced()
                }
                let after = residentMemoryMB()
                group.cancelAll()
                return (elapsed, after)
            }
            let cached = informer.cache.count
            report("Informer (\(cached) ConfigMaps of about 0.6 KB each)")
            report(reportRow("list and sync time", String(format: "%.2f s", elapsed), goal: "-"))
            report(reportRow("memory added by the cache", String(format: "%.1f MB", after - before), goal: "-"))
            report(reportRow("per object", String(format: "%.1f KB", (after - before) * 1024 / Double(max(cached, 1))), goal: "-"))
        }
    }
}

/// A restart over unchanged objects: how long until the runtime is caught up,
/// and how many reconciles and API writes it costs.
struct RestartBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "Restart-to-drained: the controller harness over N unchanged objects, stopped and started again.")

    @Option(help: "Source objects the harness reconciles (each gets an echo).")
    var objects = 10_000

    func run() async throws {
        let logger = benchLogger()
        try await withScratchDirectory { directory in
            try await BenchServer.with(logger: logger) { bench in
                let kubeconfig = try bench.writeKubeconfig(in: directory)
                try await createObjects(bench.client, .configMaps, namespace: "default", count: objects, concurrency: 16) { index in
                    benchConfigMap("source-\(index)", role: "source")
                }
                let harness = Harness(directory: directory, kubeconfig: kubeconfig)
                report("Operator runtime restart (\(objects) objects, each with an owned echo; controller harness)")

                // Cold start: every object is new and gets its echo.
                let cold = try harness.start()
                let coldElapsed = try await timed {
                    try await waitFor(timeout: .seconds(1800)) {
                        try await bench.client.list(.configMaps, namespace: "default", options: ListOptions(labelSelector: "harness.openshell.ai/role=echo"))
                            .items.count == objects
                    }
                }
                // Let the cold run go idle (the echoes' own events reconcile their
                // owners once more), so the restart below starts from a drained queue.
                var lastCount = -1.0
                try await waitFor(timeout: .seconds(600)) {
                    let count = try await harness.metric(cold, "controller_runtime_reconcile_total") ?? -1
                    let depth = try await harness.metric(cold, "workqueue_depth") ?? -1
                    defer { lastCount = count }
                    return depth == 0 && count == lastCount
                }
                let coldWrites = try await harness.writes(cold)
                cold.terminate()
                cold.waitUntilExit()
                report(reportRow("cold start to all echoes", String(format: "%.1f s", coldElapsed), goal: "-"))
                report(reportRow("API writes per object (cold)", String(format: "%.2f", coldWrites / Double(objects)), goal: "-"))

                // Warm restart: nothing changed, so nothing is due at once.
                let warmStart = ContinuousClock.now
                let warm = try harness.start()
                var caughtUp: Double?
                // The gauge exists (at 0) from the start; it is set once the controller caught up.
                try await waitFor(timeout: .seconds(600)) {
                    caughtUp = try await harness.metric(warm, "openshell_operator_startup_seconds")
                    return caughtUp ?? 0 > 0
                }
                let wall = (ContinuousClock.now - warmStart).timeInterval
                // Anything the start-up caused but had not finished shows up by now.
                try await Task.sleep(for: .seconds(3))
                let reconciles = try await harness.metric(warm, "controller_runtime_reconcile_total") ?? -1
                let immediate = try await harness.metric(warm, "openshell_operator_startup_objects", decision: "immediate") ?? -1
                let deferred = try await harness.metric(warm, "openshell_operator_startup_objects", decision: "deferred") ?? -1
                let writes = try await harness.writes(warm)
                let rss = residentMemoryMB(of: String(warm.processIdentifier))
                warm.terminate()
                warm.waitUntilExit()
                report(reportRow("restart: start to caught up", String(format: "%.2f s", wall), goal: "≤ 5 s", met: wall <= 5))
                report(reportRow("  of which caches + planning", String(format: "%.2f s", caughtUp ?? -1), goal: "-"))
                report(reportRow("restart: reconciled at once", String(format: "%.0f", immediate), goal: "0", met: immediate == 0))
                report(reportRow("restart: deferred to the sweep", String(format: "%.0f over 10 min", deferred), goal: "-"))
                report(reportRow(String(format: "reconciles in the first %.0f s", wall + 3), String(format: "%.0f (sweep)", reconciles), goal: "-"))
                report(reportRow("restart: API writes", String(format: "%.0f", writes), goal: "0", met: writes == 0))
                report(reportRow("harness RSS, \(2 * objects) cached", String(format: "%.0f MB", rss), goal: "≤ 100 MB", met: rss <= 100))
            }
        }
    }
}

/// Starts the controller harness (built next to this binary) and reads its metrics.
struct Harness {
    let directory: URL
    let kubeconfig: String

    func start() throws -> Process {
        let port = 20_000 + Int.random(in: 0..<20_000)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("controller-harness")
        process.arguments = [
            "--kubeconfig", kubeconfig, "--database", directory.appendingPathComponent("queue.db").path,
            "--journal", directory.appendingPathComponent("journal").path, "--http-address", "127.0.0.1:\(port)",
            "--log-level", "warning", "--max-concurrent-reconciles", "8",
        ]
        process.environment = ["BENCH_PORT": String(port)]
        let log = directory.appendingPathComponent("harness.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// The sum of every series of metric `name` (only those with label `decision` when given),
    /// or nil when absent (or the harness does not answer yet).
    /// Note that a gauge is present, at 0, from its creation.
    func metric(_ process: Process, _ name: String, decision: String? = nil) async throws -> Double? {
        guard let exposition = await exposition(of: process) else { return nil }
        var total: Double?
        for line in exposition.split(separator: "\n") where line.hasPrefix(name) {
            let series = line.prefix { $0 != " " }
            guard series == name || series.hasPrefix(name + "{"), let value = line.split(separator: " ").last.flatMap({ Double($0) })
            else { continue }
            if let decision, !series.contains("decision=\"\(decision)\"") { continue }
            total = (total ?? 0) + value
        }
        return total
    }

    /// Requests of the harness's client that write (POST, PUT, PATCH, DELETE).
    func writes(_ process: Process) async throws -> Double {
        guard let exposition = await exposition(of: process) else { return -1 }
        return exposition.split(separator: "\n")
            .filter { line in
                line.hasPrefix("rest_client_requests_total{")
                    && ["POST", "PUT", "PATCH", "DELETE"].contains { line.contains("method=\"\($0)\"") }
            }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0, +)
    }
}

extension Harness {
    /// The harness's `/metrics` text, or nil while it does not answer.
    func exposition(of process: Process) async -> String? {
        guard let port = process.environment?["BENCH_PORT"],
              let client = try? RESTClient(configuration: ClientConfiguration(server: "http://127.0.0.1:\(port)")),
              let response = try? await client.request(method: .get, path: "/metrics", accept: "text/plain")
        else { return nil }
        return String(decoding: response.body, as: UTF8.self)
    }
}

/// Polls `condition` every second until it holds or `timeout` passes.
func waitFor(timeout: Duration, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .seconds(1))
    }
    throw BenchFailure("timed out after \(timeout)")
}

/// A ConfigMap of about 0.6 KB, labelled with the harness's `role`.
func benchConfigMap(_ name: String, role: String) -> KubeObject {
    var data: JSONObject = [:]
    for field in 0..<8 { data["field-\(field)"] = .string(String(repeating: "x", count: 48)) }
    data["value"] = .string(name)
    return KubeObject([
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": ["name": .string(name), "labels": ["harness.openshell.ai/role": .string(role), "app": "bench"]],
        "data": .object(data),
    ])
}

extension GroupVersionResource {
    static let configMaps = GroupVersionResource(group: "", version: "v1", resource: "configmaps")
}

/// A logger that shows only errors, so the figures stay readable.
func benchLogger() -> Logger {
    var logger = Logger(label: "operator-bench")
    logger.logLevel = .error
    return logger
}
