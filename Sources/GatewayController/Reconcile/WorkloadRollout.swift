//! WorkloadRollout: how far the gateway's StatefulSet or Deployment has
//! rolled out, read from its status at its current generation. Pure.
import KubeCore

public struct WorkloadRollout: Sendable, Hashable {
    /// The replicas the spec asks for.
    public var desiredReplicas: Int
    public var readyReplicas: Int
    /// The controller has seen the current generation, every replica runs the current template and is ready,
    /// and no old replica is left.
    public var complete: Bool
    /// The Deployment controller reported `ProgressDeadlineExceeded` for the current generation.
    public var deadlineExceeded: Bool
    /// `app.kubernetes.io/version` of the workload: the release its template runs.
    public var version: String?
    /// What is still missing, for a condition message.
    public var message: String

    public init(workload: KubeObject) {
        let spec = workload.spec ?? [:]
        let status = workload.status ?? [:]
        func int(_ value: JSONValue?) -> Int { value?.intValue.map { Int($0) } ?? 0 }
        desiredReplicas = spec["replicas"]?.intValue.map { Int($0) } ?? 1
        readyReplicas = int(status["readyReplicas"])
        version = workload.labels["app.kubernetes.io/version"]
        let observed = (status["observedGeneration"]?.intValue ?? 0) >= workload.generation
        let updated = int(status["updatedReplicas"])
        let replicas = int(status["replicas"])
        var sameRevision = true
        if workload.kind == "StatefulSet", let update = status["updateRevision"]?.stringValue,
           let current = status["currentRevision"]?.stringValue {
            sameRevision = update == current
        }
        let ready = workload.kind == "Deployment" ? int(status["availableReplicas"]) : readyReplicas
        complete = observed && updated == desiredReplicas && ready == desiredReplicas && replicas == desiredReplicas && sameRevision
        let conditions = workload.conditions
        // Only about the current generation: a condition from before a template change is stale.
        deadlineExceeded = observed && conditions[type: "Progressing"]?.reason == "ProgressDeadlineExceeded"
        if !observed {
            message = "waiting for the \(workload.kind) controller to observe generation \(workload.generation)"
        } else {
            message = "\(updated) of \(desiredReplicas) replicas updated, \(ready) ready"
        }
    }
}
