//! PolicyReconciler: reports whether an OpenShellPolicy passes the upstream
//! limits as its `Valid` condition (written only when it changes, through
//! `OwnerWriter`). The sandboxes that use a policy are re-queued by the
//! sandbox controller.
import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import Logging
import OpenShellAPI

public struct PolicyReconciler: Reconciler {
    let policies: Informer
    let clock: any WallClock
    /// The status write (the policy has no finalizer and no Events).
    let ownerWriter: OwnerWriter

    public init(client: RESTClient, policies: Informer, events: EventRecorder, clock: any WallClock, logger: Logger) {
        self.policies = policies
        self.clock = clock
        ownerWriter = OwnerWriter(
            client: client, resource: OpenShellAPIGroup.policies, recorder: events, fieldManager: OpenShellLabels.fieldManager, logger: logger)
    }

    public func reconcile(_ request: ReconcileRequest) async throws -> ReconcileResult {
        guard let policy = policies.cache.get(request.key), !policy.isBeingDeleted else { return .done }
        let current = policy.decodeStatus(OpenShellPolicyStatus.self) ?? OpenShellPolicyStatus()
        try await ownerWriter.commit(owner: policy, planned: Self.status(of: policy, current: current, now: clock.now()), events: [])
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
