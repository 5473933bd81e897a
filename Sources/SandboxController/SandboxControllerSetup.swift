//! Wires the sandbox and policy reconcilers into the operator process: the
//! scoped informers they read (our objects by label, Secrets without their
//! values, pods without what is never read), the indexes that map a changed
//! class, policy, Secret or namespace to exactly the sandboxes that use it,
//! and the two controllers.
import KubeClient
import KubeCore
import KubeRuntime
import OpenShellAPI
import Operator

public struct SandboxControllerSetup: ControllerSetup {
    public var defaults: OperatorDefaults

    public init(defaults: OperatorDefaults = OperatorDefaults()) { self.defaults = defaults }

    /// Cache index names on the OpenShellSandbox informer.
    enum Index {
        static let className = "openshell.ai/class"
        static let policy = "openshell.ai/policy"
        static let secret = "openshell.ai/secret"
    }

    /// What the sandbox controller caches of a pod (`cachedPod`).
    static let podTransform = CacheTransform(name: "openshell.ai/sandbox-pod", cachedPod)

    /// A pod as the sandbox controller reads it: its metadata (UID, owner
    /// reference, resourceVersion, labels) and of its status the phase and,
    /// per container, the name and state — what `AgentSandboxState` reads to
    /// tell how the pod ended. The spec and the rest of the status, most of a
    /// pod's size, are never read and not cached.
    static func cachedPod(_ pod: KubeObject) -> KubeObject {
        var kept: JSONObject = [:]
        for field in ["apiVersion", "kind", "metadata"] { kept[field] = pod.json[field] }
        var status: JSONObject = [:]
        status["phase"] = pod.status?["phase"]
        if let containers = pod.status?["containerStatuses"]?.arrayValue {
            status["containerStatuses"] = .array(containers.map { container in
                var trimmed: JSONObject = [:]
                for field in ["name", "state", "lastState"] { trimmed[field] = container[field] }
                return .object(trimmed)
            })
        }
        if !status.isEmpty { kept["status"] = .object(status) }
        return KubeObject(kept)
    }

    public func makeControllers(in context: OperatorContext) throws -> [Controller] {
        let managed = "\(OpenShellLabels.managedBy)=\(OpenShellLabels.managedByValue)"
        let informers = context.informers
        let namespaced = { (resource: GroupVersionResource, selector: String?) in
            informers.informer(for: context.informerConfiguration(for: resource, labelSelector: selector))
        }
        let caches = SandboxCaches(
            sandboxes: namespaced(OpenShellAPIGroup.sandboxes, nil),
            classes: informers.informer(for: InformerConfiguration(resource: OpenShellAPIGroup.sandboxClasses)),
            policies: namespaced(OpenShellAPIGroup.policies, nil),
            agentSandboxes: namespaced(SandboxResources.agentSandboxes, nil),
            pods: informers.informer(for: {
                var configuration = context.informerConfiguration(for: SandboxResources.pods, labelSelector: managed)
                configuration.transform = Self.podTransform
                return configuration
            }()),
            configMaps: namespaced(SandboxResources.configMaps, managed),
            networkPolicies: namespaced(SandboxResources.networkPolicies, managed),
            secrets: informers.informer(for: InformerConfiguration(
                resource: SandboxResources.secrets, namespace: context.configuration.watchNamespace, redactData: true)),
            rules: informers.informer(for: InformerConfiguration(
                resource: SandboxResources.configMaps, labelSelector: OpenShellLabels.policyRulesLabel)),
            namespaces: informers.informer(for: InformerConfiguration(resource: SandboxResources.namespaces)))

        let apiCheck = AgentSandboxAPICheck(
            crds: informers.informer(for: AgentSandboxAPICheck.informerConfiguration), logger: context.logger)
        context.readiness.add("agent-sandbox-api") { try apiCheck.readinessCheck() }

        let sandboxes = caches.sandboxes.cache
        sandboxes.addIndex(Index.className) { object in
            [(try? object.decodeSpec(OpenShellSandboxSpec.self))?.className ?? ""]
        }
        sandboxes.addIndex(Index.policy) { object in
            (try? object.decodeSpec(OpenShellSandboxSpec.self))?.policyRef.map { ["\(object.namespace)/\($0.name)"] } ?? []
        }
        sandboxes.addIndex(Index.secret) { object in
            guard let spec = try? object.decodeSpec(OpenShellSandboxSpec.self) else { return [] }
            return Array(Set(SandboxReconciler.secretReferences(spec).map { "\(object.namespace)/\($0.name)" }))
        }

        let reconciler = SandboxReconciler(
            client: context.client, caches: caches, events: context.events, clock: context.clock, defaults: defaults,
            logger: context.logger)
        let controller = Controller(
            configuration: context.controllerConfiguration(name: "openshell-sandbox"), primary: caches.sandboxes,
            queue: context.queue, reconciler: reconciler, clock: context.clock, logger: context.logger,
            metricsFactory: context.metricsFactory)
        controller.owns(caches.configMaps, ownerKind: OpenShellAPIGroup.sandboxKind)
        controller.owns(caches.networkPolicies, ownerKind: OpenShellAPIGroup.sandboxKind)
        // A Sandbox is named after its OpenShellSandbox; map anyone's, so a
        // foreign Sandbox that goes away brings its conflicting owner back.
        controller.watches(caches.agentSandboxes) { [$0.key] }
        // Pods are named after their Sandbox.
        controller.watches(caches.pods) { pod in pod.controllerReference.map { [ObjectKey(namespace: pod.namespace, name: $0.name)] } ?? [] }
        controller.watches(caches.classes) { object in
            var keys = sandboxes.keys(index: .custom(Index.className), value: object.name)
            if object.annotations[OpenShellLabels.defaultClassAnnotation] != nil {
                keys += sandboxes.keys(index: .custom(Index.className), value: "")
            }
            return keys
        }
        controller.watches(caches.policies) { sandboxes.keys(index: .custom(Index.policy), value: "\($0.namespace)/\($0.name)") }
        controller.watches(caches.secrets) { sandboxes.keys(index: .custom(Index.secret), value: "\($0.namespace)/\($0.name)") }
        controller.watches(caches.rules) { _ in sandboxes.keys }
        controller.watches(caches.namespaces) { sandboxes.keys(index: .namespace, value: $0.name) }

        let policies = Controller(
            configuration: context.controllerConfiguration(name: "openshell-policy"), primary: caches.policies,
            queue: context.queue, reconciler: PolicyReconciler(
                client: context.client, policies: caches.policies, events: context.events, clock: context.clock, logger: context.logger),
            clock: context.clock, logger: context.logger, metricsFactory: context.metricsFactory)
        return [controller, policies]
    }
}
