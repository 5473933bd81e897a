//! HealthChecks: named health checks behind `/healthz` and `/readyz`, and
//! their text report in the format kube-apiserver and controller-runtime
//! share (`ok`; `[+]name ok` / `[-]name failed: reason withheld` lines).
import KubeCore

/// A set of named checks served under one endpoint (`healthz`, `readyz`).
///
/// A check passes by returning and fails by throwing; the error's description
/// is the reason, logged and shown at `/<endpoint>/<name>` but withheld from
/// the aggregate report, which is public (as in Kubernetes).
public final class HealthChecks: Sendable {
    public typealias Check = @Sendable () async throws -> Void

    /// The endpoint name, used in the report's last line (`readyz check failed`).
    public let endpoint: String
    private let checks = Locked<[String: Check]>([:])

    public init(endpoint: String) {
        self.endpoint = endpoint
    }

    /// Adds a check, replacing any of the same name. Names should be short
    /// path-safe words (`ping`, `informers`, `queue-db`, `leader-election`).
    public func add(_ name: String, _ check: @escaping Check) {
        checks.withLock { $0[name] = check }
    }

    public func remove(_ name: String) {
        checks.withLock { $0[name] = nil }
    }

    public var names: [String] { checks.withLock { $0.keys.sorted() } }

    /// Runs the checks not in `excluding`, in name order. With no checks
    /// registered, a passing `ping` check stands in (controller-runtime's default).
    public func evaluate(excluding: Set<String> = []) async -> HealthReport {
        let registered = checks.withLock { $0 }
        guard !registered.isEmpty else {
            return HealthReport(endpoint: endpoint, results: [.init(name: "ping", outcome: .passed)], unknownExclusions: [])
        }
        var results: [HealthReport.Result] = []
        for name in registered.keys.sorted() {
            if excluding.contains(name) {
                results.append(.init(name: name, outcome: .excluded))
                continue
            }
            do {
                try await registered[name]?()
                results.append(.init(name: name, outcome: .passed))
            } catch {
                results.append(.init(name: name, outcome: .failed(String(describing: error))))
            }
        }
        let unknown = excluding.subtracting(registered.keys).sorted()
        return HealthReport(endpoint: endpoint, results: results, unknownExclusions: unknown)
    }

    /// Runs one check; `nil` when there is no check of that name.
    public func evaluate(check name: String) async -> HealthReport.Outcome? {
        let registered = checks.withLock { $0 }
        guard let check = registered[name] else {
            return registered.isEmpty && name == "ping" ? .passed : nil
        }
        do {
            try await check()
            return .passed
        } catch {
            return .failed(String(describing: error))
        }
    }
}

/// The outcome of evaluating a `HealthChecks`.
public struct HealthReport: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        case passed
        case excluded
        /// Failed, with the reason.
        case failed(String)
    }

    public struct Result: Sendable, Hashable {
        public var name: String
        public var outcome: Outcome
    }

    public var endpoint: String
    /// In name order.
    public var results: [Result]
    /// Names asked to be excluded that match no check.
    public var unknownExclusions: [String]

    public var isHealthy: Bool {
        !results.contains { if case .failed = $0.outcome { true } else { false } }
    }

    /// The failed checks and their reasons.
    public var failures: [(name: String, reason: String)] {
        results.compactMap { if case .failed(let reason) = $0.outcome { ($0.name, reason) } else { nil } }
    }

    /// The response body: `ok` when healthy and not verbose; otherwise one
    /// line per check, any warning about unknown exclusions, and
    /// `<endpoint> check passed` / `<endpoint> check failed`.
    public func render(verbose: Bool) -> String {
        if isHealthy && !verbose { return "ok" }
        var lines: [String] = results.map { result in
            switch result.outcome {
            case .passed: "[+]\(result.name) ok"
            case .excluded: "[+]\(result.name) excluded: ok"
            case .failed: "[-]\(result.name) failed: reason withheld"
            }
        }
        if !unknownExclusions.isEmpty {
            let quoted = unknownExclusions.map { "\"\($0)\"" }.joined(separator: ",")
            lines.append("warn: some health checks cannot be excluded: no matches for \(quoted)")
        }
        lines.append(isHealthy ? "\(endpoint) check passed" : "\(endpoint) check failed")
        return lines.joined(separator: "\n") + "\n"
    }
}
