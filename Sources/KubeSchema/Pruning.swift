//! Structural pruning (apiextensions `schema/pruning` and the embedded
//! ObjectMeta coercion of `schema/objectmeta`): drops fields the schema does
//! not specify and reports their paths for `fieldValidation=Warn|Strict`.
import KubeCore

/// Removes object fields of `value` that `schema` does not specify, and returns
/// their paths sorted (`spec.foo`, `spec.containers[0].bar`, `spec.labels.x.y`),
/// which kube-apiserver reports as `unknown field "spec.foo"`.
///
/// - `x-kubernetes-preserve-unknown-fields: true` keeps unknown fields at that
///   level, while specified properties below it are pruned again ("switching back").
/// - At the resource root (`isResourceRoot: true`) and in every
///   `x-kubernetes-embedded-resource` object, `apiVersion`, `kind` and `metadata`
///   are kept. In embedded resources (not at the root) `metadata` itself is
///   pruned to the fields of ObjectMeta, as kube-apiserver's coercion does; the
///   root `metadata` is left to the caller.
/// - Array items are pruned with the `items` schema; a missing schema prunes
///   every field of nested objects.
@discardableResult
public func prune(_ value: inout JSONValue, schema: JSONSchemaProps, isResourceRoot: Bool) -> [String] {
    var root = schema
    if isResourceRoot { root.xEmbeddedResource = true }
    var pruner = Pruner()
    pruner.prune(&value, root, path: "")
    pruner.coerceEmbeddedMetadata(&value, root, path: "", isRoot: true)
    return pruner.unknown.sorted()
}

/// `pruning.Prune` alone (no ObjectMeta coercion); `schema` is used as given.
func pruneUnknownFields(_ value: inout JSONValue, _ schema: JSONSchemaProps) -> [String] {
    var pruner = Pruner()
    pruner.prune(&value, schema, path: "")
    return pruner.unknown.sorted()
}

/// ObjectMeta's JSON fields (`metav1.ObjectMeta`).
let objectMetaFields: Set<String> = [
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
    "ownerReferences", "finalizers", "managedFields",
]

private let metaFields: Set<String> = ["apiVersion", "kind", "metadata"]

private struct Pruner {
    var unknown: [String] = []

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func prune(_ value: inout JSONValue, _ schema: JSONSchemaProps?, path: String) {
        if let schema, schema.preservesUnknownFields {
            skipPrune(&value, schema, path: path)
            return
        }
        switch value {
        case .object(var object):
            guard let schema else {
                for key in object.keys { unknown.append(Self.join(path, key)) }
                value = .object([:])
                return
            }
            for key in Array(object.keys) {
                if schema.xEmbeddedResource && metaFields.contains(key) { continue }
                guard var child = object[key] else { continue }
                if let prop = schema.properties[key] {
                    prune(&child, prop, path: Self.join(path, key))
                    object[key] = child
                } else if let ap = schema.additionalProperties {
                    prune(&child, ap.schema, path: Self.join(path, key))
                    object[key] = child
                } else {
                    if !metaFields.contains(key) || !path.isEmpty { unknown.append(Self.join(path, key)) }
                    object[key] = nil
                }
            }
            value = .object(object)
        case .array(var items):
            for i in items.indices { prune(&items[i], schema?.items, path: "\(path)[\(i)]") }
            value = .array(items)
        default:
            break
        }
    }

    /// Below `x-kubernetes-preserve-unknown-fields`: keep unknown fields, prune specified ones.
    mutating func skipPrune(_ value: inout JSONValue, _ schema: JSONSchemaProps?, path: String) {
        guard let schema else { return }
        switch value {
        case .object(var object):
            for key in Array(object.keys) {
                if schema.xEmbeddedResource && metaFields.contains(key) { continue }
                guard var child = object[key] else { continue }
                if let prop = schema.properties[key] {
                    prune(&child, prop, path: Self.join(path, key))
                } else if let ap = schema.additionalProperties {
                    prune(&child, ap.schema, path: Self.join(path, key))
                }
                object[key] = child
            }
            value = .object(object)
        case .array(var items):
            for i in items.indices { skipPrune(&items[i], schema.items, path: "\(path)[\(i)]") }
            value = .array(items)
        default:
            break
        }
    }

    /// Prunes `metadata` of embedded resources (below the root) to ObjectMeta fields.
    mutating func coerceEmbeddedMetadata(_ value: inout JSONValue, _ schema: JSONSchemaProps?, path: String, isRoot: Bool) {
        guard let schema else { return }
        switch value {
        case .object(var object):
            if schema.xEmbeddedResource, !isRoot, case .object(var meta)? = object["metadata"] {
                let metaPath = Self.join(path, "metadata")
                for key in Array(meta.keys) where !objectMetaFields.contains(key) {
                    unknown.append(Self.join(metaPath, key))
                    meta[key] = nil
                }
                object["metadata"] = .object(meta)
            }
            for key in Array(object.keys) {
                guard var child = object[key] else { continue }
                if let prop = schema.properties[key] {
                    coerceEmbeddedMetadata(&child, prop, path: Self.join(path, key), isRoot: false)
                } else if let ap = schema.additionalProperties?.schema {
                    coerceEmbeddedMetadata(&child, ap, path: Self.join(path, key), isRoot: false)
                } else {
                    continue
                }
                object[key] = child
            }
            value = .object(object)
        case .array(var items):
            for i in items.indices { coerceEmbeddedMetadata(&items[i], schema.items, path: "\(path)[\(i)]", isRoot: false) }
            value = .array(items)
        default:
            break
        }
    }
}
