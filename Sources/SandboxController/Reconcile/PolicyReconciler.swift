//! PolicyReconciler: reports whether an OpenShellPolicy passes the upstream
//! limits as its `Valid` condition (written only when it changes). The
//! sandboxes that use a policy are re-queued by the sandbox controller.
import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import OpenShellAPI

public struct PolicyReconciler: Reconciler {
    let client: RESTClient
    let policies: Informer
    let clock: any WallClock

    public func reconcile(_ request: ReconcileRequest) async throws -> ReconcileResult {
        guard let policy = policies.cache.get(request.key), !policy.isBeingDeleted else { return .done }
        let current = policy.decodeStatus(OpenShellPolicyStatus.self) ?? OpenShellPolicyStatus()
        let status = Self.status(of: policy, current: current, now: clock.now())
        guard status != current else { return .done }
        var updated = policy
        updated.status = try JSONValue(encoding: status)
        _ = try await client.update(
            OpenShellAPIGroup.policies, namespace: policy.namespace, updated, subresource: "status",
            options: WriteOptions(fieldManager: OpenShellLabels.fieldManager))
        return .done
    }

    /// The status a policy should report. Pure.
    static func status(of policy: KubeObject, current: OpenShellPolicyStatus, now: Date) -> OpenShellPolicyStatus {
        var conditions = current.conditions ?? []
        let problems: [String]
        do {
            let spec = try policy.decodeSpec(SandboxPolicySpec.self)
            problems = PolicyValidation.validate(spec, path: FieldPath("spec")).map(\.description)
        } catch {
            problems = ["spec: \(error)"]
        }
        let condition = problems.isEmpty
            ? Condition(type: SandboxConditionType.valid, true, reason: "PolicyValid", message: "the policy is within the OpenShell limits", observedGeneration: policy.generation)
            : Condition(type: SandboxConditionType.valid, false, reason: "PolicyInvalid", message: problems.joined(separator: "; "), observedGeneration: policy.generation)
        conditions.set(condition, now: now)
        return OpenShellPolicyStatus(observedGeneration: policy.generation, conditions: conditions)
    }
}
