//! OperatorConfiguration: every setting of the operator process, with the
//! defaults controller-runtime users expect.
import Foundation
import KubeRuntime

/// How the operator process runs.
public struct OperatorConfiguration: Sendable {
    /// A kubeconfig path; `nil` follows the usual order ($KUBECONFIG,
    /// in-cluster, ~/.kube/config).
    public var kubeconfig: String?
    /// The kubeconfig context; `nil` uses the current context.
    public var context: String?
    /// The namespace to watch; `nil` watches all namespaces.
    public var watchNamespace: String?
    /// The SQLite work-queue file. Local to this pod (an `emptyDir` or a
    /// ReadWriteOnce volume), never shared; deleting it is safe.
    public var databasePath: String
    /// Where `/metrics` is served (controller-runtime's `:8080`; port 0 picks
    /// a free one); `nil` serves no metrics.
    public var metricsAddress: ListenAddress?
    /// Where `/healthz` and `/readyz` are served (controller-runtime's `:8081`);
    /// `nil` serves no probes. The same address as `metricsAddress` serves all
    /// three from one listener.
    public var probeAddress: ListenAddress?
    /// Leader election; `nil` runs the controllers without it (one replica only).
    public var leaderElection: LeaderElectionSettings?
    /// Reconciles of one controller that may run at once.
    public var maxConcurrentReconciles: Int
    /// Unchanged objects found at start-up are looked at again spread over this window.
    public var startupSweepWindow: Duration
    /// The time allowed for a graceful shutdown after SIGTERM/SIGINT.
    public var shutdownTimeout: Duration

    public init(
        kubeconfig: String? = nil, context: String? = nil, watchNamespace: String? = nil,
        databasePath: String = "/var/lib/openshell-operator/queue.db",
        metricsAddress: ListenAddress? = .defaultMetrics, probeAddress: ListenAddress? = .defaultProbes, leaderElection: LeaderElectionSettings? = LeaderElectionSettings(),
        maxConcurrentReconciles: Int = 4, startupSweepWindow: Duration = .seconds(600),
        shutdownTimeout: Duration = .seconds(30)
    ) {
        self.kubeconfig = kubeconfig
        self.context = context
        self.watchNamespace = watchNamespace
        self.databasePath = databasePath
        self.metricsAddress = metricsAddress
        self.probeAddress = probeAddress
        self.leaderElection = leaderElection
        self.maxConcurrentReconciles = maxConcurrentReconciles
        self.startupSweepWindow = startupSweepWindow
        self.shutdownTimeout = shutdownTimeout
    }
}

/// Where the leader-election Lease lives and how fast it moves.
public struct LeaderElectionSettings: Sendable, Hashable {
    /// The Lease's namespace; `nil` uses the namespace the operator runs in
    /// (the service-account namespace, or the kubeconfig context's).
    public var namespace: String?
    /// The Lease's name.
    public var name: String
    /// This replica's identity; `nil` uses `<hostname>_<uuid>`.
    public var identity: String?
    public var leaseDuration: Duration
    public var renewDeadline: Duration
    public var retryPeriod: Duration

    public init(
        namespace: String? = nil, name: String = "openshell-operator-leader", identity: String? = nil, leaseDuration: Duration = .seconds(15),
        renewDeadline: Duration = .seconds(10), retryPeriod: Duration = .seconds(2)
    ) {
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.renewDeadline = renewDeadline
        self.retryPeriod = retryPeriod
    }
}
