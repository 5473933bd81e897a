//! AgentSandboxState: how the operator reads a live `agents.x-k8s.io/v1beta1`
//! Sandbox and its pod (agent-sandbox-contract §2.6, §2.7, §8 items 10–12):
//! readiness only at the current generation, suspension only when the mode
//! says so (a stale `Suspended=True` next to `Running` is ignored), the
//! pod's end and exit code, and the status fields that are valid only while
//! ready. Pure.
import Foundation
import KubeCore
import OpenShellAPI

/// How a pod ended.
public struct PodTermination: Sendable, Hashable {
    public var podUID: String
    /// The main container's exit code, when the pod reports one.
    public var exitCode: Int?
    public var succeeded: Bool
    /// When the main container finished (else when the end was observed).
    public var finishedAt: Date?
}

public struct AgentSandboxState: Sendable, Hashable {
    /// The Sandbox's `spec.operatingMode` (default Running).
    public var mode: OperatingMode
    /// Ready=True observed at the Sandbox's current generation.
    public var isReady: Bool
    /// Suspended=True while the mode is Suspended: the pod is gone.
    public var isSuspended: Bool
    /// The Ready condition's reason and message, for passing through.
    public var readyReason: String?
    public var readyMessage: String?
    /// The pod ended (Finished, or Ready reasons PodFailed/PodSucceeded, or a terminal pod phase).
    public var termination: PodTermination?
    /// The controller expired the Sandbox (Ready reason SandboxExpired).
    public var expired: Bool
    /// The digest the operator stamped on the Sandbox with its last spec write.
    public var rolloutHash: String?
    public var podIPs: [String]
    public var serviceFQDN: String?

    public init(sandbox: KubeObject, pod: KubeObject?) {
        mode = sandbox.spec?["operatingMode"]?.stringValue == OperatingMode.suspended.rawValue ? .suspended : .running
        let conditions = sandbox.conditions
        let ready = conditions[type: "Ready"]
        isReady = ready?.isTrue == true && ready?.observedGeneration == sandbox.generation
        isSuspended = mode == .suspended && conditions[type: "Suspended"]?.isTrue == true
        readyReason = ready?.reason
        readyMessage = ready?.message
        expired = ready?.reason == "SandboxExpired"
        rolloutHash = sandbox.annotations[OpenShellLabels.rolloutHash]
        podIPs = sandbox.status?["podIPs"]?.arrayValue?.compactMap(\.stringValue) ?? []
        serviceFQDN = sandbox.status?["serviceFQDN"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        termination = Self.termination(sandboxConditions: conditions, pod: pod)
    }

    private static func termination(sandboxConditions: [Condition], pod: KubeObject?) -> PodTermination? {
        let finished = sandboxConditions[type: "Finished"]
        let readyReason = sandboxConditions[type: "Ready"]?.reason
        let podPhase = pod?.status?["phase"]?.stringValue
        let sandboxSaysEnded = finished?.isTrue == true || readyReason == "PodFailed" || readyReason == "PodSucceeded"
        let podSaysEnded = podPhase == "Failed" || podPhase == "Succeeded"
        // Without the pod there is no UID to count the failure by; wait for it.
        guard sandboxSaysEnded || podSaysEnded, let pod, !pod.uid.isEmpty else { return nil }
        let succeeded = podPhase == "Succeeded" || (podPhase == nil && (finished?.reason == "PodSucceeded" || readyReason == "PodSucceeded"))
        let main = mainContainerTermination(pod)
        return PodTermination(
            podUID: pod.uid, exitCode: main?.exitCode ?? (succeeded ? 0 : nil), succeeded: succeeded,
            finishedAt: main?.finishedAt)
    }

    /// The `agent` container's terminated state (else the first terminated container's).
    private static func mainContainerTermination(_ pod: KubeObject) -> (exitCode: Int?, finishedAt: Date?)? {
        let statuses = pod.status?["containerStatuses"]?.arrayValue ?? []
        let ordered = statuses.filter { $0["name"]?.stringValue == "agent" } + statuses
        for status in ordered {
            guard let terminated = status[path: ["state", "terminated"]] ?? status[path: ["lastState", "terminated"]] else { continue }
            let code = terminated["exitCode"]?.intValue.map { Int($0) }
            let finished = terminated["finishedAt"]?.stringValue.flatMap(KubeTime.parse)
            return (code, finished)
        }
        return nil
    }
}

extension KubeObject {
    /// Whether `owner` is this object's controller, compared by group, kind
    /// and UID — never by the apiVersion string, which storage migrations
    /// leave behind (agent-sandbox-contract §8 item 6).
    public func isControlled(by owner: KubeObject) -> Bool {
        guard let reference = controllerReference, let ownerKind = owner.groupVersionKind?.groupKind else { return false }
        return reference.groupKind == ownerKind && reference.uid == owner.uid
    }
}
