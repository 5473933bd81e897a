//! Scheduler: binds every pending pod that asks for the default scheduler to
//! the one simulated node, as kube-scheduler does through the binding
//! subresource: `spec.nodeName` is set, then the pod's `PodScheduled`
//! condition becomes True (no reason, as upstream reports success; the kubelet
//! also asserts it for pods created already bound). Pods that
//! name another scheduler stay pending, as they would without that scheduler.
import Foundation
import KubeCore
import LocalAPIServer

struct Scheduler: Reconciler {
    typealias Key = ObjectKey

    let name = SimulatedController.scheduler.rawValue
    let context: SimulatorContext

    init(_ context: SimulatorContext) {
        self.context = context
    }

    var watches: [WatchFilter] { [WatchFilter(resource: .pods)] }

    func keys(for event: StoreEvent) -> [ObjectKey] {
        guard event.type == .added || event.type == .modified, Self.needsScheduling(event.object) else { return [] }
        return [ObjectKey(namespace: event.object.namespace, name: event.object.name)]
    }

    static func needsScheduling(_ pod: KubeObject) -> Bool {
        let schedulerName = pod.spec?["schedulerName"]?.stringValue ?? "default-scheduler"
        let unbound = (pod.spec?["nodeName"]?.stringValue ?? "").isEmpty
        return schedulerName == "default-scheduler" && unbound && !pod.isBeingDeleted && !pod.isPodTerminal
    }

    func reconcile(_ key: ObjectKey) async throws -> Duration? {
        guard let pod = context.get(.pods, namespace: key.namespace, name: key.name), Self.needsScheduling(pod) else { return nil }
        let node = context.options.nodeName
        let bound = try await context.modify(.pods, namespace: key.namespace, name: key.name, uid: pod.uid) { object in
            guard (object.spec?["nodeName"]?.stringValue ?? "").isEmpty else { return }
            object.spec = (object.spec ?? [:]).setting("nodeName", .string(node))
        }
        guard bound?.spec?["nodeName"]?.stringValue == node else { return nil }
        try await context.modify(.pods, namespace: key.namespace, name: key.name, uid: pod.uid, subresource: "status") { object in
            var conditions = object.status?["conditions"]?.arrayValue ?? []
            RawConditions.set(&conditions, type: "PodScheduled", status: "True", now: context.timestamp(), probeTime: true)
            object.status = (object.status ?? [:]).setting("conditions", .array(conditions))
        }
        return nil
    }
}
