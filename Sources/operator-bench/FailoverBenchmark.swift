//! `operator-bench failover`: two replicas of the real `openshell-operator`
//! binary (built next to this one) elect a leader through a Lease at the
//! binary's default timings (15 s lease, 10 s renew deadline, 2 s retry). The
//! leader is stopped with SIGTERM, then killed with SIGKILL, a few rounds
//! each, and restarted as the new standby. Per round: how long until the
//! standby holds the Lease, how long until it has reconciled a sandbox created
//! at the moment of the stop, and whether the two replicas' reconcile writes
//! ever interleaved (each replica has its own API user, so the server's
//! request log tells their writes apart). Afterwards every sandbox must have
//! been created exactly once.
import ArgumentParser
import BenchSupport
import ClusterSimulators
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Logging
import OpenShellAPI
import SandboxController

struct FailoverBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Leader failover of two operator processes: takeover after SIGTERM and after SIGKILL, and no overlapping work.")

    @Option(help: "Rounds per signal (SIGTERM, then SIGKILL).")
    var rounds = 3

    func validate() throws {
        guard rounds > 0 else { throw ValidationError("--rounds must be positive") }
    }

    static let namespace = "bench-failover"
    static let leaseNamespace = "default"
    static let leaseName = "openshell-operator-leader"
    static let leases = GroupVersionResource(group: "coordination.k8s.io", version: "v1", resource: "leases")

    func run() async throws {
        let logger = benchLogger()
        let rounds = rounds
        try await withScratchDirectory { directory in
            try await BenchServer.with(logger: logger) { bench in
                var options = SimulatorOptions()
                options.podReadyDelay = .zero
                options.podStopDelay = .zero
                let simulators = ClusterSimulators.services(core: bench.server.core, faults: bench.server.faults, options: options, logger: logger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for service in simulators { group.addTask { try await service.run() } }
                    defer { group.cancelAll() }
                    try await installBenchCRDs(bench)
                    _ = try await bench.client.create(Namespace.resource, KubeObject([
                        "apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(Self.namespace)],
                    ]))
                    var replicas = try (0..<2).map { index in
                        try OperatorReplica(index: index, directory: directory, kubeconfig: bench.writeKubeconfig(in: directory, user: "replica-\(index)"))
                    }
                    defer { for replica in replicas { replica.process?.terminate() } }
                    for index in replicas.indices { try replicas[index].start() }
                    try await poll(timeout: .seconds(60)) { try await holder(bench) != nil }

                    report("Leader failover: two openshell-operator processes, Lease 15 s / renew 10 s / retry 2 s, \(rounds) rounds per signal (times: min / median / max)")
                    var created = 0
                    for signal in [SIGTERM, SIGKILL] {
                        var takeovers: [Double] = []
                        var resumed: [Double] = []
                        var overlaps = 0
                        for _ in 0..<rounds {
                            let round = try await failover(bench, replicas: &replicas, signal: signal, probe: "probe-\(created)")
                            created += 1
                            takeovers.append(round.takeover)
                            resumed.append(round.resumed)
                            if round.overlapped { overlaps += 1 }
                        }
                        let name = signal == SIGTERM ? "SIGTERM (graceful)" : "SIGKILL (crash)"
                        let goal = signal == SIGTERM ? 3.0 : 17.0
                        let worst = takeovers.max() ?? 0
                        report(reportRow("\(name): takeover", seconds(takeovers), goal: "≤ \(Int(goal)) s", met: worst <= goal))
                        report(reportRow("\(name): probe sandbox reconciled", seconds(resumed), goal: "-"))
                        report(reportRow("\(name): rounds with overlapping writes", "\(overlaps) of \(rounds)", goal: "0", met: overlaps == 0))
                    }
                    let duplicates = try await duplicateCreations(bench, expected: created)
                    report(reportRow("sandboxes created more than once", "\(duplicates) of \(created)", goal: "0", met: duplicates == 0))
                }
            }
        }
    }

    struct Round {
        var takeover: Double
        var resumed: Double
        var overlapped: Bool
    }

    /// Stops the leader with `signal`, creates `probe` at once, and measures until the standby has
    /// taken over and reconciled it; then restarts the stopped replica as the new standby.
    private func failover(_ bench: BenchServer, replicas: inout [OperatorReplica], signal: Int32, probe: String) async throws -> Round {
        guard let before = try await holder(bench) else { throw BenchFailure("no leader before the round") }
        let leaderIndex = try await leaderIndex(replicas)
        let standbyIndex = 1 - leaderIndex
        let requests = bench.server.requests
        let oldUser = "replica-\(leaderIndex)", newUser = "replica-\(standbyIndex)"

        let start = ContinuousClock.now
        replicas[leaderIndex].signal(signal)
        _ = try await bench.client.create(OpenShellAPIGroup.sandboxes, namespace: Self.namespace, KubeObject([
            "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox",
            "metadata": ["name": .string(probe), "namespace": .string(Self.namespace)], "spec": [:],
        ]))
        var takeover: Double?
        var resumed: Double?
        // Reconcile writes (not Leases, not Events) of each replica, sampled every 20 ms.
        var lastOldWrite: ContinuousClock.Instant?
        var firstNewWrite: ContinuousClock.Instant?
        var oldWrites = reconcileWrites(requests, user: oldUser)
        let newWritesBefore = reconcileWrites(requests, user: newUser)
        try await poll(every: .milliseconds(20), timeout: .seconds(60)) {
            let now = ContinuousClock.now
            let old = reconcileWrites(requests, user: oldUser)
            if old != oldWrites { lastOldWrite = now; oldWrites = old }
            if firstNewWrite == nil, reconcileWrites(requests, user: newUser) != newWritesBefore { firstNewWrite = now }
            if takeover == nil, let current = try await holder(bench), current != before { takeover = (now - start).timeInterval }
            if resumed == nil, (try? await bench.client.get(SandboxResources.agentSandboxes, namespace: Self.namespace, name: probe)) != nil {
                resumed = (now - start).timeInterval
            }
            return takeover != nil && resumed != nil
        }
        await replicas[leaderIndex].waitForExit()
        try replicas[leaderIndex].start()
        let overlapped = lastOldWrite.flatMap { last in firstNewWrite.map { last >= $0 } } ?? false
        return Round(takeover: takeover ?? -1, resumed: resumed ?? -1, overlapped: overlapped)
    }

    /// The Lease's holder, nil while none.
    private func holder(_ bench: BenchServer) async throws -> String? {
        guard let lease = try? await bench.client.get(Self.leases, namespace: Self.leaseNamespace, name: Self.leaseName),
              let holder = lease.spec?["holderIdentity"]?.stringValue, !holder.isEmpty
        else { return nil }
        return holder
    }

    /// The replica whose `leader_election_master_status` is 1.
    private func leaderIndex(_ replicas: [OperatorReplica]) async throws -> Int {
        var found: Int?
        try await poll(every: .milliseconds(100), timeout: .seconds(60)) {
            for (index, replica) in replicas.enumerated() where await replica.isLeader() {
                found = index
                return true
            }
            return false
        }
        guard let found else { throw BenchFailure("no replica reports itself leader") }
        return found
    }

    /// Writes by `user` that are reconcile work: everything but Lease renewals and Events.
    private func reconcileWrites(_ requests: RequestLog, user: String) -> Int {
        let writes: Set<String> = ["create", "update", "patch", "delete", "deletecollection"]
        return requests.snapshot.reduce(0) { total, entry in
            let key = entry.key
            guard key.user == user, writes.contains(key.verb), key.resource != "leases", key.resource != "events" else { return total }
            return total + entry.value
        }
    }

    /// Probe sandboxes with more than one `Created` Event or not exactly one owned Sandbox.
    private func duplicateCreations(_ bench: BenchServer, expected: Int) async throws -> Int {
        let events = try await bench.client.list(.init(group: "events.k8s.io", version: "v1", resource: "events"), namespace: Self.namespace).items
        var created: [String: Int] = [:]
        for event in events where event.json["reason"]?.stringValue == SandboxEventReason.created {
            let name = event.json["regarding"]?["name"]?.stringValue ?? ""
            created[name, default: 0] += max(1, Int(event.json["series"]?["count"]?.intValue ?? 1))
        }
        let sandboxes = try await bench.client.list(SandboxResources.agentSandboxes, namespace: Self.namespace).items
        var duplicates = 0
        for index in 0..<expected {
            let name = "probe-\(index)"
            if created[name, default: 0] != 1 || sandboxes.count(where: { $0.name == name }) != 1 { duplicates += 1 }
        }
        return duplicates
    }

    /// `min / median / max` of the rounds' figures (one figure when there was one round).
    private func seconds(_ values: [Double]) -> String {
        let sorted = values.sorted()
        guard let first = sorted.first, let last = sorted.last else { return "-" }
        if sorted.count == 1 { return String(format: "%.1f s", first) }
        let middle = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        return String(format: "%.1f / %.1f / %.1f s", first, median, last)
    }
}

/// One `openshell-operator` process of the failover benchmark, restartable under the same API user.
struct OperatorReplica {
    let index: Int
    let directory: URL
    let kubeconfig: String
    let metricsPort = 20_000 + Int.random(in: 0..<20_000)
    /// Variables added to the inherited environment (e.g. `MALLOC_ARENA_MAX`).
    var environment: [String: String] = [:]
    /// Whether the process elects a leader (the binary's default); the
    /// memory benchmark runs one replica without, so a renewal starved on a
    /// loaded machine cannot end the run.
    var leaderElection = true
    private(set) var process: Process?

    init(index: Int, directory: URL, kubeconfig: String) {
        self.index = index
        self.directory = directory
        self.kubeconfig = kubeconfig
    }

    mutating func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("openshell-operator")
        process.arguments = [
            "run", "--kubeconfig", kubeconfig, "--database", directory.appendingPathComponent("queue-\(index).db").path,
            "--metrics-bind-address", "127.0.0.1:\(metricsPort)", "--health-probe-bind-address", "0", "--log-level", "warning",
        ] + (leaderElection ? ["--leader-election-namespace", FailoverBenchmark.leaseNamespace] : ["--no-leader-elect"])
        let log = directory.appendingPathComponent("replica-\(index).log")
        if !FileManager.default.fileExists(atPath: log.path) { FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        try process.run()
        self.process = process
    }

    func signal(_ signal: Int32) {
        guard let process else { return }
        kill(process.processIdentifier, signal)
    }

    func waitForExit() async {
        guard let process else { return }
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// Whether this replica's `/metrics` reports it holds the Lease.
    func isLeader() async -> Bool {
        guard let exposition = await exposition() else { return false }
        return exposition.split(separator: "\n").contains { line in
            line.hasPrefix("leader_election_master_status{") && line.split(separator: " ").last.flatMap { Double($0) } == 1
        }
    }

    /// This replica's `/metrics` text, or nil while it does not answer.
    func exposition() async -> String? {
        guard let client = try? RESTClient(configuration: ClientConfiguration(server: "http://127.0.0.1:\(metricsPort)")),
              let response = try? await client.request(method: .get, path: "/metrics", accept: "text/plain")
        else { return nil }
        return String(decoding: response.body, as: UTF8.self)
    }

    /// The sum of the series of metric `name` whose labels include `controller` (any when nil),
    /// or nil when the replica does not answer or has no such series.
    func metric(_ name: String, controller: String? = nil) async -> Double? {
        guard let exposition = await exposition() else { return nil }
        var total: Double?
        for line in exposition.split(separator: "\n") {
            let series = line.prefix { $0 != " " }
            guard series == name || series.hasPrefix(name + "{"),
                  controller.map({ series.contains("controller=\"\($0)\"") }) ?? true,
                  let value = line.split(separator: " ").last.flatMap({ Double($0) })
            else { continue }
            total = (total ?? 0) + value
        }
        return total
    }
}
