//! `operator-chaos`: the crash storm (`crash`) and the API fault soak (`api`)
//! against the real operator binary on a local API server, each ending with
//! the invariant checker; exits non-zero on any violation. Run by
//! `make chaos-crash` and `make chaos-api`; described in docs/chaos.md.
import ArgumentParser
import ChaosSupport
import Foundation

@main
struct OperatorChaos: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator-chaos",
        abstract: "Chaos runs of the operator: SIGKILL storm, API fault soak; invariants checked after convergence.",
        subcommands: [Crash.self, API.self])
}

/// Options of both runs.
struct WorkloadOptions: ParsableArguments {
    @Option(help: "OpenShellSandboxes in the workload.")
    var count = 1000

    @Option(help: "Namespaces they are spread over.")
    var namespaces = 4

    @Option(help: "Seed of the workload, the kill points and the faults.")
    var seed: UInt64 = 1

    @Option(help: "Seconds the workload's operations are spread over.")
    var duration: Double = 120

    @Option(help: "Seconds the checker waits for the invariants to hold.")
    var convergeTimeout = 600

    @Option(help: "The operator's log level (its logs are kept when a run fails).")
    var operatorLogLevel = "info"

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        guard namespaces > 0 else { throw ValidationError("--namespaces must be positive") }
        guard duration >= 1 else { throw ValidationError("--duration must be at least 1 s") }
        guard convergeTimeout > 0 else { throw ValidationError("--converge-timeout must be positive") }
    }

    var settings: ChaosSettings {
        var settings = ChaosSettings()
        settings.count = count
        settings.namespaces = namespaces
        settings.seed = seed
        settings.duration = duration
        settings.convergeTimeout = .seconds(convergeTimeout)
        settings.operatorLogLevel = operatorLogLevel
        settings.progress = { line in
            print(line)
            fflush(nil)
        }
        return settings
    }
}

struct Crash: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "SIGKILL the operator at seeded points while the workload runs, restarting it on the same queue database.")

    @OptionGroup var workload: WorkloadOptions

    @Option(help: "SIGKILLs, at seeded points over the workload's duration.")
    var kills = 100

    func validate() throws {
        guard kills >= 0 else { throw ValidationError("--kills must not be negative") }
    }

    func run() async throws {
        let report = try await ChaosRuns.crash(workload.settings, kills: kills)
        try finish(report)
    }
}

struct API: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Fail, throttle and cut the operator's API requests and compact the server's history while the workload runs.")

    @OptionGroup var workload: WorkloadOptions

    @Option(help: "Share of the operator's requests answered 500.")
    var serverErrors = 0.10

    @Option(help: "Share answered 429 with Retry-After.")
    var throttled = 0.05

    @Option(help: "Seconds after which every watch is cut.")
    var cutWatchesAfter: Double = 10

    @Option(help: "Seconds between forced compactions (410 Gone for stale watches).")
    var compactEvery = 60

    @Flag(inversion: .prefixedNo, help: "Run the same workload without faults first, to count the extra requests.")
    var baseline = true

    func validate() throws {
        guard (0..<1).contains(serverErrors), (0..<1).contains(throttled), serverErrors + throttled < 1 else {
            throw ValidationError("--server-errors and --throttled are shares in [0, 1) adding up to less than 1")
        }
        guard cutWatchesAfter > 0 else { throw ValidationError("--cut-watches-after must be positive") }
        guard compactEvery > 0 else { throw ValidationError("--compact-every must be positive") }
    }

    func run() async throws {
        var faults = ChaosRuns.Faults()
        faults.serverErrors = serverErrors
        faults.throttled = throttled
        faults.cutWatchesAfter = cutWatchesAfter
        faults.compactEvery = .seconds(compactEvery)
        let report = try await ChaosRuns.faultSoak(workload.settings, faults: faults, baseline: baseline)
        try finish(report)
    }
}

/// Prints the figures and every violation; exits 1 when any invariant broke.
func finish(_ report: ChaosReport) throws {
    print("")
    for line in report.lines { print(line) }
    for violation in report.violations { print("VIOLATION \(violation)") }
    for line in report.details { print(line) }
    for failure in report.failures { print("FAILURE \(failure)") }
    if let directory = report.keptDirectory { print("operator logs and queue database kept in \(directory)") }
    print(report.passed ? "PASSED" : "FAILED")
    fflush(nil)
    if !report.passed { throw ExitCode(1) }
}
