//! Wires the gateway reconciler into the operator process: the informer on
//! OpenShellGateways, the child informers (scoped by the managed-by label,
//! Secrets without their values) indexed by the owner labels, the Agent
//! Sandbox CRD whose changes re-queue every gateway, the optional children
//! (cert-manager, Gateway API, OpenShift Route) watched while their CRDs
//! serve them, and the controller.
import KubeClient
import KubeCore
import KubeRuntime
import OpenShellAPI
import Operator

public struct GatewayControllerSetup: ControllerSetup {
    public init() {}

    /// The controller's name (metrics, queue, logs).
    public static let controllerName = "openshell-gateway"

    /// Child kinds that can carry an ownerReference to the gateway (same namespace).
    static let ownedKinds = ["StatefulSet", "Deployment", "Service", "ConfigMap", "Secret"]
    /// Child kinds that may live elsewhere (cluster-scoped, or in the sandbox or credential namespace).
    static let labelledKinds = ["ServiceAccount", "Role", "RoleBinding", "NetworkPolicy", "ClusterRole", "ClusterRoleBinding"]

    public func makeControllers(in context: OperatorContext) throws -> [Controller] {
        let managed = "\(OpenShellLabels.managedBy)=\(OpenShellLabels.managedByValue)"
        let informers = context.informers
        var children: [String: Informer] = [:]
        for kind in Self.ownedKinds + Self.labelledKinds {
            guard let resource = GatewayResources.byKind[kind] else { continue }
            let clusterScoped = kind.hasPrefix("Cluster")
            var configuration = clusterScoped
                ? InformerConfiguration(resource: resource, labelSelector: managed)
                : context.informerConfiguration(for: resource, labelSelector: managed)
            // With --namespace, a gateway's children all lie in the watched namespace
            // (`GatewayValidation.scopeProblems`). Secrets carry no values.
            if kind == "Secret" { configuration.redactData = true }
            let informer = informers.informer(for: configuration)
            informer.cache.addIndex(GatewayCaches.ownerIndex) { object in
                GatewayResources.ownerKey(ofChild: object).map { [GatewayCaches.ownerIndexValue($0)] } ?? []
            }
            children[kind] = informer
        }
        let optional = OptionalChildInformers(client: context.client, informers: informers, logger: context.logger) { resource in
            context.informerConfiguration(for: resource, labelSelector: managed)
        }
        let caches = GatewayCaches(
            gateways: informers.informer(for: context.informerConfiguration(for: OpenShellAPIGroup.gateways)),
            children: children,
            agentSandboxCRD: informers.informer(for: InformerConfiguration(
                resource: GatewayResources.customResourceDefinitions, fieldSelector: "metadata.name=\(AgentSandboxAPI.crdName)")),
            optional: optional)

        // The Kubernetes version (for the renderer's defaults) is read from the server's /version at the first reconcile.
        let reconciler = GatewayReconciler(
            client: context.client, caches: caches, events: context.events, clock: context.clock, logger: context.logger,
            clusterVersion: ClusterVersionReader(client: context.client), scrubber: context.scrubber,
            watchNamespace: context.configuration.watchNamespace)
        let controller = Controller(
            configuration: context.controllerConfiguration(name: Self.controllerName), primary: caches.gateways,
            queue: context.queue, reconciler: reconciler, clock: context.clock, logger: context.logger,
            metricsFactory: context.metricsFactory)
        for kind in Self.ownedKinds {
            if let informer = children[kind] { controller.owns(informer, ownerKind: OpenShellAPIGroup.gatewayKind) }
        }
        for kind in Self.labelledKinds {
            if let informer = children[kind] { controller.watches(informer) { GatewayResources.ownerKey(ofChild: $0).map { [$0] } ?? [] } }
        }
        let gateways = caches.gateways.cache
        controller.watches(caches.agentSandboxCRD) { _ in gateways.keys }
        for informer in optional.crds.values { controller.watches(informer) { _ in gateways.keys } }
        optional.connect(enqueue: { [weak controller] keys in controller?.enqueue(keys) }, allGateways: { gateways.keys })
        return [controller]
    }
}
