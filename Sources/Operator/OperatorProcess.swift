//! OperatorProcess: the assembly of one operator process — client, work
//! queue, Event recorder, shared informers, the controllers, leader election
//! and the HTTP endpoints — run as one ServiceGroup that shuts down cleanly
//! on SIGTERM/SIGINT.
import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import Logging
import CoreMetrics
import Prometheus
import ServiceLifecycle
import WorkQueue

/// Everything a controller's set-up may use.
public struct OperatorContext: Sendable {
    public let configuration: OperatorConfiguration
    public let client: RESTClient
    /// The namespace the operator runs in (service account or kubeconfig context).
    public let namespace: String
    public let informers: SharedInformers
    public let queue: PersistentWorkQueue
    public let events: EventRecorder
    public let scrubber: SecretScrubber
    public let clock: any WallClock
    public let logger: Logger
    public let metricsFactory: any MetricsFactory
    /// `/readyz`: setups add the checks of what their controllers depend on.
    public let readiness: HealthChecks

    /// A controller configuration with the process's defaults.
    public func controllerConfiguration(name: String) -> ControllerConfiguration {
        ControllerConfiguration(
            name: name, maxConcurrentReconciles: configuration.maxConcurrentReconciles,
            startupSweepWindow: configuration.startupSweepWindow)
    }

    /// An informer configuration for `resource` scoped to the watched namespace.
    public func informerConfiguration(for resource: GroupVersionResource, labelSelector: String? = nil) -> InformerConfiguration {
        InformerConfiguration(resource: resource, namespace: configuration.watchNamespace, labelSelector: labelSelector)
    }
}

/// Builds the controllers of one reconciler: asks the shared informers for
/// what it watches and wires owned and related objects to its keys.
public protocol ControllerSetup: Sendable {
    func makeControllers(in context: OperatorContext) throws -> [Controller]
}

/// One operator process.
public final class OperatorProcess: Sendable {
    public let configuration: OperatorConfiguration
    private let setups: [any ControllerSetup]
    private let logger: Logger
    private let clock: any WallClock
    private let registry: PrometheusCollectorRegistry
    private let scrubber: SecretScrubber

    /// - Parameters:
    ///   - scrubber: the process's registry of secret values, shared with the
    ///     log handlers so that no log line, Event or status carries one.
    ///   - registry: where metrics are collected and served from `/metrics`.
    public init(
        configuration: OperatorConfiguration, setups: [any ControllerSetup], logger: Logger,
        scrubber: SecretScrubber = SecretScrubber(), clock: any WallClock = SystemWallClock(),
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
    ) {
        self.configuration = configuration
        self.setups = setups
        self.logger = logger
        self.scrubber = scrubber
        self.clock = clock
        self.registry = registry
    }

    /// Runs until SIGTERM/SIGINT (graceful, bounded by `shutdownTimeout`),
    /// cancellation, or a fatal error such as lost leadership.
    public func run() async throws {
        let metricsFactory = PrometheusMetricsFactory(registry: registry)
        let resolved = try ClientConfiguration.load(kubeconfig: configuration.kubeconfig, context: configuration.context)
        let client = try RESTClient(
            configuration: resolved.configuration, logger: logger.with(label: "kube-client"),
            metrics: ClientMetrics(factory: metricsFactory))
        let queue = try PersistentWorkQueue.open(
            path: configuration.databasePath, clock: clock, logger: logger.with(label: "workqueue"),
            metrics: metricsFactory)
        // A clean close checkpoints the WAL into the file and removes it.
        defer { queue.close() }
        let identity = configuration.leaderElection?.identity ?? LeaderElectionConfiguration.defaultIdentity()
        let events = EventRecorder(
            client: client, reportingController: "openshell.ai/openshell-operator", reportingInstance: identity,
            scrubber: scrubber, clock: clock, logger: logger.with(label: "events"), metrics: metricsFactory)
        let informers = SharedInformers(client: client, logger: logger.with(label: "informers"))
        let readyz = HealthChecks(endpoint: "readyz")
        let context = OperatorContext(
            configuration: configuration, client: client, namespace: resolved.namespace, informers: informers,
            queue: queue, events: events, scrubber: scrubber, clock: clock, logger: logger,
            metricsFactory: metricsFactory, readiness: readyz)
        let controllers = try setups.flatMap { try $0.makeControllers(in: context) }
        // A database fault that left the queue empty lost the pending work (retries,
        // requeue-after deadlines): every object the caches hold gets one more look.
        queue.onStateLost { [logger] in
            for controller in controllers {
                let keys = controller.primary.cache.keys
                logger.info(
                    "queueing every cached object again after the work queue database was replaced",
                    metadata: ["controller": "\(controller.configuration.name)", "keys": "\(keys.count)"])
                controller.enqueue(keys)
            }
        }

        let healthz = HealthChecks(endpoint: "healthz")
        healthz.add("ping") {}
        readyz.add("informers-synced") {
            guard informers.hasSynced else { throw HealthCheckFailure("caches have not synced yet") }
        }
        readyz.add("work-queue") { try queue.checkWritable() }
        let servers = httpServers(healthz: healthz, readyz: readyz)

        var election: LeaderElector?
        if let settings = configuration.leaderElection {
            election = try LeaderElector(
                client: client,
                configuration: LeaderElectionConfiguration(
                    namespace: settings.namespace ?? resolved.namespace, name: settings.name, identity: identity,
                    leaseDuration: settings.leaseDuration, renewDeadline: settings.renewDeadline,
                    retryPeriod: settings.retryPeriod),
                clock: clock, logger: logger.with(label: "leader-election"), metrics: metricsFactory)
        }
        let supervisor = ControllerSupervisor(controllers: controllers, election: election, logger: logger)

        logger.info("starting", metadata: [
            "version": "\(OperatorVersion.current)", "cluster": "\(resolved.source)",
            "database": "\(configuration.databasePath)", "controllers": "\(controllers.map(\.configuration.name))",
            "leaderElection": "\(election != nil)",
        ])
        // Shut down in reverse: controllers (and the lease) first, the HTTP endpoints last.
        var groupConfiguration = ServiceGroupConfiguration(
            services: servers.map { .init(service: $0) } + [
                .init(service: events), .init(service: informers), .init(service: supervisor),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // A shutdown that takes longer is cut short by cancellation (kubelet's
        // default grace period is 30 s too).
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownTimeout
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
        client.transport.shutdown()
    }

    /// One listener for metrics and one for probes, or one for all when the
    /// addresses are the same.
    private func httpServers(healthz: HealthChecks, readyz: HealthChecks) -> [OperatorHTTPServer] {
        let logger = logger.with(label: "http")
        switch (configuration.metricsAddress, configuration.probeAddress) {
        case (let metrics?, let probes?) where metrics == probes:
            return [OperatorHTTPServer(address: metrics, metrics: registry, healthz: healthz, readyz: readyz, logger: logger)]
        case (let metrics, let probes):
            return [
                metrics.map { OperatorHTTPServer(address: $0, metrics: registry, logger: logger) },
                probes.map { OperatorHTTPServer(address: $0, healthz: healthz, readyz: readyz, logger: logger) },
            ].compactMap { $0 }
        }
    }
}

/// A failed health check's reason.
public struct HealthCheckFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs the controllers, under leader election when configured. Losing the
/// lease ends the process (controller-runtime does the same): a restarted
/// process rejoins as a standby with fresh state.
struct ControllerSupervisor: Service {
    let controllers: [Controller]
    let election: LeaderElector?
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            if let election {
                try await election.run { try await runControllers() }
            } else {
                try await runControllers()
            }
        }
    }

    private func runControllers() async throws {
        guard !controllers.isEmpty else { return await suspendUntilCancelled() }
        try await withThrowingDiscardingTaskGroup { group in
            for controller in controllers {
                group.addTask { try await controller.run() }
            }
        }
    }
}

extension Logger {
        /// A logger for a part of the process, made by the bootstrapped logging
    /// system, at this logger's level.
    func with(label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }
}
