//! The two chaos runs, shared by `operator-chaos` and the tests: the crash
//! storm (the operator binary SIGKILLed at seeded points and restarted on the
//! same queue database while the workload runs) and the API fault soak (the
//! server fails, throttles and cuts the operator's requests and compacts its
//! history while the workload runs). Both end with the invariant checker.
import Foundation
import KubeCore
import LocalAPIServer
import Logging

/// What a run found and the figures it prints.
public struct ChaosReport: Sendable {
    /// The figures, one line each.
    public var lines: [String] = []
    /// Broken invariants after the run converged (or timed out converging).
    public var violations: [Violation] = []
    /// The planned steps of the objects the violations name.
    public var details: [String] = []
    /// Other reasons the run failed (a run that never converged under faults, an unclean exit).
    public var failures: [String] = []
    /// Where the operator logs and queue database were kept (failed runs only).
    public var keptDirectory: String?
    /// The run's counts by name (`kills`, `answered500`, `answered429`, `lists`, `compactions`, `objects`).
    public var counts: [String: Int] = [:]

    public var passed: Bool { violations.isEmpty && failures.isEmpty }
}

/// Settings both runs share.
public struct ChaosSettings: Sendable {
    public var count = 1000
    public var namespaces = 4
    public var seed: UInt64 = 1
    /// Seconds the workload's operations are spread over.
    public var duration: Double = 120
    /// How long the checker waits for the invariants to hold.
    public var convergeTimeout: Duration = .seconds(600)
    public var podReadyDelay: Duration = .milliseconds(200)
    public var podStopDelay: Duration = .milliseconds(200)
    /// The operator's log level (its logs go to files in the run's directory).
    public var operatorLogLevel = "info"
    /// Progress lines (stdout in the executable).
    public var progress: @Sendable (String) -> Void = { _ in }

    public init() {}
}

public enum ChaosRuns {
    // MARK: Crash storm

    /// The workload with the operator SIGKILLed `kills` times at seeded points and restarted each time.
    public static func crash(_ settings: ChaosSettings, kills: Int) async throws -> ChaosReport {
        let plan = WorkloadPlan.make(count: settings.count, namespaceCount: settings.namespaces, duration: settings.duration, seed: settings.seed)
        let killPoints = killSchedule(kills: kills, duration: settings.duration, seed: settings.seed)
        let binary = try OperatorChild.locateBinary()
        let progress = settings.progress
        progress("crash storm: \(describe(plan)), \(kills) SIGKILLs, seed \(settings.seed)")
        return try await ChaosCluster.with(
            namespaces: plan.namespaces, podReadyDelay: settings.podReadyDelay, podStopDelay: settings.podStopDelay,
            logger: quietLogger(), keepDirectory: { !$0.passed }
        ) { cluster in
            let foreign = try await cluster.createForeign(plan.foreign)
            let database = cluster.directory.appendingPathComponent("queue.db").path
            @Sendable func start(_ run: Int) throws -> OperatorChild {
                try OperatorChild(
                    binary: binary, kubeconfig: cluster.operatorKubeconfig, database: database,
                    logPath: cluster.directory.appendingPathComponent("operator-\(run).log").path, logLevel: settings.operatorLogLevel)
            }
            var current = try start(1)
            let begin = ContinuousClock.now
            let workload = Task { try await cluster.run(plan.operations, from: begin) }
            defer { workload.cancel() }
            var lastStart = begin
            for (index, point) in killPoints.enumerated() {
                // At least 200 ms of life, so every kill lands in a running process, not in exec.
                let due = max(begin + .milliseconds(Int(point * 1000)), lastStart + .milliseconds(200))
                if due > .now { try await Task.sleep(until: due) }
                await current.kill()
                current = try start(index + 2)
                lastStart = .now
                if (index + 1) % max(1, kills / 10) == 0 || index + 1 == kills {
                    progress("  \(index + 1)/\(kills) kills, \(seconds(ContinuousClock.now - begin)) s")
                }
            }
            try await workload.value
            let lastChange = ContinuousClock.now
            progress("  workload done after \(seconds(lastChange - begin)) s; converging")
            let checker = InvariantChecker(expectations: plan.expectations, foreign: foreign)
            let operatorChild = current
            let (violations, converged) = try await converge(
                cluster, plan: plan, checker: checker, checkQueue: true, timeout: settings.convergeTimeout, progress: progress,
                depths: { await operatorChild.queueDepths() })
            var report = ChaosReport()
            report.violations = violations
            report.counts = ["objects": plan.expectations.count, "kills": killPoints.count]
            let exit = await current.terminate()
            if exit != 0 { report.failures.append("the last operator run exited \(exit) on SIGTERM") }
            report.lines = [
                row("objects (OpenShellSandboxes planned)", "\(plan.expectations.count) in \(plan.namespaces.count) namespaces"),
                row("operations applied", "\(plan.operations.count) over \(seconds(lastChange - begin)) s"),
                row("foreign objects", "\(foreign.count)"),
                row("SIGKILLs (restarts on the same database)", "\(killPoints.count)"),
                row("converged after the last change", converged.map { "\(seconds($0)) s" } ?? "no (timed out)"),
                row("violations", "\(violations.count)"),
            ]
            report.details = steps(for: violations, in: plan)
            if !report.passed { report.keptDirectory = cluster.directory.path }
            return report
        }
    }

    // MARK: API fault soak

    /// The faults of the soak.
    public struct Faults: Sendable {
        /// Share of the operator's requests answered 500.
        public var serverErrors = 0.10
        /// Share answered 429 with `Retry-After`.
        public var throttled = 0.05
        public var retryAfterSeconds = 1
        /// Every watch is cut this long after it started.
        public var cutWatchesAfter: Double = 10
        /// The server's history is compacted this often (stale watches get 410 Gone).
        public var compactEvery: Duration = .seconds(60)

        public init() {}

        /// The rules: rule order matters (the first failing rule answers), so
        /// the 429 probability is conditional on not having drawn a 500.
        var rules: [FaultRule] {
            [
                FaultRule(code: 500, probability: serverErrors),
                FaultRule(code: 429, retryAfterSeconds: retryAfterSeconds, probability: throttled / max(0.01, 1 - serverErrors)),
                FaultRule(cutWatchAfterSeconds: cutWatchesAfter),
            ]
        }
    }

    /// One soak's figures.
    struct Soak: Sendable {
        var violations: [Violation]
        var convergedUnderFaults: Duration?
        var requests: [RequestKey: Int]
        var compactions: Int
        var keptDirectory: String?
    }

    /// The workload under the faults, and (with `baseline`) the same seeded workload without them first.
    public static func faultSoak(_ settings: ChaosSettings, faults: Faults, baseline: Bool) async throws -> ChaosReport {
        let plan = WorkloadPlan.make(count: settings.count, namespaceCount: settings.namespaces, duration: settings.duration, seed: settings.seed)
        let progress = settings.progress
        progress("API fault soak: \(describe(plan)), \(Int(faults.serverErrors * 100)) % 500, \(Int(faults.throttled * 100)) % 429 "
            + "(Retry-After \(faults.retryAfterSeconds) s), watches cut after \(faults.cutWatchesAfter) s, compaction every \(faults.compactEvery), seed \(settings.seed)")
        var clean: Soak?
        if baseline {
            progress("baseline (no faults):")
            clean = try await soak(settings, plan: plan, faults: nil)
        }
        progress("with faults:")
        let faulted = try await soak(settings, plan: plan, faults: faults)

        var report = ChaosReport()
        report.violations = faulted.violations + (clean?.violations.map { Violation($0.kind, "baseline: " + $0.subject, $0.detail) } ?? [])
        if faulted.convergedUnderFaults == nil { report.failures.append("the objects did not converge under faults within \(settings.convergeTimeout)") }
        report.keptDirectory = faulted.keptDirectory ?? clean?.keptDirectory
        func total(_ requests: [RequestKey: Int], _ include: (RequestKey) -> Bool = { _ in true }) -> Int {
            requests.filter { include($0.key) }.values.reduce(0, +)
        }
        let failed = faulted.requests.filter { $0.key.code >= 400 }
        report.counts = [
            "objects": plan.expectations.count, "compactions": faulted.compactions,
            "answered500": total(failed) { $0.code == 500 }, "answered429": total(failed) { $0.code == 429 },
            "lists": total(faulted.requests) { $0.verb == "list" },
        ]
        report.lines = [
            row("objects (OpenShellSandboxes planned)", "\(plan.expectations.count) in \(plan.namespaces.count) namespaces"),
            row("operations applied", "\(plan.operations.count) over \(String(format: "%.0f", plan.duration)) s"),
            row("foreign objects", "\(plan.foreign.count)"),
            // A watch resumed from before a compaction gets 410 Gone inside its stream (HTTP 200), as from
            // kube-apiserver, so the request log shows it as the relist that follows.
            row("compactions (410 Gone for stale watches)", "\(faulted.compactions)"),
            row("operator requests with faults", "\(total(faulted.requests))"),
            row("  answered 500 / 429", "\(total(failed) { $0.code == 500 }) / \(total(failed) { $0.code == 429 })"),
            row("  watches started / lists", "\(total(faulted.requests) { $0.verb == "watch" }) / \(total(faulted.requests) { $0.verb == "list" })"),
            row("converged after the last change, faults on", faulted.convergedUnderFaults.map { "\(seconds($0)) s" } ?? "no (timed out)"),
        ]
        if let clean {
            let extra = total(faulted.requests) - total(clean.requests)
            let percent = Double(extra) / Double(max(1, total(clean.requests))) * 100
            report.lines += [
                row("operator requests, fault-free baseline", "\(total(clean.requests))"),
                row("  watches started / lists", "\(total(clean.requests) { $0.verb == "watch" }) / \(total(clean.requests) { $0.verb == "list" })"),
                row("extra requests caused by the faults", String(format: "%d (%+.0f %%)", extra, percent)),
                row("  of which writes", "\(total(faulted.requests) { writeVerbs.contains($0.verb) } - total(clean.requests) { writeVerbs.contains($0.verb) })"),
                row("converged after the last change, baseline", clean.convergedUnderFaults.map { "\(seconds($0)) s" } ?? "no (timed out)"),
            ]
        }
        report.lines.append(row("violations", "\(report.violations.count)"))
        report.details = steps(for: report.violations, in: plan)
        return report
    }

    static let writeVerbs: Set<String> = ["create", "update", "patch", "delete", "deletecollection"]

    /// One run of the workload, with `faults` on until the objects converged (nil: a clean run).
    static func soak(_ settings: ChaosSettings, plan: WorkloadPlan, faults: Faults?) async throws -> Soak {
        let binary = try OperatorChild.locateBinary()
        let progress = settings.progress
        return try await ChaosCluster.with(
            namespaces: plan.namespaces, podReadyDelay: settings.podReadyDelay, podStopDelay: settings.podStopDelay,
            logger: quietLogger(), keepDirectory: { !$0.violations.isEmpty || $0.convergedUnderFaults == nil }
        ) { cluster in
            let foreign = try await cluster.createForeign(plan.foreign)
            let server = cluster.server
            server.requests.reset()
            if let faults {
                server.faults.reseed(settings.seed)
                for rule in faults.rules { server.faults.add(rule) }
            }
            let operatorChild = try OperatorChild(
                binary: binary, kubeconfig: cluster.operatorKubeconfig,
                database: cluster.directory.appendingPathComponent("queue.db").path,
                logPath: cluster.directory.appendingPathComponent("operator-1.log").path, logLevel: settings.operatorLogLevel)
            let compactions = Locked(0)
            let compactor = Task {
                guard let every = faults?.compactEvery else { return }
                while !Task.isCancelled {
                    try await Task.sleep(for: every)
                    server.core.store.compact()
                    compactions.withLock { $0 += 1 }
                }
            }
            defer { compactor.cancel() }
            let begin = ContinuousClock.now
            try await cluster.run(plan.operations, from: begin)
            progress("  workload done after \(seconds(ContinuousClock.now - begin)) s; converging\(faults == nil ? "" : " with the faults on")")
            let checker = InvariantChecker(expectations: plan.expectations, foreign: foreign)
            let depths: @Sendable () async -> [String: Double]? = { await operatorChild.queueDepths() }
            // The objects converge with the faults still on…
            let (_, underFaults) = try await converge(
                cluster, plan: plan, checker: checker, checkQueue: false, timeout: settings.convergeTimeout, progress: progress, depths: depths)
            // …then the faults stop and every invariant, the empty queue too, must hold.
            compactor.cancel()
            server.faults.clear()
            let (violations, _) = try await converge(
                cluster, plan: plan, checker: checker, checkQueue: true, timeout: .seconds(120), progress: progress, depths: depths)
            let requests = server.requests.snapshot.filter { $0.key.user == ChaosCluster.operatorUser }
            _ = await operatorChild.terminate()
            return Soak(
                violations: violations, convergedUnderFaults: underFaults, requests: requests,
                compactions: compactions.withLock { $0 }, keptDirectory: violations.isEmpty ? nil : cluster.directory.path)
        }
    }

    // MARK: Converging

    /// Checks the invariants until they hold twice in a row a second apart, or
    /// `timeout` passes; returns the last violations and, when they held, how long it took.
    static func converge(
        _ cluster: ChaosCluster, plan: WorkloadPlan, checker: InvariantChecker, checkQueue: Bool, timeout: Duration,
        progress: @Sendable (String) -> Void, depths: @Sendable () async -> [String: Double]?
    ) async throws -> ([Violation], Duration?) {
        let begin = ContinuousClock.now
        var lastProgress = begin
        var cleanSince: ContinuousClock.Instant?
        while true {
            let snapshot = try await cluster.snapshot(
                namespaces: plan.namespaces, foreign: checker.foreign, queueDepths: checkQueue ? await depths() : [:])
            let violations = checker.violations(snapshot, checkQueue: checkQueue)
            let now = ContinuousClock.now
            if violations.isEmpty {
                if let cleanSince, now - cleanSince >= .seconds(1) { return ([], cleanSince - begin) }
                cleanSince = cleanSince ?? now
            } else {
                cleanSince = nil
                if now - begin >= timeout { return (violations, nil) }
                if now - lastProgress >= .seconds(5) {
                    lastProgress = now
                    progress("  converging\(checkQueue ? "" : " (objects)"): \(seconds(now - begin)) s, \(violations.count) left: \(Violation.summary(violations))")
                }
            }
            try await Task.sleep(for: .milliseconds(plan.expectations.count > 200 ? 1000 : 250))
        }
    }

    // MARK: Formatting

    /// The planned steps of every OpenShellSandbox a violation names, to reproduce it with the seed.
    static func steps(for violations: [Violation], in plan: WorkloadPlan) -> [String] {
        let keys = Set(violations.compactMap { violation -> ObjectKey? in
            let subject = violation.subject.replacingOccurrences(of: "baseline: ", with: "")
            guard subject.hasPrefix("OpenShellSandbox ") else { return nil }
            return ObjectKey(String(subject.dropFirst("OpenShellSandbox ".count)))
        })
        return keys.sorted().map { key in
            let steps = plan.operations.filter { $0.key == key }.map { String(format: "%.2f s ", $0.offset) + $0.operation.description }
            return "steps of \(key): " + steps.joined(separator: "; ")
        }
    }


    static func describe(_ plan: WorkloadPlan) -> String {
        let states = Dictionary(grouping: plan.expectations.values) { state -> String in
            switch state {
            case .ready: "Ready"
            case .suspended: "Suspended"
            case .expired: "Expired"
            case .conflict: "Conflict"
            case .absent: "deleted"
            }
        }.mapValues(\.count).sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        return "\(plan.expectations.count) sandboxes (\(states)), \(plan.operations.count) operations over \(String(format: "%.0f", plan.duration)) s"
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    static func row(_ name: String, _ value: String) -> String {
        "  " + name.padding(toLength: max(44, name.count + 1), withPad: " ", startingAt: 0) + value
    }

    static func quietLogger() -> Logger {
        var logger = Logger(label: "operator-chaos")
        logger.logLevel = .error
        return logger
    }
}
