//! `local-cluster`: runs the local Kubernetes API server with its simulated
//! cluster controllers until interrupted (SIGINT/SIGTERM stop it cleanly).
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

    func validate() throws {
        guard AuthorizationMode(rawValue: authorizationMode) != nil else {
            throw ValidationError("--authorization-mode must be one of: \(AuthorizationMode.allCases.map(\.rawValue).joined(separator: ", "))")
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
        let announcer = ReadyAnnouncer(cluster: cluster)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: cluster), .init(service: announcer, successTerminationBehavior: .ignore)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
