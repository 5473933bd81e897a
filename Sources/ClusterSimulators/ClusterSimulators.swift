//! ClusterSimulators: the simulated cluster behind the local API server — the
//! garbage collector, namespace finalization, a scheduler and kubelet for one
//! node, the Deployment, StatefulSet and Job controllers, a volume binder, the
//! Agent Sandbox controller and a small cert-manager. Each runs in-process as a `Service` and acts
//! only through `InProcessClient`, so its writes get the API's semantics.
import Foundation
import KubeCore
import LocalAPIServer
import Logging
import ServiceLifecycle

/// The simulated controllers, by the names used to disable them
/// (`SimulatorOptions.disabled`) and to pause them (`FaultInjector.pause(controller:)`).
public enum SimulatedController: String, CaseIterable, Sendable {
    /// Owner-reference garbage collection (background, foreground, orphan).
    case garbageCollector = "garbage-collector"
    /// Empties terminating namespaces and finalizes them.
    case namespace = "namespace-controller"
    /// Binds pending pods to the node.
    case scheduler = "scheduler"
    /// Runs pods on the node: status, readiness, exits, graceful stop.
    case kubelet = "kubelet"
    /// Deployments (pods owned directly by the Deployment; no ReplicaSets).
    case deployment = "deployment-controller"
    /// StatefulSets with ordered pods and claims from volumeClaimTemplates.
    case statefulSet = "statefulset-controller"
    /// Jobs: pods until the completions, or failure past the backoff limit.
    case job = "job-controller"
    /// Binds every PersistentVolumeClaim at once.
    case persistentVolumeBinder = "persistentvolume-binder"
    /// The upstream Agent Sandbox controller for `agents.x-k8s.io/v1beta1` `Sandbox`.
    case agentSandbox = "agent-sandbox-controller"
    /// A small cert-manager (`CertManagerCRD`): selfSigned and CA issuers.
    case certManager = "cert-manager-controller"
}

/// How the simulated cluster behaves. Defaults resemble a small real cluster;
/// tests shorten the delays.
public struct SimulatorOptions: Sendable {
    /// All simulators on or off.
    public var enabled = true
    /// Raw values of `SimulatedController`s to leave off.
    public var disabled: Set<String> = []
    /// Time from a pod being bound to the node until its containers run and it is Ready.
    public var podReadyDelay: Duration = .seconds(1)
    /// Pods with any of these container images never start: `ImagePullBackOff`, never Ready.
    public var brokenImages: Set<String> = []
    /// Time the kubelet takes to stop a gracefully deleted pod before removing it (capped by
    /// the pod's own grace period).
    public var podStopDelay: Duration = .milliseconds(500)
    /// Pods controlled by a Job exit with code 0 after running this long; nil: they run until the
    /// termination hook (`Kubelet.terminateAnnotation`) ends them.
    public var jobPodRunDuration: Duration? = .seconds(2)
    /// The one node's name (`spec.nodeName` of scheduled pods).
    public var nodeName = "local-node"
    /// The node's address (`status.hostIP`).
    public var nodeIP = "172.18.0.2"
    /// Pod IPs are handed out from this IPv4 range, never twice while the process lives.
    public var podCIDR = "10.244.0.0/16"
    /// Multiplies each Deployment's `spec.progressDeadlineSeconds` (tests use e.g. 0.001).
    public var progressDeadlineScale: Double = 1
    /// How often a terminating namespace with content left is looked at again.
    public var namespaceRecheckInterval: Duration = .seconds(1)
    /// First retry delay after a failed reconcile (doubles per failure).
    public var retryInitialDelay: Duration = .milliseconds(50)
    /// Longest retry delay after failed reconciles.
    public var retryMaximumDelay: Duration = .seconds(5)
    /// How often a paused controller checks whether it was resumed.
    public var pausePollInterval: Duration = .milliseconds(50)

    public init() {}

    /// Whether a controller runs under these options.
    public func runs(_ controller: SimulatedController) -> Bool {
        enabled && !disabled.contains(controller.rawValue)
    }
}

public enum ClusterSimulators {
    /// The enabled simulated controllers, ready to run beside the server (in a
    /// `ServiceGroup` or a task group). They stop on cancellation or graceful shutdown.
    /// Custom resources (the Agent Sandbox) are served only once their CRD is
    /// established by the server's `CRDController`; until then that controller idles.
    public static func services(core: APIServerCore, faults: FaultInjector, options: SimulatorOptions, logger: Logger) -> [any Service] {
        let context = SimulatorContext(core: core, options: options, logger: logger)
        var services: [any Service] = []
        func add<R: Reconciler>(_ controller: SimulatedController, _ make: () -> R) {
            guard options.runs(controller) else { return }
            var controllerLogger = logger
            controllerLogger[metadataKey: "controller"] = "\(controller.rawValue)"
            services.append(ControllerService(reconciler: make(), store: core.store, faults: faults,
                                              options: options, logger: controllerLogger))
        }
        add(.garbageCollector) { GarbageCollector(context) }
        add(.namespace) { NamespaceController(context) }
        add(.scheduler) { Scheduler(context) }
        add(.kubelet) { Kubelet(context) }
        add(.deployment) { DeploymentController(context) }
        add(.statefulSet) { StatefulSetController(context) }
        add(.job) { JobController(context) }
        add(.persistentVolumeBinder) { PersistentVolumeBinder(context) }
        add(.agentSandbox) { AgentSandboxController(context) }
        add(.certManager) { CertManagerController(context) }
        return services
    }
}
