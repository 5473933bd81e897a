//! DeploymentController: the Deployment controller, simplified but reporting
//! the status kube-controller-manager reports. There are no ReplicaSets here:
//! pods are owned directly by their Deployment and named
//! `<deployment>-<pod-template-hash>-<random>`, the names a ReplicaSet would
//! give them; condition messages name the ReplicaSet `<deployment>-<hash>`
//! that would exist. It follows upstream for:
//! - rolling updates bounded by `maxSurge` (rounded up) and `maxUnavailable`
//!   (rounded down; 1 when both are 0), unhealthy old pods removed first;
//!   `Recreate` removes every old pod before creating new ones;
//! - status: observedGeneration, replicas, updatedReplicas, readyReplicas,
//!   availableReplicas (honouring `minReadySeconds`), unavailableReplicas;
//! - conditions `Available` (MinimumReplicasAvailable / MinimumReplicasUnavailable)
//!   and `Progressing` (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated,
//!   NewReplicaSetAvailable, ProgressDeadlineExceeded after
//!   `spec.progressDeadlineSeconds` × `SimulatorOptions.progressDeadlineScale`
//!   without progress, DeploymentPaused), each with lastUpdateTime and lastTransitionTime.
import Foundation
import KubeCore
import LocalAPIServer

struct DeploymentController: Reconciler {
    typealias Key = ObjectKey

    static let hashLabel = "pod-template-hash"

    let name = SimulatedController.deployment.rawValue
    let context: SimulatorContext
    /// When each Deployment (by UID) last made progress, with sub-second precision.
    let lastProgress = Locked([String: Date]())

    init(_ context: SimulatorContext) {
        self.context = context
    }

    var watches: [WatchFilter] { [WatchFilter(resource: .deployments), WatchFilter(resource: .pods)] }

    func keys(for event: StoreEvent) -> [ObjectKey] {
        if event.resource == .deployments {
            if event.type == .deleted { lastProgress.withLock { _ = $0.removeValue(forKey: event.object.uid) } }
            return [ObjectKey(namespace: event.object.namespace, name: event.object.name)]
        }
        guard let owner = event.object.controllerName(group: "apps", kind: "Deployment") else { return [] }
        return [ObjectKey(namespace: event.object.namespace, name: owner)]
    }

    func reconcile(_ key: ObjectKey) async throws -> Duration? {
        guard let deployment = context.get(.deployments, namespace: key.namespace, name: key.name), !deployment.isBeingDeleted else {
            return nil
        }
        let spec = deployment.spec ?? [:]
        let desired = Int(spec["replicas"]?.intValue ?? 1)
        let hash = NameHashing.templateHash(spec["template"])
        let paused = spec["paused"]?.boolValue == true
        let minReady = spec["minReadySeconds"]?.intValue ?? 0
        let isRecreate = spec[path: ["strategy", "type"]]?.stringValue == "Recreate"
        let (surge, unavailable) = isRecreate ? (0, desired)
            : Self.fenceposts(spec[path: ["strategy", "rollingUpdate"]], replicas: desired)
        let now = context.now()

        let before = context.controlled(.pods, namespace: key.namespace, by: deployment.uid)
        let newBefore = before.filter { $0.labels[Self.hashLabel] == hash && !$0.isBeingDeleted && !$0.isPodTerminal }
        if !paused {
            try await scale(deployment, hash: hash, desired: desired, surge: surge, maxUnavailable: unavailable,
                            recreate: isRecreate, minReady: minReady, pods: before, now: now)
        }

        // Status from what exists after this pass.
        let pods = context.controlled(.pods, namespace: key.namespace, by: deployment.uid).filter { !$0.isBeingDeleted && !$0.isPodTerminal }
        let updated = pods.filter { $0.labels[Self.hashLabel] == hash }.count
        let ready = pods.filter(\.isPodRunningAndReady).count
        let available = pods.filter { $0.isPodAvailable(minReadySeconds: minReady, now: now) }.count
        let oldStatus = deployment.status ?? [:]
        var status: JSONObject = ["observedGeneration": .int(deployment.generation)]
        for (field, value) in [("replicas", pods.count), ("updatedReplicas", updated), ("readyReplicas", ready),
                               ("availableReplicas", available), ("unavailableReplicas", max(desired - available, 0))] where value > 0 {
            status[field] = .int(Int64(value))
        }

        let stamp = KubeTime.format(now)
        var conditions = oldStatus["conditions"]?.arrayValue ?? []
        let minAvailable = isRecreate ? desired : desired - unavailable
        if available >= minAvailable {
            RawConditions.set(&conditions, type: "Available", status: "True", reason: "MinimumReplicasAvailable",
                              message: "Deployment has minimum availability.", now: stamp, updateTime: true)
        } else {
            RawConditions.set(&conditions, type: "Available", status: "False", reason: "MinimumReplicasUnavailable",
                              message: "Deployment does not have minimum availability.", now: stamp, updateTime: true)
        }

        let replicaSet = "\(deployment.name)-\(hash)"
        let progressing = RawConditions.condition(conditions, "Progressing")
        let knowsReplicaSet = progressing?["message"]?.stringValue?.contains("\"\(replicaSet)\"") == true
        let complete = updated == desired && pods.count == desired && available == desired
        let oldValue = { (field: String) in Int(oldStatus[field]?.intValue ?? 0) }
        let progressed = updated > oldValue("updatedReplicas") || ready > oldValue("readyReplicas")
            || available > oldValue("availableReplicas")
            || (pods.count - updated) < (oldValue("replicas") - oldValue("updatedReplicas"))
        var requeue: Duration?
        let deadlineSeconds = spec["progressDeadlineSeconds"]?.intValue
        if paused {
            RawConditions.set(&conditions, type: "Progressing", status: "Unknown", reason: "DeploymentPaused",
                              message: "Deployment is paused", now: stamp, updateTime: true)
        } else if complete, knowsReplicaSet || newBefore.count == desired {
            RawConditions.set(&conditions, type: "Progressing", status: "True", reason: "NewReplicaSetAvailable",
                              message: "ReplicaSet \"\(replicaSet)\" has successfully progressed.", now: stamp, updateTime: true)
            lastProgress.withLock { _ = $0.removeValue(forKey: deployment.uid) }
        } else if !knowsReplicaSet {
            let (reason, message) = newBefore.isEmpty
                ? ("NewReplicaSetCreated", "Created new replica set \"\(replicaSet)\"")
                : ("FoundNewReplicaSet", "Found new replica set \"\(replicaSet)\"")
            RawConditions.set(&conditions, type: "Progressing", status: "True", reason: reason, message: message, now: stamp,
                              updateTime: true, refresh: true)
            lastProgress.withLock { $0[deployment.uid] = now }
        } else if progressed {
            RawConditions.set(&conditions, type: "Progressing", status: "True", reason: "ReplicaSetUpdated",
                              message: "ReplicaSet \"\(replicaSet)\" is progressing.", now: stamp, updateTime: true, refresh: true)
            lastProgress.withLock { $0[deployment.uid] = now }
        } else if let deadlineSeconds, progressing?["reason"]?.stringValue != "ProgressDeadlineExceeded" {
            let since = lastProgress.withLock { $0[deployment.uid] }
                ?? progressing?["lastUpdateTime"]?.stringValue.flatMap(KubeTime.parse) ?? now
            let deadline = since.addingTimeInterval(Double(deadlineSeconds) * context.options.progressDeadlineScale)
            if deadline <= now {
                RawConditions.set(&conditions, type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded",
                                  message: "ReplicaSet \"\(replicaSet)\" has timed out progressing.", now: stamp, updateTime: true)
            } else {
                requeue = .milliseconds(Int(deadline.timeIntervalSince(now) * 1000) + 1)
            }
        }
        conditions.sort { ($0["type"]?.stringValue ?? "") < ($1["type"]?.stringValue ?? "") }
        status["conditions"] = .array(conditions)

        if minReady > 0, pods.contains(where: { $0.isPodRunningAndReady && !$0.isPodAvailable(minReadySeconds: minReady, now: now) }) {
            requeue = min(requeue ?? .seconds(1), .seconds(1))
        }
        if let collisionCount = oldStatus["collisionCount"] { status["collisionCount"] = collisionCount }
        let newStatus = JSONValue.object(status)
        if newStatus != oldStatus {
            try await context.modify(.deployments, namespace: key.namespace, name: key.name, uid: deployment.uid,
                                     subresource: "status") { object in
                object.status = newStatus
            }
        }
        return requeue
    }

    // MARK: Scaling

    private func scale(_ deployment: KubeObject, hash: String, desired: Int, surge: Int, maxUnavailable: Int, recreate: Bool,
                       minReady: Int64, pods: [KubeObject], now: Date) async throws {
        let active = pods.filter { !$0.isBeingDeleted && !$0.isPodTerminal }
        let new = active.filter { $0.labels[Self.hashLabel] == hash }
        let old = active.filter { $0.labels[Self.hashLabel] != hash }
        for pod in pods where pod.isPodTerminal && !pod.isBeingDeleted { try await deletePod(pod) }

        if recreate {
            if !old.isEmpty {
                for pod in old { try await deletePod(pod) }
                return
            }
            // Wait until every old pod is gone before starting new ones.
            if pods.contains(where: { $0.isBeingDeleted && $0.labels[Self.hashLabel] != hash }) { return }
            try await scaleNew(deployment, hash: hash, new: new, to: desired, limit: desired)
            return
        }

        // Scale up (or down) the new pods within the surge limit.
        let created = try await scaleNew(deployment, hash: hash, new: new, to: desired,
                                         limit: max(0, desired + surge - active.count))
        guard !old.isEmpty else { return }
        let minAvailable = desired - maxUnavailable
        let newAvailable = new.filter { $0.isPodAvailable(minReadySeconds: minReady, now: now) }.count
        let newUnavailable = new.count + created - newAvailable
        // Old pods that are not available go first: they cost no availability.
        let maxCleanup = active.count + created - minAvailable - newUnavailable
        let unhealthyOld = Self.deletionOrder(old.filter { !$0.isPodAvailable(minReadySeconds: minReady, now: now) })
        var removed = Set<String>()
        for pod in unhealthyOld.prefix(max(0, maxCleanup)) {
            try await deletePod(pod)
            removed.insert(pod.uid)
        }
        let availableAll = active.filter { $0.isPodAvailable(minReadySeconds: minReady, now: now) }.count
        let scaleDown = availableAll - minAvailable
        let healthyOld = Self.deletionOrder(old.filter { !removed.contains($0.uid) && $0.isPodAvailable(minReadySeconds: minReady, now: now) })
        for pod in healthyOld.prefix(max(0, scaleDown)) { try await deletePod(pod) }
    }

    /// Creates new pods up to `target` (at most `limit` at once), or removes extra ones; returns how many it created.
    @discardableResult
    private func scaleNew(_ deployment: KubeObject, hash: String, new: [KubeObject], to target: Int, limit: Int) async throws -> Int {
        if new.count > target {
            for pod in Self.deletionOrder(new).prefix(new.count - target) { try await deletePod(pod) }
            return 0
        }
        let count = min(target - new.count, limit)
        guard count > 0 else { return 0 }
        for _ in 0..<count { try await createPod(deployment, hash: hash) }
        return count
    }

    private func createPod(_ deployment: KubeObject, hash: String) async throws {
        let template = deployment.spec?["template"] ?? [:]
        var metadata: JSONObject = [
            "generateName": .string("\(deployment.name)-\(hash)-"),
            "namespace": .string(deployment.namespace),
            "ownerReferences": [deployment.controllerReference()],
        ]
        var labels = template[path: ["metadata", "labels"]]?.objectValue ?? [:]
        labels[Self.hashLabel] = .string(hash)
        metadata["labels"] = .object(labels)
        if let annotations = template[path: ["metadata", "annotations"]] { metadata["annotations"] = annotations }
        let pod = KubeObject(["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": template["spec"] ?? [:]])
        try await context.client.create(.pods, pod)
    }

    private func deletePod(_ pod: KubeObject) async throws {
        try await context.delete(.pods, namespace: pod.namespace, name: pod.name, uid: pod.uid)
    }

    /// Which pods to remove first: not ready before ready, then the newest.
    static func deletionOrder(_ pods: [KubeObject]) -> [KubeObject] {
        pods.sorted { a, b in
            if a.isPodRunningAndReady != b.isPodRunningAndReady { return !a.isPodRunningAndReady }
            let (ta, tb) = (a.creationTimestamp ?? "", b.creationTimestamp ?? "")
            if ta != tb { return ta > tb }
            return a.name > b.name
        }
    }

    /// `maxSurge` and `maxUnavailable` resolved against the replica count, as upstream's ResolveFenceposts.
    static func fenceposts(_ rollingUpdate: JSONValue?, replicas: Int) -> (surge: Int, unavailable: Int) {
        let surge = resolve(rollingUpdate?["maxSurge"] ?? "25%", replicas: replicas, roundUp: true)
        var unavailable = resolve(rollingUpdate?["maxUnavailable"] ?? "25%", replicas: replicas, roundUp: false)
        if surge == 0, unavailable == 0 { unavailable = 1 }
        return (surge, min(unavailable, replicas))
    }

    /// An int-or-percent value scaled to `replicas`.
    static func resolve(_ value: JSONValue, replicas: Int, roundUp: Bool) -> Int {
        if let number = value.intValue { return Int(number) }
        guard let text = value.stringValue else { return 0 }
        guard text.hasSuffix("%"), let percent = Double(text.dropLast()) else { return Int(text) ?? 0 }
        let scaled = percent * Double(replicas) / 100
        return Int(roundUp ? scaled.rounded(.up) : scaled.rounded(.down))
    }
}
