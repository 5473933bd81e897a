//! AgentSandboxAPI: whether the cluster serves the Agent Sandbox API the
//! operator writes — `agents.x-k8s.io/v1beta1` `Sandbox`, read from the
//! installed CustomResourceDefinition. Accepts both upstream shapes (the
//! 0.5.x CRD serving v1alpha1 beside v1beta1 with webhook conversion, and
//! the later v1beta1-only CRD). Pure; the sandbox reconciler reports the
//! answer in its readiness check and logs, the gateway in a condition.
import KubeCore

public enum AgentSandboxAPI {
    public static let group = "agents.x-k8s.io"
    /// The CustomResourceDefinition that serves `Sandbox`.
    public static let crdName = "sandboxes.agents.x-k8s.io"
    /// The version the sandbox reconciler creates and reads.
    public static let requiredVersion = "v1beta1"

    /// The `group/version`s `crd` serves `Sandbox` at (`agents.x-k8s.io/v1beta1`):
    /// its `served` versions once it is Established; empty when it is absent,
    /// not Established yet, or being deleted.
    public static func servedGroupVersions(of crd: KubeObject?) -> Set<String> {
        guard let crd, !crd.isBeingDeleted, crd.conditions[type: "Established"]?.isTrue == true else { return [] }
        let versions = crd.json["spec"]?["versions"]?.arrayValue ?? []
        return Set(versions.compactMap { version -> String? in
            guard version["served"]?.boolValue == true, let name = version["name"]?.stringValue else { return nil }
            return "\(group)/\(name)"
        })
    }

    /// Why the sandbox reconciler cannot run against `crd` (the installed
    /// `sandboxes.agents.x-k8s.io`, nil when absent); nil when it can.
    public static func sandboxReconcilerProblem(crd: KubeObject?) -> String? {
        guard let crd else {
            return "CustomResourceDefinition \(crdName) is not installed: install Agent Sandbox so that \(group)/\(requiredVersion) Sandbox is served"
        }
        if crd.isBeingDeleted {
            return "CustomResourceDefinition \(crdName) is being deleted"
        }
        let served = servedGroupVersions(of: crd)
        if served.contains("\(group)/\(requiredVersion)") { return nil }
        if crd.conditions[type: "Established"]?.isTrue != true {
            return "CustomResourceDefinition \(crdName) is not Established yet"
        }
        let listed = served.sorted().joined(separator: ", ")
        return "CustomResourceDefinition \(crdName) serves \(listed.isEmpty ? "no version" : listed) but not \(group)/\(requiredVersion): upgrade Agent Sandbox to a release that serves \(requiredVersion)"
    }
}
