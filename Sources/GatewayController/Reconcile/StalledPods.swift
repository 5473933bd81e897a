//! StalledPods: the gateway pods a StatefulSet rollout can never get past.
//! With the `OrderedReady` policy the StatefulSet controller replaces a pod
//! only while every pod is Ready, so a pod of a broken template blocks the
//! rollout of any later template — reverting the template is not enough
//! (Kubernetes' "forced rollback": the stuck pod must be deleted). Such a pod
//! is one of neither the set's current nor its update revision, and not
//! Ready. Pure.
import KubeCore

public enum StalledPods {
    /// The revision label the StatefulSet controller puts on its pods.
    public static let revisionLabel = "controller-revision-hash"

    /// Whether the pods of `workload` are worth reading: a StatefulSet whose rollout is not complete.
    public static func worthChecking(_ workload: KubeObject) -> Bool {
        workload.kind == "StatefulSet" && !WorkloadRollout(workload: workload).complete
    }

    /// The label selector of `workload`'s pods (`spec.selector.matchLabels`), nil without one.
    public static func selector(of workload: KubeObject) -> String? {
        guard let labels = workload.spec?[path: ["selector", "matchLabels"]]?.objectValue, !labels.isEmpty else { return nil }
        return labels.sorted { $0.key < $1.key }.compactMap { key, value in value.stringValue.map { "\(key)=\($0)" } }
            .joined(separator: ",")
    }

    /// The pods of `statefulSet` (controlled by it) to delete: not Ready, not already being deleted,
    /// and labelled with a revision that is neither `status.currentRevision` nor `status.updateRevision`,
    /// once the controller has observed the set's generation (so the replacement gets the current template).
    public static func select(statefulSet: KubeObject, pods: [KubeObject]) -> [KubeObject] {
        guard statefulSet.kind == "StatefulSet", let status = statefulSet.status,
              (status["observedGeneration"]?.intValue ?? 0) >= statefulSet.generation,
              let update = status["updateRevision"]?.stringValue else { return [] }
        let current = status["currentRevision"]?.stringValue ?? update
        return pods.filter { pod in
            guard pod.controllerReference?.uid == statefulSet.uid, !pod.isBeingDeleted,
                  let revision = pod.labels[revisionLabel], revision != update, revision != current else { return false }
            return !isReady(pod)
        }
    }

    static func isReady(_ pod: KubeObject) -> Bool {
        // Read raw: a pod's conditions carry no reason or message, which `Condition` requires.
        let conditions = pod.status?["conditions"]?.arrayValue ?? []
        return pod.status?["phase"]?.stringValue == "Running"
            && conditions.contains { $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True" }
    }
}
