//! AgentSandboxAPICheck: the sandbox reconciler's start-up and ongoing check
//! that the cluster serves `agents.x-k8s.io/v1beta1` `Sandbox` (agent-sandbox
//! contract §8 item 18). It reads the installed CustomResourceDefinition from
//! a one-object cache, answers the `agent-sandbox-api` readiness check, and
//! logs each change of the answer once: an error when the API goes missing
//! (the sandbox caches cannot sync without it, so nothing is reconciled), an
//! info line when it is back.
import KubeCore
import KubeRuntime
import Logging
import OpenShellAPI
import Operator
import Synchronization

final class AgentSandboxAPICheck: Sendable {
    private let crds: Informer
    private let logger: Logger
    /// The last answer logged: nil = not evaluated yet, .some(nil) = served.
    private let lastLogged = Mutex<String??>(nil)

    init(crds: Informer, logger: Logger) {
        self.crds = crds
        self.logger = logger
        crds.addHandler { [weak self] _ in _ = self?.evaluate() }
    }

    /// The informer configuration of the one CRD this check reads.
    static let informerConfiguration = InformerConfiguration(
        resource: SandboxResources.customResourceDefinitions, fieldSelector: "metadata.name=\(AgentSandboxAPI.crdName)")

    /// The current problem (nil when served), logged if it changed.
    @discardableResult
    func evaluate() -> String? {
        let crd = crds.cache.get(ObjectKey(namespace: "", name: AgentSandboxAPI.crdName))
        let problem = AgentSandboxAPI.sandboxReconcilerProblem(crd: crd)
        let changed = lastLogged.withLock { last -> Bool in
            guard last != .some(problem) else { return false }
            last = .some(problem)
            return true
        }
        if changed {
            if let problem {
                logger.error("the Agent Sandbox API is not available; sandboxes wait for it", metadata: ["reason": "\(problem)"])
            } else {
                logger.info("the Agent Sandbox API is served", metadata: ["version": "\(AgentSandboxAPI.group)/\(AgentSandboxAPI.requiredVersion)"])
            }
        }
        return problem
    }

    /// The readiness check: fails until the CRD cache synced, and while the API is not served.
    func readinessCheck() throws {
        guard crds.hasSynced else { throw HealthCheckFailure("the CustomResourceDefinition cache has not synced yet") }
        if let problem = evaluate() { throw HealthCheckFailure(problem) }
    }
}
