//! `local-cluster`: runs the local Kubernetes API server with its simulated
//! cluster controllers until interrupted (SIGINT/SIGTERM stop it cleanly);
//! with `--operator`, the openshell-operator in the same process, and with
//! `--examples`, the example resources applied and followed until Ready.
import ArgumentParser
import Foundation
import LocalAPIServer
import LocalCluster
import Logging
import ServiceLifecycle

@main
struct LocalClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local-cluster",
        abstract: "A local Kubernetes API server with simulated cluster controllers (the project's envtest).")

    @Option(help: "Directory for the kubeconfig, token file and CA certificate.")
    var stateDir = ".local-cluster"

    @Option(help: "Address to serve HTTPS on.")
    var host = "127.0.0.1"

    @Option(help: "HTTPS port (0 picks a free port).")
    var port = 6443

    @Option(help: "Also serve plain HTTP on 127.0.0.1 at this port (0 picks a free port).")
    var httpPort: Int?

    @Option(name: .customLong("crds"), help: "A CRD YAML file or directory to install at start (repeatable).")
    var crdPaths: [String] = []

    @Option(help: "Seconds a simulated pod takes from creation to Ready.")
    var podReadyDelay: Double = 1

    @Option(help: "Images whose pods never become ready (repeatable), to simulate broken rollouts.")
    var brokenImage: [String] = []

    @Option(help: "A kube-apiserver token file (token,user,uid,\"group1,group2\" per line) of extra users.")
    var tokenAuthFile: String?

    @Option(help: "Changes kept for watches to resume from; older resourceVersions answer 410 Gone.")
    var watchHistory = 100_000

    @Option(help: "Seconds between BOOKMARK events on watches that allow them.")
    var bookmarkInterval: Double = 60

    @Option(help: "Authorization mode: AlwaysAllow or RBAC.")
    var authorizationMode: String = AuthorizationMode.alwaysAllow.rawValue

    @Flag(help: "Start without the simulated cluster controllers.")
    var noSimulators = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Flag(help: "Also run the openshell-operator in this process, against this cluster.")
    var `operator` = false

    @Option(help: "The operator's metrics port (with --operator).")
    var operatorMetricsPort = 8080

    @Option(help: "The operator's health probe port (with --operator).")
    var operatorProbePort = 8081

    @Option(help: "A directory of example resources (*.yaml) to apply once their kinds are served, then follow until every sandbox is Ready.")
    var examples: String?

    @Flag(help: "Exit (0) once every example sandbox is Ready, instead of running until interrupted.")
    var exitWhenReady = false

    @Option(help: "Seconds to wait for the example sandboxes to be Ready before failing.")
    var readyTimeout: Double = 180

    func validate() throws {
        guard AuthorizationMode(rawValue: authorizationMode) != nil else {
            throw ValidationError("--authorization-mode must be one of: \(AuthorizationMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if exitWhenReady, examples == nil {
            throw ValidationError("--exit-when-ready needs --examples")
        }
    }

    func run() async throws {
        var logger = Logger(label: "local-cluster")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        var configuration = LocalCluster.Configuration(stateDirectory: URL(fileURLWithPath: stateDir))
        configuration.host = host
        configuration.port = port
        configuration.plainHTTPPort = httpPort
        configuration.crdPaths = crdPaths.map { URL(fileURLWithPath: $0) }
        configuration.simulators.enabled = !noSimulators
        configuration.simulators.podReadyDelay = .milliseconds(Int(podReadyDelay * 1000))
        configuration.simulators.brokenImages = Set(brokenImage)
        if let tokenAuthFile {
            let text = try String(contentsOfFile: tokenAuthFile, encoding: .utf8)
            configuration.tokens = Authenticator.parseTokenFile(text)
        }
        configuration.watchHistory = watchHistory
        configuration.bookmarkInterval = .milliseconds(Int(bookmarkInterval * 1000))
        configuration.authorizationMode = AuthorizationMode(rawValue: authorizationMode) ?? .alwaysAllow
        let cluster = try LocalCluster(configuration: configuration, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: cluster)]
        if `operator` {
            var operatorLogger = Logger(label: "openshell-operator")
            operatorLogger.logLevel = logger.logLevel
            services.append(.init(service: EmbeddedOperator(
                cluster: cluster, stateDirectory: configuration.stateDirectory, metricsPort: operatorMetricsPort,
                probePort: operatorProbePort, logger: operatorLogger)))
        }
        if let examples {
            let demo = ExampleDemo(
                cluster: cluster, directory: URL(fileURLWithPath: examples), exitWhenReady: exitWhenReady,
                timeout: .milliseconds(Int(readyTimeout * 1000)), metricsPort: operatorMetricsPort, probePort: operatorProbePort)
            // Done (with --exit-when-ready) ends the run; a failure ends it with an error.
            services.append(.init(service: demo, successTerminationBehavior: exitWhenReady ? .gracefullyShutdownGroup : .ignore))
        } else {
            services.append(.init(service: ReadyAnnouncer(cluster: cluster), successTerminationBehavior: .ignore))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
