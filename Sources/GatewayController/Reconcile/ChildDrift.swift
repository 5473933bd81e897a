//! ChildDrift: whether a live child of a gateway still says what the
//! renderer wants, and the merge patch that puts it back. Written for
//! built-in kinds the API server defaults (a StatefulSet's
//! `revisionHistoryLimit`, a pod's `dnsPolicy`, a Service's `clusterIP`), so
//! unlike the sandbox side's `ownedFieldsPatch` (which demands key-for-key
//! equality) it compares one way: everything we set must be there, anything
//! the server added is left alone. Pure.
import KubeCore
import OpenShellAPI

public enum ChildDrift {
    /// On every child: a digest of what was rendered for it. A live child whose digest matches the
    /// current render but whose fields differ was edited by someone else (drift); a different digest
    /// means the gateway's spec changed.
    public static let appliedHashAnnotation = "openshell.ai/applied-hash"

    /// Top-level members never compared or patched.
    static let skipped: Set<String> = ["apiVersion", "kind", "metadata", "status"]

    /// The digest of a rendered child (before the annotation is added).
    public static func appliedHash(_ desired: KubeObject) -> String {
        FNV1a.hex64(desired.value.jsonString())
    }

    /// `desired` with its applied-hash annotation.
    public static func stamped(_ desired: KubeObject) -> KubeObject {
        var object = desired
        object.annotations[appliedHashAnnotation] = appliedHash(desired)
        return object
    }

    /// A JSON merge patch bringing `live` to `desired` (already stamped) on the members we render: our labels
    /// and annotations, and every top-level member but `metadata` and `status` (minus `immutable` ones);
    /// nil when `live` already says all of it. The patch never removes what the server or others added.
    public static func patch(live: KubeObject, desired: KubeObject, immutable: Set<String> = []) -> JSONValue? {
        var patch: JSONObject = [:]
        var metadata: JSONObject = [:]
        for (name, key) in [("labels", \KubeObject.labels), ("annotations", \KubeObject.annotations)] {
            let changes = desired[keyPath: key].filter { live[keyPath: key][$0.key] != $0.value }
            if !changes.isEmpty { metadata[name] = .object(changes.mapValues(JSONValue.string)) }
        }
        if !metadata.isEmpty { patch["metadata"] = .object(metadata) }
        for (field, want) in desired.json where !skipped.contains(field) {
            let have = live.json[field] ?? .null
            let target = overlay(want, onto: have, path: [field], immutable: immutable)
            if !contains(want: target, have: have) {
                patch[field] = JSONMergePatch.createMergePatch(from: have, to: target)
            }
        }
        return patch.isEmpty ? nil : .object(patch)
    }

    /// Whether `have` holds everything `want` holds: objects may carry more members, arrays must have
    /// the same length with each element holding its counterpart.
    public static func contains(want: JSONValue, have: JSONValue) -> Bool {
        switch (want, have) {
        case (.object(let w), .object(let h)):
            return w.allSatisfy { key, value in value.isNull || h[key].map { contains(want: value, have: $0) } ?? false }
        case (.array(let w), .array(let h)):
            return w.count == h.count && zip(w, h).allSatisfy { contains(want: $0, have: $1) }
        default:
            return want == have
        }
    }

    /// `want` laid over `have`: a subtree `have` already holds stays, objects are merged member by member
    /// (members only `have` has are kept), other arrays and scalars are taken from `want`; a member on the `immutable` path list keeps `have`'s value.
    static func overlay(_ want: JSONValue, onto have: JSONValue, path: [String], immutable: Set<String>) -> JSONValue {
        if immutable.contains(path.joined(separator: ".")), !have.isNull { return have }
        // What already says what we want stays as it is (an array is not re-sent for a drift elsewhere).
        if contains(want: want, have: have) { return have }
        guard case .object(let w) = want, case .object(var h) = have else { return want }
        for (key, value) in w {
            h[key] = overlay(value, onto: h[key] ?? .null, path: path + [key], immutable: immutable)
        }
        return .object(h)
    }
}
