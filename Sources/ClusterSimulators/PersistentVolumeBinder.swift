//! PersistentVolumeBinder: binds every pending PersistentVolumeClaim at once,
//! as a dynamic provisioner with `Immediate` binding would: the claim gets
//! `spec.volumeName: pvc-<uid>` and the binder's annotations, then
//! `status.phase: Bound` with the requested capacity and access modes.
//! No PersistentVolume objects are written (the server does not serve them).
import Foundation
import KubeCore
import LocalAPIServer

struct PersistentVolumeBinder: Reconciler {
    typealias Key = ObjectKey

    let name = SimulatedController.persistentVolumeBinder.rawValue
    let context: SimulatorContext

    init(_ context: SimulatorContext) {
        self.context = context
    }

    var watches: [WatchFilter] { [WatchFilter(resource: .persistentVolumeClaims)] }

    func keys(for event: StoreEvent) -> [ObjectKey] {
        guard event.type != .deleted, event.object.status?["phase"]?.stringValue != "Bound", !event.object.isBeingDeleted else { return [] }
        return [ObjectKey(namespace: event.object.namespace, name: event.object.name)]
    }

    func reconcile(_ key: ObjectKey) async throws -> Duration? {
        guard let claim = context.get(.persistentVolumeClaims, namespace: key.namespace, name: key.name), !claim.isBeingDeleted,
              claim.status?["phase"]?.stringValue != "Bound"
        else { return nil }
        let volume = "pvc-\(claim.uid)"
        try await context.modify(.persistentVolumeClaims, namespace: key.namespace, name: key.name, uid: claim.uid) { object in
            if (object.spec?["volumeName"]?.stringValue ?? "").isEmpty {
                object.spec = (object.spec ?? [:]).setting("volumeName", .string(volume))
            }
            var annotations = object.annotations
            annotations["pv.kubernetes.io/bind-completed"] = "yes"
            annotations["pv.kubernetes.io/bound-by-controller"] = "yes"
            object.annotations = annotations
        }
        try await context.modify(.persistentVolumeClaims, namespace: key.namespace, name: key.name, uid: claim.uid,
                                 subresource: "status") { object in
            var status = object.status ?? [:]
            status["phase"] = "Bound"
            status["accessModes"] = object.spec?["accessModes"] ?? ["ReadWriteOnce"]
            status["capacity"] = ["storage": object.spec?[path: ["resources", "requests", "storage"]] ?? "1Gi"]
            object.status = status
        }
        return nil
    }
}
