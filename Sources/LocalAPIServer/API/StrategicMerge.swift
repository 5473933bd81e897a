//! Strategic merge patch (interim): JSON merge semantics with the strategic
//! directives (`$patch`, `$retainKeys`, `$setElementOrder/...`,
//! `$deleteFromPrimitiveList/...`) removed rather than stored. Lists are
//! replaced, not merged by key; docs/local-cluster.md lists this difference.
import KubeCore

enum StrategicMerge {
    static func apply(_ patch: JSONValue, to document: JSONValue) -> JSONValue {
        JSONMergePatch.apply(stripDirectives(patch), to: document)
    }

    static func stripDirectives(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var out = JSONObject()
            for (key, child) in object where !key.hasPrefix("$") {
                out[key] = stripDirectives(child)
            }
            return .object(out)
        case .array(let array):
            return .array(array.map(stripDirectives))
        default:
            return value
        }
    }
}
