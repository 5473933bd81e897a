//! StatefulSetController: the StatefulSet controller, simplified but faithful in
//! names, ordering and status. Pods are `<set>-<ordinal>` with the labels
//! `controller-revision-hash`, `statefulset.kubernetes.io/pod-name` and
//! `apps.kubernetes.io/pod-index`, `hostname` and `subdomain` (the governing
//! service). Each `volumeClaimTemplates` entry gives the claim
//! `<claim>-<set>-<ordinal>` (created before its pod, owned by the set only
//! when `persistentVolumeClaimRetentionPolicy.whenDeleted` is `Delete`) and the
//! pod volume of that name. `OrderedReady` creates pods one at a time in
//! ordinal order, each waiting for the previous to be Running and Ready, and
//! removes them in reverse; `Parallel` does not wait. `RollingUpdate` replaces
//! pods whose revision is stale from the highest ordinal down to `partition`,
//! one at a time; `OnDelete` leaves that to the user. Revisions are named
//! `<set>-<hash>`; no ControllerRevision objects are written, so pods below
//! the partition are recreated from the current template.
import Foundation
import KubeCore
import LocalAPIServer

struct StatefulSetController: Reconciler {
    typealias Key = ObjectKey

    static let revisionLabel = "controller-revision-hash"
    static let podNameLabel = "statefulset.kubernetes.io/pod-name"
    static let podIndexLabel = "apps.kubernetes.io/pod-index"

    let name = SimulatedController.statefulSet.rawValue
    let context: SimulatorContext

    init(_ context: SimulatorContext) {
        self.context = context
    }

    var watches: [WatchFilter] { [WatchFilter(resource: .statefulSets), WatchFilter(resource: .pods)] }

    func keys(for event: StoreEvent) -> [ObjectKey] {
        if event.resource == .statefulSets { return [ObjectKey(namespace: event.object.namespace, name: event.object.name)] }
        guard let owner = event.object.controllerName(group: "apps", kind: "StatefulSet") else { return [] }
        return [ObjectKey(namespace: event.object.namespace, name: owner)]
    }

    /// The ordinal in a pod name `<set>-<ordinal>`.
    static func ordinal(of pod: KubeObject, set: String) -> Int? {
        guard pod.name.hasPrefix(set + "-") else { return nil }
        return Int(pod.name.dropFirst(set.count + 1))
    }

    func reconcile(_ key: ObjectKey) async throws -> Duration? {
        guard let set = context.get(.statefulSets, namespace: key.namespace, name: key.name), !set.isBeingDeleted else { return nil }
        let spec = set.spec ?? [:]
        let replicas = Int(spec["replicas"]?.intValue ?? 1)
        let updateRevision = "\(set.name)-\(NameHashing.templateHash(spec["template"]))"
        let currentRevision = set.status?["currentRevision"]?.stringValue ?? updateRevision
        let parallel = spec["podManagementPolicy"]?.stringValue == "Parallel"
        let onDelete = spec[path: ["updateStrategy", "type"]]?.stringValue == "OnDelete"
        let partition = Int(spec[path: ["updateStrategy", "rollingUpdate", "partition"]]?.intValue ?? 0)
        let minReady = spec["minReadySeconds"]?.intValue ?? 0

        var byOrdinal: [Int: KubeObject] = [:]
        for pod in context.controlled(.pods, namespace: key.namespace, by: set.uid) {
            if let ordinal = Self.ordinal(of: pod, set: set.name) { byOrdinal[ordinal] = pod }
        }

        try await sync(set, replicas: replicas, revision: updateRevision, pods: byOrdinal, parallel: parallel,
                       onDelete: onDelete, partition: partition)

        // Status from what exists now.
        let now = context.now()
        let pods = context.controlled(.pods, namespace: key.namespace, by: set.uid).filter { Self.ordinal(of: $0, set: set.name) != nil }
        let ready = pods.filter(\.isPodRunningAndReady).count
        let available = pods.filter { $0.isPodAvailable(minReadySeconds: minReady, now: now) }.count
        let updated = pods.filter { $0.labels[Self.revisionLabel] == updateRevision && !$0.isBeingDeleted }.count
        var current = pods.filter { $0.labels[Self.revisionLabel] == currentRevision && !$0.isBeingDeleted }.count
        var newCurrentRevision = currentRevision
        if !onDelete, updated == replicas, ready == replicas, pods.count == replicas {
            newCurrentRevision = updateRevision
            current = updated
        }
        var status: JSONObject = [
            "observedGeneration": .int(set.generation),
            "replicas": .int(Int64(pods.count)),
            "availableReplicas": .int(Int64(available)),
            "currentRevision": .string(newCurrentRevision),
            "updateRevision": .string(updateRevision),
            "collisionCount": 0,
        ]
        for (field, value) in [("readyReplicas", ready), ("currentReplicas", current), ("updatedReplicas", updated)] where value > 0 {
            status[field] = .int(Int64(value))
        }
        if let conditions = set.status?["conditions"] { status["conditions"] = conditions }
        let newStatus = JSONValue.object(status)
        if newStatus != set.status {
            try await context.modify(.statefulSets, namespace: key.namespace, name: key.name, uid: set.uid, subresource: "status") { object in
                object.status = newStatus
            }
        }
        if minReady > 0, ready > available { return .seconds(1) }
        return nil
    }

    // MARK: Pods and claims

    private func sync(_ set: KubeObject, replicas: Int, revision: String, pods: [Int: KubeObject], parallel: Bool,
                      onDelete: Bool, partition: Int) async throws {
        // Failed or finished pods are replaced.
        for pod in pods.values where pod.isPodTerminal && !pod.isBeingDeleted {
            try await context.delete(.pods, namespace: pod.namespace, name: pod.name, uid: pod.uid)
        }
        let healthy = { (pod: KubeObject) in pod.isPodRunningAndReady && !pod.isBeingDeleted }

        // Scale up, in ordinal order.
        for ordinal in 0..<replicas {
            guard let pod = pods[ordinal] else {
                try await createClaims(set, ordinal: ordinal)
                try await createPod(set, ordinal: ordinal, revision: revision)
                if parallel { continue }
                return
            }
            if !parallel, !healthy(pod) { return }
        }

        // Scale down, highest ordinal first.
        let condemned = pods.keys.filter { $0 >= replicas }.sorted(by: >)
        for ordinal in condemned {
            guard let pod = pods[ordinal] else { continue }
            if pod.isBeingDeleted {
                if parallel { continue }
                return
            }
            if !parallel, (0..<replicas).contains(where: { pods[$0].map(healthy) != true }) { return }
            try await context.delete(.pods, namespace: pod.namespace, name: pod.name, uid: pod.uid)
            if !parallel { return }
        }

        // Rolling update: replace stale pods from the top down to the partition, one at a time.
        guard !onDelete, (0..<replicas).allSatisfy({ pods[$0].map(healthy) == true }) else { return }
        for ordinal in stride(from: replicas - 1, through: max(partition, 0), by: -1) {
            guard let pod = pods[ordinal], pod.labels[Self.revisionLabel] != revision else { continue }
            try await context.delete(.pods, namespace: pod.namespace, name: pod.name, uid: pod.uid)
            return
        }
    }

    private func claimName(_ template: JSONValue, set: KubeObject, ordinal: Int) -> String {
        "\(template[path: ["metadata", "name"]]?.stringValue ?? "")-\(set.name)-\(ordinal)"
    }

    private func createClaims(_ set: KubeObject, ordinal: Int) async throws {
        let templates = set.spec?["volumeClaimTemplates"]?.arrayValue ?? []
        let ownedOnDelete = set.spec?[path: ["persistentVolumeClaimRetentionPolicy", "whenDeleted"]]?.stringValue == "Delete"
        for template in templates {
            let name = claimName(template, set: set, ordinal: ordinal)
            guard context.get(.persistentVolumeClaims, namespace: set.namespace, name: name) == nil else { continue }
            var labels = template[path: ["metadata", "labels"]]?.objectValue ?? [:]
            for (key, value) in set.spec?[path: ["selector", "matchLabels"]]?.objectValue ?? [:] { labels[key] = value }
            var metadata: JSONObject = ["name": .string(name), "namespace": .string(set.namespace)]
            if !labels.isEmpty { metadata["labels"] = .object(labels) }
            if let annotations = template[path: ["metadata", "annotations"]] { metadata["annotations"] = annotations }
            if ownedOnDelete { metadata["ownerReferences"] = [set.controllerReference()] }
            let claim = KubeObject(["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": .object(metadata),
                                    "spec": template["spec"] ?? [:]])
            do {
                try await context.client.create(.persistentVolumeClaims, claim)
            } catch let error as APIError where error.reason == .alreadyExists {
                continue
            }
        }
    }

    private func createPod(_ set: KubeObject, ordinal: Int, revision: String) async throws {
        let template = set.spec?["template"] ?? [:]
        let name = "\(set.name)-\(ordinal)"
        var labels = template[path: ["metadata", "labels"]]?.objectValue ?? [:]
        labels[Self.revisionLabel] = .string(revision)
        labels[Self.podNameLabel] = .string(name)
        labels[Self.podIndexLabel] = .string(String(ordinal))
        var metadata: JSONObject = [
            "name": .string(name), "namespace": .string(set.namespace), "labels": .object(labels),
            "ownerReferences": [set.controllerReference()],
        ]
        if let annotations = template[path: ["metadata", "annotations"]] { metadata["annotations"] = annotations }
        var podSpec = template["spec"] ?? [:]
        podSpec["hostname"] = .string(name)
        if let service = set.spec?["serviceName"]?.stringValue, !service.isEmpty { podSpec["subdomain"] = .string(service) }
        let claimVolumes: [JSONValue] = (set.spec?["volumeClaimTemplates"]?.arrayValue ?? []).map { template in
            let volume = template[path: ["metadata", "name"]]?.stringValue ?? ""
            return ["name": .string(volume), "persistentVolumeClaim": ["claimName": .string(claimName(template, set: set, ordinal: ordinal))]]
        }
        if !claimVolumes.isEmpty {
            let names = Set(claimVolumes.compactMap { $0["name"]?.stringValue })
            let kept = (podSpec["volumes"]?.arrayValue ?? []).filter { !names.contains($0["name"]?.stringValue ?? "") }
            podSpec["volumes"] = .array(kept + claimVolumes)
        }
        let pod = KubeObject(["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": podSpec])
        // A pod of that name that is not ours fails with AlreadyExists, and the set is retried later.
        try await context.client.create(.pods, pod)
    }
}
