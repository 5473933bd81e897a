//! The runtime as real processes: the controller harness (the operator's
//! runtime with the echo reconciler) against the local API server, killed
//! with SIGKILL mid-reconcile and restarted, and two replicas contending for
//! the leader Lease.
import Foundation
import KubeClient
import KubeCore
import Testing
import TestSupport

@Suite("The runtime survives crashes and fails over", .serialized)
struct RuntimeProcessTests {
    @Test("SIGKILL mid-reconcile: queued and scheduled work is finished after restart, nothing is done twice")
    func crashAndRestart() async throws {
        try await TestServer.with { server in
            let run = try HarnessRun(server: server)
            let client = server.client
            // Ten quick sources, three that expire while the operator is down, and
            // four slow ones (the crash lands inside them).
            let expireAt = KubeTime.format(Date().addingTimeInterval(8))
            for index in 0..<10 { _ = try await client.create(.configMaps, namespace: "default", source("quick-\(index)", value: "v1")) }
            for index in 0..<3 { _ = try await client.create(.configMaps, namespace: "default", source("ttl-\(index)", value: "v1", expireAt: expireAt)) }
            for index in 0..<4 { _ = try await client.create(.configMaps, namespace: "default", source("slow-\(index)", value: "v1", delayMs: 15_000)) }

            let first = try run.start(extra: ["--journal-every-reconcile", "--max-concurrent-reconciles", "8"])
            // Wait until the quick work is done and has settled (the echoes' own
            // events reconciled), while the slow reconciles are in flight.
            try await eventually(timeout: .seconds(30)) { run.journal().filter { $0.hasSuffix(" created") }.count >= 13 }
            try await Task.sleep(for: .seconds(2))
            first.signal(SIGKILL)
            await first.waitForExit()
            let beforeRestart = run.journal()
            #expect(beforeRestart.contains("default/slow-0 reconcile"), "the crash landed inside the slow reconciles")
            #expect(!beforeRestart.contains("default/slow-0 created"), "the slow reconciles were cut short")

            // Changes while the operator is down, and the TTL deadline passes.
            var changed = try await client.get(.configMaps, namespace: "default", name: "quick-0")
            changed.json["data"]?["value"] = "v2"
            _ = try await client.update(.configMaps, namespace: "default", changed)
            try await Task.sleep(for: .seconds(8))

            // The unchanged objects go to the low-priority sweep, each at a random
            // time within the sweep window; a year-long window keeps them out of
            // the few seconds this test watches, so what runs is only what the
            // start-up planning chose to run at once.
            let second = try run.start(extra: ["--journal-every-reconcile", "--max-concurrent-reconciles", "8", "--sweep-window", "31536000"])
            try await eventually(timeout: .seconds(40)) {
                let names = try await client.list(.configMaps, namespace: "default").items.map(\.name)
                let slowEchoed = (0..<4).allSatisfy { names.contains("slow-\($0)-echo") }
                let expired = (0..<3).allSatisfy { !names.contains("ttl-\($0)") }
                let echo0 = try? await client.get(.configMaps, namespace: "default", name: "quick-0-echo")
                return slowEchoed && expired && echo0?.json["data"]?["value"]?.stringValue == "v2"
            }
            let journal = run.journal()
            // Each echo created exactly once across both processes.
            let created = journal.filter { $0.hasSuffix(" created") }
            #expect(created.count == Set(created).count, "an echo was created twice: \(created)")
            #expect(created.count == 17)
            #expect(journal.filter { $0.hasSuffix(" expired") }.count == 3)
            #expect(journal.contains("default/quick-0 updated"))
            // The restart did not re-reconcile the unchanged quick sources: only the
            // changed one, the interrupted slow ones and the due TTL ones.
            let afterRestart = journal.dropFirst(beforeRestart.count)
            for index in 1..<10 {
                #expect(!afterRestart.contains("default/quick-\(index) reconcile"), "quick-\(index) was reconciled again")
            }
            let metrics = try await run.metrics(of: second)
            #expect(metrics.sum("controller_runtime_reconcile_total") >= 8)
            second.signal(SIGTERM)
            #expect(await second.waitForExit() == 0, "graceful shutdown exits 0: \(second.output.suffix(2000))")
        }
    }

    @Test("Two replicas: one leads; SIGTERM releases the Lease and the standby takes over; SIGKILL fails over after expiry")
    func leaderFailover() async throws {
        try await TestServer.with { server in
            let run = try HarnessRun(server: server)
            let leaseArgs = ["--leader-elect", "--lease-duration", "3", "--renew-deadline", "2", "--retry-period", "0.5"]
            let a = try run.start(extra: leaseArgs, name: "a")
            let b = try run.start(extra: leaseArgs, name: "b")
            let firstHolder = try await run.waitForHolder(server: server) { $0 != nil }
            let (leader, standby) = firstHolder.map { $0.hasPrefix(run.identityPrefix(a)) } == true ? (a, b) : (b, a)

            // Work is done by exactly one of them.
            _ = try await server.client.create(.configMaps, namespace: "default", source("led", value: "x"))
            try await eventually(timeout: .seconds(20)) { run.journal().contains("default/led created") }

            leader.signal(SIGTERM)
            #expect(await leader.waitForExit() == 0)
            let lease = try await server.client.get(.leases, namespace: "default", name: "controller-harness")
            #expect(lease.json["spec"]?["holderIdentity"]?.stringValue.map { $0.isEmpty || $0.hasPrefix(run.identityPrefix(standby)) } ?? true,
                    "the lease was released or already taken over")
            _ = try await run.waitForHolder(server: server) { $0?.hasPrefix(run.identityPrefix(standby)) == true }

            _ = try await server.client.create(.configMaps, namespace: "default", source("after-failover", value: "y"))
            try await eventually(timeout: .seconds(20)) { run.journal().contains("default/after-failover created") }

            // A crash leaves the lease held until it expires; then a new replica takes it.
            standby.signal(SIGKILL)
            await standby.waitForExit()
            let c = try run.start(extra: leaseArgs, name: "c")
            _ = try await run.waitForHolder(server: server, timeout: .seconds(20)) { $0?.hasPrefix(run.identityPrefix(c)) == true }
            let created = run.journal().filter { $0.hasSuffix(" created") }
            #expect(created.count == Set(created).count)
            c.signal(SIGTERM)
            await c.waitForExit()
        }
    }
}

/// One scenario's files and the harness processes it starts.
struct HarnessRun: Sendable {
    let directory: URL
    let kubeconfig: String

    init(server: TestServer) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("harness-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        kubeconfig = try server.writeKubeconfig(in: directory)
    }

    var journalPath: String { directory.appendingPathComponent("journal").path }

    /// Starts a harness process; `name` separates the databases of replicas.
    func start(extra: [String] = [], name: String = "operator") throws -> HarnessProcess {
        let port = try freeTCPPort()
        let child = try ChildProcess(
            executable: "controller-harness",
            arguments: [
                "--kubeconfig", kubeconfig, "--database", directory.appendingPathComponent("\(name).db").path,
                "--journal", journalPath, "--http-address", "127.0.0.1:\(port)", "--log-level", "debug",
                "--identity", "\(name)_\(UUID().uuidString.prefix(8))",
            ] + extra,
            logPath: directory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(4)).log").path)
        return HarnessProcess(child: child, port: port, name: name)
    }

    func journal() -> [String] {
        ((try? String(contentsOfFile: journalPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func identityPrefix(_ process: HarnessProcess) -> String { "\(process.name)_" }

    func metrics(of process: HarnessProcess) async throws -> PrometheusText {
        let client = try RESTClient(configuration: ClientConfiguration(server: "http://127.0.0.1:\(process.port)"))
        let response = try await client.request(method: .get, path: "/metrics", accept: "text/plain")
        return PrometheusText(String(decoding: response.body, as: UTF8.self))
    }

    /// Polls the Lease until its holder satisfies `condition`; returns the holder.
    func waitForHolder(server: TestServer, timeout: Duration = .seconds(15),
                       _ condition: @escaping @Sendable (String?) -> Bool) async throws -> String? {
        let holder = Locked<String?>(nil)
        try await eventually(timeout: timeout) {
            let lease = try? await server.client.get(.leases, namespace: "default", name: "controller-harness")
            let current = lease?.json["spec"]?["holderIdentity"]?.stringValue
            holder.withLock { $0 = current }
            return lease != nil && condition(current)
        }
        return holder.withLock { $0 }
    }
}

/// A harness process and the port of its HTTP endpoints.
final class HarnessProcess: Sendable {
    let child: ChildProcess
    let port: Int
    let name: String

    init(child: ChildProcess, port: Int, name: String) {
        self.child = child
        self.port = port
        self.name = name
    }

    func signal(_ signal: Int32) { child.signal(signal) }
    func waitForExit() async -> Int32 { await child.waitForExit() }
    var output: String { child.output }
}

/// Sample values of Prometheus' text exposition format.
struct PrometheusText: Sendable {
    let samples: [(name: String, labels: String, value: Double)]

    init(_ text: String) {
        samples = text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
            let series = line[..<space]
            if let brace = series.firstIndex(of: "{") {
                return (String(series[..<brace]), String(series[brace...]), value)
            }
            return (String(series), "", value)
        }
    }

    /// The sum of every series of `name`.
    func sum(_ name: String) -> Double {
        samples.filter { $0.name == name }.reduce(0) { $0 + $1.value }
    }
}

func source(_ name: String, value: String, delayMs: Int? = nil, expireAt: String? = nil) -> KubeObject {
    var data: JSONObject = ["value": .string(value)]
    if let delayMs { data["delayMs"] = .string(String(delayMs)) }
    if let expireAt { data["expireAt"] = .string(expireAt) }
    return KubeObject([
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": ["name": .string(name), "namespace": "default", "labels": ["harness.openshell.ai/role": "source"]],
        "data": .object(data),
    ])
}

extension GroupVersionResource {
    static let configMaps = GroupVersionResource(group: "", version: "v1", resource: "configmaps")
    static let leases = GroupVersionResource(group: "coordination.k8s.io", version: "v1", resource: "leases")
}
