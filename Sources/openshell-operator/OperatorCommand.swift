//! The `openshell-operator` command line: `run` (the default) starts the
//! operator; `--version` prints its release and the pinned upstream releases.
import ArgumentParser
import Foundation
import Logging
import Operator

@main
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openshell-operator",
        abstract: "Runs OpenShell on Kubernetes: gateways and sandboxes as custom resources.",
        version: OperatorVersion.summary,
        subcommands: [Run.self],
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

    func bootstrap() -> Logger {
        let format = logFormat
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = format.makeHandler(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "openshell-operator")
        logger.logLevel = level
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

    @Option(help: "Address for /metrics, /healthz and /readyz, as host:port.")
    var httpAddress = "0.0.0.0:8080"

    @Flag(inversion: .prefixedNo, help: "Elect a leader among replicas through a Lease.")
    var leaderElect = true

    @Option(help: "Namespace of the leader-election Lease. Default: the operator's own namespace.")
    var leaderElectionNamespace: String?

    @Option(help: "Name of the leader-election Lease.")
    var leaderElectionID = "openshell-operator-leader"

    @Option(help: "Reconciles of one controller that may run at once.")
    var maxConcurrentReconciles = 4

    func validate() throws {
        guard HostPort(httpAddress) != nil else {
            throw ValidationError("--http-address must be host:port, e.g. 0.0.0.0:8080 or 127.0.0.1:0")
        }
        guard maxConcurrentReconciles >= 1 else {
            throw ValidationError("--max-concurrent-reconciles must be at least 1")
        }
    }

    func run() async throws {
        let logger = logging.bootstrap()
        guard let address = HostPort(httpAddress) else { throw ValidationError("--http-address must be host:port") }
        let configuration = OperatorConfiguration(
            kubeconfig: cluster.kubeconfig, context: cluster.context, watchNamespace: namespace,
            databasePath: database, httpHost: address.host, httpPort: address.port,
            leaderElection: leaderElect
                ? LeaderElectionSettings(namespace: leaderElectionNamespace, name: leaderElectionID) : nil,
            maxConcurrentReconciles: maxConcurrentReconciles)
        let process = OperatorProcess(configuration: configuration, setups: [], logger: logger)
        try await process.run()
    }
}

/// `host:port`, with IPv6 hosts in brackets.
struct HostPort {
    var host: String
    var port: Int

    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }
}
