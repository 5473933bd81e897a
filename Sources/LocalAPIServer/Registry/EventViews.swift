//! Events are stored once, as core/v1 `Event`s, and served twice: as core/v1
//! and as `events.k8s.io/v1` with the standard field mapping
//! (involvedObject↔regarding, message↔note, source↔deprecatedSource, ...).
import KubeCore

enum EventViews {
    /// core/v1 field name ↔ events.k8s.io/v1 field name.
    static let renames: [(core: String, v1: String)] = [
        ("involvedObject", "regarding"),
        ("message", "note"),
        ("reportingComponent", "reportingController"),
        ("source", "deprecatedSource"),
        ("firstTimestamp", "deprecatedFirstTimestamp"),
        ("lastTimestamp", "deprecatedLastTimestamp"),
        ("count", "deprecatedCount"),
    ]

    static func toEventsV1(_ core: KubeObject) -> KubeObject {
        var out = core
        for (coreName, v1Name) in renames {
            out.json[v1Name] = core.json[coreName]
            out.json[coreName] = nil
        }
        out.apiVersion = "events.k8s.io/v1"
        out.kind = "Event"
        return out
    }

    static func toCore(_ v1: KubeObject) -> KubeObject {
        // Idempotent: the write path converts a patched object to storage and
        // then again before committing; a second rename would erase the fields.
        if v1.apiVersion == "v1" { return v1 }
        var out = v1
        for (coreName, v1Name) in renames {
            out.json[coreName] = v1.json[v1Name]
            out.json[v1Name] = nil
        }
        out.apiVersion = "v1"
        out.kind = "Event"
        return out
    }

    /// Selectable fields of a stored (core/v1) event, under both views' names.
    static let coreFieldLabels: @Sendable (KubeObject) -> [String: String] = { event in
        var fields: [String: String] = [:]
        let involved = event.json["involvedObject"]?.objectValue ?? [:]
        for key in ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"] {
            let value = involved[key]?.stringValue ?? ""
            fields["involvedObject.\(key)"] = value
            fields["regarding.\(key)"] = value
        }
        fields["reason"] = event.json["reason"]?.stringValue ?? ""
        fields["type"] = event.json["type"]?.stringValue ?? ""
        fields["source"] = event.json["source"]?["component"]?.stringValue ?? event.json["reportingComponent"]?.stringValue ?? ""
        fields["reportingComponent"] = event.json["reportingComponent"]?.stringValue ?? ""
        fields["reportingController"] = fields["reportingComponent"]
        return fields
    }

    static let eventsV1: ResourceType = {
        var type = ResourceType.builtin(
            group: "events.k8s.io", version: "v1", resource: "events", kind: "Event", shortNames: ["ev"],
            fieldLabels: coreFieldLabels)
        type.storageResource = GroupResource(group: "", resource: "events")
        type.fromStorage = { object, _ in toEventsV1(object) }
        type.toStorage = { toCore($0) }
        return type
    }()
}
