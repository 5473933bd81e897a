//! `apiserver-bench`: measures the local API server's capacity over real HTTPS
//! through the real client — objects held, concurrent watches, write rate —
//! and prints each figure beside its goal. Run by `make bench`.
import ArgumentParser
import Foundation
import KubeClient
import KubeCore
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

    func run() async throws {
        var logger = Logger(label: "apiserver-bench")
        logger.logLevel = .error
        let credentials = try ClusterCredentials.generate()
        let server = LocalAPIServer(configuration: .init(credentials: credentials), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let url = await server.httpsURL()
            let admin = try credentials.clientCredentials(user: "admin", groups: ["system:masters"])
            let client = try RESTClient(configuration: ClientConfiguration(
                server: url,
                tls: TLSOptions(caCertificatesPEM: Data(credentials.authority.certificate.pem.utf8),
                                clientCertificatePEM: Data(admin.certificate.pem.utf8),
                                clientKeyPEM: Data(admin.key.pemPKCS8.utf8)),
                maxIdleConnections: writers * 2), logger: logger)
            try await waitForDefaultNamespace(client)
            try await measure(client: client, server: server)
            group.cancelAll()
        }
    }

    func measure(client: RESTClient, server: LocalAPIServer) async throws {
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
        print(row("writes in-process (no HTTP)", String(format: "%.0f writes/s", 2_000 / coreElapsed), goal: "-"))

        // 1. Preload objects.
        let preload = try await timed { try await write(client, count: objects, prefix: "preload", concurrency: writers) }
        print(row("objects held", "\(server.core.store.count(GroupResource(group: "", resource: "configmaps")))", goal: "≥ 10,000"))
        print(row("preload rate", String(format: "%.0f writes/s", Double(objects) / preload), goal: "-"))

        // 2. Open watches that each see every change.
        let seen = Locked(0)
        var watchTasks: [Task<Void, Never>] = []
        for _ in 0..<watches {
            let events = try await client.watch(.init(group: "", version: "v1", resource: "configmaps"), namespace: "default",
                                                options: WatchOptions(resourceVersion: String(server.core.store.resourceVersion)))
            watchTasks.append(Task {
                do { for try await _ in events { seen.withLock { $0 += 1 } } } catch {}
            })
        }
        print(row("concurrent watches", "\(server.core.store.watcherCount - 1)", goal: "≥ 100"))

        // 3. Measure small writes while every watch receives them.
        let elapsed = try await timed { try await write(client, count: writes, prefix: "measured", concurrency: writers) }
        let rate = Double(writes) / elapsed
        print(row("small writes over HTTPS", String(format: "%.0f writes/s", rate), goal: "≥ 2,000 writes/s",
                  met: rate >= 2_000))
        let expected = writes * watches
        let deadline = ContinuousClock.now + .seconds(30)
        while seen.value < expected, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        print(row("watch events delivered", "\(seen.value) of \(expected)", goal: "all", met: seen.value == expected))
        let rss = residentMemoryMB()
        print(row("server RSS (in-process)", String(format: "%.0f MB", rss), goal: "-"))
        for task in watchTasks { task.cancel() }
    }

    func write(_ client: RESTClient, count: Int, prefix: String, concurrency: Int) async throws {
        let gvr = GroupVersionResource(group: "", version: "v1", resource: "configmaps")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var i = worker
                    while i < count {
                        let object = KubeObject(["apiVersion": "v1", "kind": "ConfigMap",
                                                 "metadata": ["name": .string("\(prefix)-\(i)"), "labels": ["bench": "true"]],
                                                 "data": ["index": .string(String(i))]])
                        _ = try await client.create(gvr, namespace: "default", object)
                        i += concurrency
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    func timed(_ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    func waitForDefaultNamespace(_ client: RESTClient) async throws {
        for _ in 0..<500 {
            if (try? await client.get(.init(group: "", version: "v1", resource: "namespaces"), name: "default")) != nil { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw CleanExit.message("the server did not start")
    }

    func row(_ name: String, _ value: String, goal: String, met: Bool? = nil) -> String {
        let verdict = met.map { $0 ? "met" : "MISSED" } ?? ""
        return "  " + name.padding(toLength: 28, withPad: " ", startingAt: 0) + value.padding(toLength: 22, withPad: " ", startingAt: 0)
            + "goal " + goal.padding(toLength: 20, withPad: " ", startingAt: 0) + verdict
    }

    func residentMemoryMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}
