//! EventRecorder: writes `events.k8s.io/v1` Events about objects, as client-go's
//! events recorder does (name `<object>.<hex nanoseconds>`, `eventTime` as a
//! MicroTime, reporting controller and instance, action, reason, note).
import Foundation
import KubeCore
import LocalAPIServer

struct EventRecorder: Sendable {
    let context: SimulatorContext
    /// `reportingController` of the events.
    let controller: String

    static let eventsV1 = GroupVersionResource(group: "events.k8s.io", version: "v1", resource: "events")

    /// Records an event regarding `object` (which must be namespaced).
    func record(_ object: KubeObject, type: String, reason: String, action: String, note: String) async throws {
        let now = context.now()
        let nanos = UInt64(max(0, now.timeIntervalSince1970) * 1_000_000_000)
        let event = KubeObject([
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": ["name": .string("\(object.name).\(String(nanos, radix: 16))"), "namespace": .string(object.namespace)],
            "eventTime": .string(KubeTime.formatMicro(now)),
            "reportingController": .string(controller),
            "reportingInstance": .string("\(controller)-\(context.options.nodeName)"),
            "action": .string(action), "reason": .string(reason), "type": .string(type),
            "note": .string(String(note.prefix(1024))),
            "regarding": [
                "apiVersion": .string(object.apiVersion), "kind": .string(object.kind), "name": .string(object.name),
                "namespace": .string(object.namespace), "uid": .string(object.uid), "resourceVersion": .string(object.resourceVersion),
            ],
        ])
        try await context.client.create(Self.eventsV1, event)
    }
}
