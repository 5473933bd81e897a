//! JobController: the Job controller for non-indexed Jobs, reporting status as
//! Kubernetes 1.32 does. It keeps up to `parallelism` pods (`<job>-<random>`)
//! running until `completions` have succeeded; a pod failure (or, under
//! `restartPolicy: OnFailure`, a container restart) counts against
//! `backoffLimit`. Finished Jobs get the interim and final conditions
//! upstream writes: `SuccessCriteriaMet` then `Complete` (reason
//! `CompletionsReached`), or `FailureTarget` then `Failed` (reasons
//! `BackoffLimitExceeded`, `DeadlineExceeded` for `activeDeadlineSeconds`).
//! Status: active, ready, terminating, succeeded, failed, startTime,
//! completionTime, uncountedTerminatedPods. `suspend: true` removes the active
//! pods and reports `Suspended`. Pods are replaced without back-off delay, and
//! are not protected by the job-tracking finalizer.
import Foundation
import KubeCore
import LocalAPIServer

struct JobController: Reconciler {
    typealias Key = ObjectKey

    let name = SimulatedController.job.rawValue
    let context: SimulatorContext

    init(_ context: SimulatorContext) {
        self.context = context
    }

    var watches: [WatchFilter] { [WatchFilter(resource: .jobs), WatchFilter(resource: .pods)] }

    func keys(for event: StoreEvent) -> [ObjectKey] {
        if event.resource == .jobs { return [ObjectKey(namespace: event.object.namespace, name: event.object.name)] }
        guard let owner = event.object.controllerName(group: "batch", kind: "Job") else { return [] }
        return [ObjectKey(namespace: event.object.namespace, name: owner)]
    }

    static func isFinished(_ job: KubeObject) -> Bool {
        let conditions = job.status?["conditions"]?.arrayValue ?? []
        return RawConditions.status(conditions, "Complete") == "True" || RawConditions.status(conditions, "Failed") == "True"
    }

    func reconcile(_ key: ObjectKey) async throws -> Duration? {
        guard let job = context.get(.jobs, namespace: key.namespace, name: key.name), !job.isBeingDeleted else { return nil }
        let spec = job.spec ?? [:]
        let pods = context.controlled(.pods, namespace: key.namespace, by: job.uid)
        let now = context.now()
        let stamp = KubeTime.format(now)
        var status = job.status ?? [:]
        var conditions = status["conditions"]?.arrayValue ?? []
        var requeue: Duration?

        let active = pods.filter { !$0.isPodTerminal && !$0.isBeingDeleted }
        let succeeded = pods.filter { $0.podPhase == "Succeeded" }.count
        let failed = pods.filter { $0.podPhase == "Failed" }.count
        let restartPolicy = spec[path: ["template", "spec", "restartPolicy"]]?.stringValue ?? "OnFailure"
        let restarts = restartPolicy == "OnFailure"
            ? active.reduce(0) { total, pod in
                total + (pod.status?["containerStatuses"]?.arrayValue ?? []).reduce(0) { $0 + Int($1["restartCount"]?.intValue ?? 0) }
            }
            : 0
        let completions = spec["completions"]?.intValue.map(Int.init)
        let parallelism = Int(spec["parallelism"]?.intValue ?? 1)
        let backoffLimit = Int(spec["backoffLimit"]?.intValue ?? 6)
        let suspended = spec["suspend"]?.boolValue == true

        if !Self.isFinished(job) {
            var failure: (reason: String, message: String)?
            if failed + restarts > backoffLimit {
                failure = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
            } else if let deadline = spec["activeDeadlineSeconds"]?.intValue, !suspended,
                      let started = status["startTime"]?.stringValue.flatMap(KubeTime.parse) {
                let end = started.addingTimeInterval(TimeInterval(deadline))
                if end <= now {
                    failure = ("DeadlineExceeded", "Job was active longer than specified deadline")
                } else {
                    requeue = .milliseconds(Int(end.timeIntervalSince(now) * 1000) + 1)
                }
            }
            let complete = completions.map { succeeded >= $0 } ?? (succeeded > 0 && active.isEmpty)
            if let failure {
                for pod in active { try await deletePod(pod) }
                Self.terminal(&conditions, interim: "FailureTarget", final: "Failed", reason: failure.reason, message: failure.message, now: stamp)
            } else if complete {
                for pod in active { try await deletePod(pod) }
                Self.terminal(&conditions, interim: "SuccessCriteriaMet", final: "Complete", reason: "CompletionsReached",
                              message: "Reached expected number of succeeded pods", now: stamp)
                if status["completionTime"] == nil { status["completionTime"] = .string(stamp) }
            } else if suspended {
                for pod in active { try await deletePod(pod) }
                Self.set(&conditions, type: "Suspended", status: "True", reason: "JobSuspended", message: "Job suspended", now: stamp)
            } else {
                if RawConditions.status(conditions, "Suspended") == "True" {
                    Self.set(&conditions, type: "Suspended", status: "False", reason: "JobResumed", message: "Job resumed", now: stamp)
                }
                if status["startTime"] == nil { status["startTime"] = .string(stamp) }
                let remaining = completions.map { max($0 - succeeded, 0) } ?? (succeeded > 0 ? 0 : parallelism)
                let wanted = min(parallelism, remaining)
                if active.count < wanted {
                    for _ in 0..<(wanted - active.count) { try await createPod(job) }
                } else if active.count > wanted {
                    for pod in DeploymentController.deletionOrder(active).prefix(active.count - wanted) { try await deletePod(pod) }
                }
            }
        }

        // Status from what exists now.
        let now2 = context.controlled(.pods, namespace: key.namespace, by: job.uid)
        let stillActive = now2.filter { !$0.isPodTerminal && !$0.isBeingDeleted }
        status["active"] = stillActive.isEmpty ? nil : .int(Int64(stillActive.count))
        status["ready"] = .int(Int64(stillActive.filter(\.isPodReady).count))
        status["terminating"] = .int(Int64(now2.filter { $0.isBeingDeleted && !$0.isPodTerminal }.count))
        status["succeeded"] = succeeded > 0 ? .int(Int64(succeeded)) : nil
        status["failed"] = failed > 0 ? .int(Int64(failed)) : nil
        status["uncountedTerminatedPods"] = [:]
        status["conditions"] = conditions.isEmpty ? nil : .array(conditions)
        let newStatus = JSONValue.object(status.objectValue ?? [:])
        if newStatus != (job.status ?? [:]) {
            try await context.modify(.jobs, namespace: key.namespace, name: key.name, uid: job.uid, subresource: "status") { object in
                object.status = newStatus
            }
        }
        return requeue
    }

    /// A Job condition (batch conditions carry lastProbeTime as a time).
    static func set(_ conditions: inout [JSONValue], type: String, status: String, reason: String, message: String, now: String) {
        if let old = RawConditions.condition(conditions, type), old["status"]?.stringValue == status,
           old["reason"]?.stringValue == reason { return }
        let condition: JSONValue = [
            "type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message),
            "lastProbeTime": .string(now), "lastTransitionTime": .string(now),
        ]
        if let index = conditions.firstIndex(where: { $0["type"]?.stringValue == type }) {
            conditions[index] = condition
        } else {
            conditions.append(condition)
        }
    }

    /// The interim condition and the terminal one, as the Job controller writes them when a Job finishes.
    static func terminal(_ conditions: inout [JSONValue], interim: String, final: String, reason: String, message: String, now: String) {
        set(&conditions, type: interim, status: "True", reason: reason, message: message, now: now)
        set(&conditions, type: final, status: "True", reason: reason, message: message, now: now)
    }

    private func createPod(_ job: KubeObject) async throws {
        let template = job.spec?["template"] ?? [:]
        var metadata: JSONObject = [
            "generateName": .string("\(job.name)-"), "namespace": .string(job.namespace),
            "ownerReferences": [job.controllerReference()],
        ]
        if let labels = template[path: ["metadata", "labels"]] { metadata["labels"] = labels }
        if let annotations = template[path: ["metadata", "annotations"]] { metadata["annotations"] = annotations }
        let pod = KubeObject(["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": template["spec"] ?? [:]])
        try await context.client.create(.pods, pod)
    }

    private func deletePod(_ pod: KubeObject) async throws {
        try await context.delete(.pods, namespace: pod.namespace, name: pod.name, uid: pod.uid)
    }
}
