//! `controller-harness`: the operator runtime with only the echo reconciler,
//! for the runtime's crash tests and benchmarks. Not shipped.
import ArgumentParser
import Foundation
import KubeCore
import KubeRuntime
import Logging
import Operator

@main
struct HarnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller-harness",
        abstract: "The operator runtime with a test reconciler over ConfigMaps (echo and expiry).")

    @Option(help: "Path to a kubeconfig.")
    var kubeconfig: String

    @Option(help: "The SQLite work-queue file.")
    var database: String

    @Option(help: "The file each acting reconcile appends a line to.")
    var journal: String

    @Option(help: "Namespace to watch.")
    var namespace = "default"

    @Option(help: "Address for /metrics, /healthz and /readyz.")
    var httpAddress = "127.0.0.1:0"

    @Flag(inversion: .prefixedNo, help: "Elect a leader through a Lease.")
    var leaderElect = false

    @Option(help: "Seconds over which unchanged objects are looked at again after a start.")
    var sweepWindow: Double = 600

    @Option(help: "Reconciles that may run at once.")
    var maxConcurrentReconciles = 4

    @Flag(help: "Journal every reconcile, not only those that act.")
    var journalEveryReconcile = false

    @Option(help: "Leader-election identity. Default: hostname_uuid.")
    var identity: String?

    @Option(help: "Seconds a Lease is valid without renewal.")
    var leaseDuration: Double = 15

    @Option(help: "Seconds the leader keeps trying to renew before giving up.")
    var renewDeadline: Double = 10

    @Option(help: "Seconds between attempts to acquire or renew.")
    var retryPeriod: Double = 2

    @Option(help: "Log level.")
    var logLevel = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let scrubber = SecretScrubber()
        LoggingSystem.bootstrap(LogFormat.logfmt.handlerFactory(scrubber: scrubber, level: level))
        var logger = Logger(label: "controller-harness")
        logger.logLevel = level
        guard let address = try ListenAddress.parse(httpAddress) else {
            throw ValidationError("--http-address must be host:port")
        }
        let configuration = OperatorConfiguration(
            kubeconfig: kubeconfig, watchNamespace: namespace, databasePath: database,
            metricsAddress: address, probeAddress: address,
            leaderElection: leaderElect
                ? LeaderElectionSettings(
                    namespace: namespace, name: "controller-harness", identity: identity,
                    leaseDuration: .seconds(leaseDuration), renewDeadline: .seconds(renewDeadline),
                    retryPeriod: .seconds(retryPeriod))
                : nil,
            maxConcurrentReconciles: maxConcurrentReconciles,
            startupSweepWindow: .milliseconds(Int(sweepWindow * 1000)))
        let setup = EchoSetup(journal: try Journal(path: journal), journalEveryReconcile: journalEveryReconcile)
        try await OperatorProcess(configuration: configuration, setups: [setup], logger: logger, scrubber: scrubber).run()
    }
}

struct EchoSetup: ControllerSetup {
    let journal: Journal
    let journalEveryReconcile: Bool

    func makeControllers(in context: OperatorContext) throws -> [Controller] {
        let sources = context.informers.informer(
            for: context.informerConfiguration(for: .configMaps, labelSelector: EchoReconciler.sourceSelector))
        let echoes = context.informers.informer(
            for: context.informerConfiguration(for: .configMaps, labelSelector: EchoReconciler.echoSelector))
        let reconciler = EchoReconciler(
            client: context.client, sources: sources, echoes: echoes, journal: journal, clock: context.clock,
            journalEveryReconcile: journalEveryReconcile)
        let controller = Controller(
            configuration: context.controllerConfiguration(name: "echo"), primary: sources, queue: context.queue,
            reconciler: reconciler, clock: context.clock, logger: context.logger,
            metricsFactory: context.metricsFactory)
        controller.owns(echoes, ownerKind: GroupKind(group: "", kind: "ConfigMap"))
        return [controller]
    }
}
