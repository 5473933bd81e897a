//! Pure helpers the simulated controllers share: controller references, pod
//! state predicates, status conditions in the core/apps/batch format (with
//! `lastTransitionTime` moving only on a status change), and the FNV-1a hashes
//! and safe encoding Kubernetes uses for generated names.
import Foundation
import KubeCore

extension GroupResource {
    static let pods = GroupResource(group: "", resource: "pods")
    static let services = GroupResource(group: "", resource: "services")
    static let namespaces = GroupResource(group: "", resource: "namespaces")
    static let persistentVolumeClaims = GroupResource(group: "", resource: "persistentvolumeclaims")
    static let deployments = GroupResource(group: "apps", resource: "deployments")
    static let statefulSets = GroupResource(group: "apps", resource: "statefulsets")
    static let jobs = GroupResource(group: "batch", resource: "jobs")
}

extension KubeObject {
    /// The raw `metadata.ownerReferences` entries.
    var ownerReferenceValues: [JSONValue] { json["metadata"]?["ownerReferences"]?.arrayValue ?? [] }

    /// The UID of the owner reference marked `controller: true`, if any.
    var controllerUID: String? {
        ownerReferenceValues.first { $0["controller"]?.boolValue == true }?["uid"]?.stringValue
    }

    /// The controller reference's kind and group, if any.
    var controllerGroupKind: GroupKind? {
        guard let ref = ownerReferenceValues.first(where: { $0["controller"]?.boolValue == true }),
              let kind = ref["kind"]?.stringValue else { return nil }
        let group = GroupVersion(apiVersion: ref["apiVersion"]?.stringValue ?? "")?.group ?? ""
        return GroupKind(group: group, kind: kind)
    }

    /// The controller reference's name when it is of `kind` in `group`.
    func controllerName(group: String, kind: String) -> String? {
        guard controllerGroupKind == GroupKind(group: group, kind: kind) else { return nil }
        return ownerReferenceValues.first { $0["controller"]?.boolValue == true }?["name"]?.stringValue
    }

    /// A controller reference to this object, as `SetControllerReference` writes it.
    func controllerReference() -> JSONValue {
        [
            "apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(name), "uid": .string(uid),
            "controller": true, "blockOwnerDeletion": true,
        ]
    }

    // MARK: Pods

    var podPhase: String { status?["phase"]?.stringValue ?? "" }

    var isPodTerminal: Bool { podPhase == "Succeeded" || podPhase == "Failed" }

    /// The pod's `Ready` condition is True.
    var isPodReady: Bool { podCondition("Ready")?["status"]?.stringValue == "True" }

    /// Running with `Ready` True (what StatefulSets and Deployments count as ready).
    var isPodRunningAndReady: Bool { podPhase == "Running" && isPodReady }

    func podCondition(_ type: String) -> JSONValue? {
        status?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }

    /// Ready for at least `minReadySeconds` at `now` (Kubernetes' "available").
    func isPodAvailable(minReadySeconds: Int64, now: Date) -> Bool {
        guard isPodRunningAndReady, !isBeingDeleted else { return false }
        guard minReadySeconds > 0 else { return true }
        guard let since = podCondition("Ready")?["lastTransitionTime"]?.stringValue.flatMap(KubeTime.parse) else { return false }
        return since.addingTimeInterval(TimeInterval(minReadySeconds)) <= now
    }

    /// All container images of the pod spec (init and app containers).
    var podImages: [String] {
        ["initContainers", "containers"].flatMap { list in
            (spec?[list]?.arrayValue ?? []).compactMap { $0["image"]?.stringValue }
        }
    }
}

// MARK: - Conditions in raw form

enum RawConditions {
    /// Sets a condition of the core/apps/batch kind (`type`, `status`, `reason`,
    /// `message`, `lastTransitionTime`, and optionally `lastProbeTime`/`lastUpdateTime`).
    /// `lastTransitionTime` is kept when the status does not change; empty reason
    /// and message are omitted. `refresh` rewrites `lastUpdateTime` even when
    /// nothing else changes (a Deployment reporting renewed progress). Returns whether anything changed.
    @discardableResult
    static func set(_ conditions: inout [JSONValue], type: String, status: String, reason: String = "", message: String = "",
                    now: String, probeTime: Bool = false, updateTime: Bool = false, refresh: Bool = false) -> Bool {
        let index = conditions.firstIndex { $0["type"]?.stringValue == type }
        let old = index.map { conditions[$0] }
        if let old, !refresh || old["lastUpdateTime"]?.stringValue == now, old["status"]?.stringValue == status, (old["reason"]?.stringValue ?? "") == reason,
           (old["message"]?.stringValue ?? "") == message {
            return false
        }
        var condition: JSONObject = ["type": .string(type), "status": .string(status)]
        if !reason.isEmpty { condition["reason"] = .string(reason) }
        if !message.isEmpty { condition["message"] = .string(message) }
        let keepTransition = old?["status"]?.stringValue == status
        condition["lastTransitionTime"] = keepTransition ? (old?["lastTransitionTime"] ?? .string(now)) : .string(now)
        if probeTime { condition["lastProbeTime"] = .null }
        if updateTime { condition["lastUpdateTime"] = .string(now) }
        if let index { conditions[index] = .object(condition) } else { conditions.append(.object(condition)) }
        return true
    }

    static func status(_ conditions: [JSONValue], _ type: String) -> String? {
        conditions.first { $0["type"]?.stringValue == type }?["status"]?.stringValue
    }

    static func condition(_ conditions: [JSONValue], _ type: String) -> JSONValue? {
        conditions.first { $0["type"]?.stringValue == type }
    }
}

// MARK: - Hashes and generated names

enum NameHashing {
    /// 32-bit FNV-1a of the UTF-8 bytes.
    static func fnv1a32(_ text: String) -> UInt32 { FNV1a.hash32(text) }

    /// `fnv1a32` as eight lower-case hex digits (the Agent Sandbox name hash).
    static func hex8(_ text: String) -> String {
        let hex = String(fnv1a32(text), radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// The characters Kubernetes uses in generated names (no vowels, no confusable digits).
    static let safeAlphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    /// Maps each byte onto `safeAlphabet`, as apimachinery's `rand.SafeEncodeString`.
    static func safeEncode(_ text: String) -> String {
        String(text.utf8.map { safeAlphabet[Int($0) % safeAlphabet.count] })
    }

    /// A template hash as workload controllers name revisions: FNV-1a over the
    /// canonical JSON of the template, safe-encoded from its decimal form.
    static func templateHash(_ template: JSONValue?) -> String {
        safeEncode(String(fnv1a32((template ?? [:]).jsonString())))
    }
}

/// A container's fake ids (the kubelet reports containerd-style ids).
enum FakeIDs {
    static func hex64(_ seed: String) -> String {
        var parts: [String] = []
        var state = seed
        for i in 0..<8 {
            state = String(NameHashing.fnv1a32(state + String(i)))
            let hex = String(NameHashing.fnv1a32(state), radix: 16)
            parts.append(String(repeating: "0", count: 8 - hex.count) + hex)
        }
        return parts.joined()
    }
}

extension JSONValue {
    /// A copy with one member set (removed when `value` is nil).
    func setting(_ key: String, _ value: JSONValue?) -> JSONValue {
        var copy = self
        copy[key] = value
        return copy
    }
}

