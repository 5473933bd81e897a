//! `apiserver-bench`: measures the local API server's capacity over real HTTPS
//! through the real client — objects held, concurrent watches, write rate —
//! and prints each figure beside its goal. Run by `make bench`.
import ArgumentParser
import Foundation
import KubeClient
import KubeCore
import BenchSupport
import LocalAPIServer
import Logging

@main
struct APIServerBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apiserver-bench",
        abstract: "Capacity of the local API server: objects, watches, writes per second.")

    @Option(help: "Objects preloaded before measuring.")
    var objects = 10_000

    @Option(help: "Concurrent watches open while writing.")
    var watches = 100

    @Option(help: "Writes measured.")
    var writes = 10_000

    @Option(help: "Concurrent writers.")
    var writers = 32

    @Flag(help: "Open the watches on the writers' own client (one libcurl multi handle) instead of a second client, as other clients would be.")
    var sharedClient = false

    func run() async throws {
        let logger = {
            var logger = Logger(label: "apiserver-bench")
            logger.logLevel = .error
            return logger
        }()
        try await BenchServer.with(maxIdleConnections: writers * 2, logger: logger) { bench in
            let watchClient = sharedClient ? nil : try RESTClient(configuration: bench.client.transport.configuration, logger: logger)
            try await measure(client: bench.client, watchClient: watchClient, server: bench.server)
        }
    }

    func measure(client: RESTClient, watchClient: RESTClient?, server: LocalAPIServer) async throws {
        print("Local API server capacity (\(ProcessInfo.processInfo.activeProcessorCount) cores)")

        // 0. The server core alone, without HTTP, for comparison.
        let inProcess = InProcessClient(core: server.core)
        let coreElapsed = try await timed {
            for i in 0..<2_000 {
                try await inProcess.create(.init(group: "", version: "v1", resource: "configmaps"), KubeObject([
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": ["name": .string("core-\(i)"), "namespace": "kube-system"], "data": ["i": .string(String(i))],
                ]))
            }
        }
        print(reportRow("writes in-process (no HTTP)", String(format: "%.0f writes/s", 2_000 / coreElapsed), goal: "-"))

        // 1. Preload objects.
        let preload = try await timed { try await write(client, count: objects, prefix: "preload", concurrency: writers) }
        let held = server.core.store.count(GroupResource(group: "", resource: "configmaps"))
        print(reportRow("objects held", "\(held)", goal: "≥ 10,000", met: held >= 10_000))
        print(reportRow("preload rate", String(format: "%.0f writes/s", Double(objects) / preload), goal: "-"))

        // 2. Writes while many watches are open elsewhere (each filters every change).
        let baseline = server.core.store.watcherCount
        let idle = try await openWatches(watchClient ?? client, server: server, namespace: "kube-public", count: watches)
        print(reportRow("concurrent watches", "\(server.core.store.watcherCount - baseline)", goal: "≥ 100",
                  met: server.core.store.watcherCount - baseline >= 100))
        let elapsed = try await timed { try await write(client, count: writes, prefix: "measured", concurrency: writers) }
        let rate = Double(writes) / elapsed
        print(reportRow("writes, \(watches) watches open", String(format: "%.0f writes/s", rate), goal: "≥ 2,000 writes/s",
                  met: rate >= 2_000))
        for task in idle.tasks { task.cancel() }

        // 3. Writes that every one of a set of watches must receive (fan-out).
        let fanOut = max(1, watches / 10)
        let watching = try await openWatches(client, server: server, namespace: "default", count: fanOut)
        let fanOutWrites = max(1, writes / 5)
        let fanOutStart = ContinuousClock.now
        let fanOutElapsed = try await timed { try await write(client, count: fanOutWrites, prefix: "fanout", concurrency: writers) }
        let expected = fanOutWrites * fanOut
        let deadline = ContinuousClock.now + .seconds(60)
        while watching.seen.value < expected, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let untilDelivered = ContinuousClock.now - fanOutStart
        let delivered = Double(watching.seen.value)
            / (Double(untilDelivered.components.seconds) + Double(untilDelivered.components.attoseconds) / 1e18)
        print(reportRow("writes, each to \(fanOut) watchers", String(format: "%.0f writes/s", Double(fanOutWrites) / fanOutElapsed), goal: "-"))
        print(reportRow("watch events delivered", "\(watching.seen.value) of \(expected)", goal: "all", met: watching.seen.value == expected))
        print(reportRow("watch event rate", String(format: "%.0f events/s", delivered), goal: "-"))
        for task in watching.tasks { task.cancel() }
        let rss = residentMemoryMB()
        print(reportRow("server RSS (in-process)", String(format: "%.0f MB", rss), goal: "-"))
    }

    /// Opens `count` watches on configmaps in `namespace`, counting the events they receive.
    func openWatches(_ client: RESTClient, server: LocalAPIServer, namespace: String, count: Int) async throws -> (tasks: [Task<Void, Never>], seen: Locked<Int>) {
        let seen = Locked(0)
        var tasks: [Task<Void, Never>] = []
        for _ in 0..<count {
            let events = try await client.watch(.init(group: "", version: "v1", resource: "configmaps"), namespace: namespace,
                                                options: WatchOptions(resourceVersion: String(server.core.store.resourceVersion)))
            tasks.append(Task {
                do { for try await _ in events { seen.withLock { $0 += 1 } } } catch {}
            })
        }
        return (tasks, seen)
    }

    func write(_ client: RESTClient, count: Int, prefix: String, concurrency: Int) async throws {
        try await createObjects(client, .init(group: "", version: "v1", resource: "configmaps"), namespace: "default",
                                count: count, concurrency: concurrency) { i in
            KubeObject(["apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": ["name": .string("\(prefix)-\(i)"), "labels": ["bench": "true"]],
                        "data": ["index": .string(String(i))]])
        }
    }
}
