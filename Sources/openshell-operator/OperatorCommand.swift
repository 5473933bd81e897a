//! The `openshell-operator` command line: `run` (the default) starts the
//! operator; `--version` prints its release and the pinned upstream releases.
import ArgumentParser
import Foundation
import Logging
import KubeCore
import KubeRuntime
import Operator
import GatewayController
import SandboxController

@main
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openshell-operator",
        abstract: "Runs OpenShell on Kubernetes: gateways and sandboxes as custom resources.",
        version: OperatorVersion.summary,
        subcommands: [Run.self, CRDCommand.self],
        defaultSubcommand: Run.self)
}

/// Options every command that talks to a cluster shares.
struct ClusterOptions: ParsableArguments {
    @Option(help: "Path to a kubeconfig. Default: $KUBECONFIG, then in-cluster, then ~/.kube/config.")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context to use. Default: the current context.")
    var context: String?
}

/// Options of the operator's logs.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log format: logfmt or json.")
    var logFormat: LogFormat = .logfmt

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    /// Sends every log line through the chosen format, scrubbed of `scrubber`'s secrets.
    func bootstrap(scrubber: SecretScrubber) -> Logger {
        LoggingSystem.bootstrap(logFormat.handlerFactory(scrubber: scrubber, level: logLevel))
        var logger = Logger(label: "openshell-operator")
        logger.logLevel = logLevel
        return logger
    }
}

extension LogFormat: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the operator (the default command).")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var logging: LoggingOptions

    @Option(help: "Watch only this namespace. Default: all namespaces.")
    var namespace: String?

    @Option(help: "The SQLite work-queue file (local to this pod; deleting it is safe).")
    var database = "/var/lib/openshell-operator/queue.db"

    @Option(help: "Address for /metrics, as host:port (port 0 picks a free port; \"0\" serves none).")
    var metricsBindAddress = ListenAddress.defaultMetrics.description

    @Option(help: "Address for /healthz and /readyz, as host:port (\"0\" serves none). The metrics address serves all three.")
    var healthProbeBindAddress = ListenAddress.defaultProbes.description

    @Flag(inversion: .prefixedNo, help: "Elect a leader among replicas through a Lease.")
    var leaderElect = true

    @Option(help: "Namespace of the leader-election Lease. Default: the operator's own namespace.")
    var leaderElectionNamespace: String?

    @Option(help: "Name of the leader-election Lease.")
    var leaderElectionID = "openshell-operator-leader"

    @Option(help: "Reconciles of one controller that may run at once.")
    var maxConcurrentReconciles = 4

    @Option(help: ArgumentHelp(
        "The controllers to run, comma-separated: sandbox (OpenShellSandboxes and OpenShellPolicies), gateway (OpenShellGateways).",
        discussion: "Only the chosen controllers' informers start. A sandbox-only process needs no gateway RBAC (see docs/install.md)."))
    var controllers = ControllerSelection.all.description

    func validate() throws {
        for (flag, value) in [("--metrics-bind-address", metricsBindAddress), ("--health-probe-bind-address", healthProbeBindAddress)] {
            do {
                _ = try ListenAddress.parse(value)
            } catch {
                throw ValidationError("\(flag) must be host:port, :port, or 0 to turn it off; got \(value.goQuoted)")
            }
        }
        guard maxConcurrentReconciles >= 1 else {
            throw ValidationError("--max-concurrent-reconciles must be at least 1")
        }
        do {
            _ = try ControllerSelection(parsing: controllers)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let scrubber = SecretScrubber()
        let logger = logging.bootstrap(scrubber: scrubber)
        let metricsAddress = try ListenAddress.parse(metricsBindAddress)
        let probeAddress = try ListenAddress.parse(healthProbeBindAddress)
        let configuration = OperatorConfiguration(
            kubeconfig: cluster.kubeconfig, context: cluster.context, watchNamespace: namespace,
            databasePath: database, metricsAddress: metricsAddress, probeAddress: probeAddress,
            leaderElection: leaderElect
                ? LeaderElectionSettings(namespace: leaderElectionNamespace, name: leaderElectionID) : nil,
            maxConcurrentReconciles: maxConcurrentReconciles)
        let selection = try ControllerSelection(parsing: controllers)
        let setups = selection.setups([.sandbox: SandboxControllerSetup(), .gateway: GatewayControllerSetup()])
        let process = OperatorProcess(configuration: configuration, setups: setups, logger: logger, scrubber: scrubber)
        try await process.run()
    }
}
