//! Navigation helpers over a schema: child schemas for properties, array items
//! and map values, `kubectl explain` lookups, and walks over schema nodes and
//! over a value together with its schema (for CEL rule evaluation).
import KubeCore

extension JSONSchemaProps {
    /// The schema of object field `name`: `properties[name]`, else the
    /// `additionalProperties` schema; nil when the field is unknown.
    public func childSchema(forField name: String) -> JSONSchemaProps? {
        properties[name] ?? additionalProperties?.schema
    }

    /// The schema of map values (`additionalProperties` as a schema).
    public var mapValueSchema: JSONSchemaProps? { additionalProperties?.schema }

    /// The schema of array items (same as `items`).
    public var itemSchema: JSONSchemaProps? { items }

    /// The schema `kubectl explain` shows for a dotted field path below this
    /// schema (`["spec", "containers", "name"]`): array levels are stepped
    /// through transparently, as explain does. Nil when a field is not specified.
    public func schema(forExplainPath fields: [String]) -> JSONSchemaProps? {
        var current = self
        for field in fields {
            while current.type == "array", let items = current.items { current = items }
            guard let next = current.properties[field] else { return nil }
            current = next
        }
        return current
    }

    /// The `description` `kubectl explain` prints for a field path (nil when absent).
    public func description(forExplainPath fields: [String]) -> String? {
        schema(forExplainPath: fields)?.description
    }

    /// Calls `body` for this schema and every nested schema, depth first, with
    /// the schema path in apiextensions notation (`properties[spec].items`,
    /// `additionalProperties`, `allOf[0]`, `not`). `path` is this node's path.
    public func visitSchemas(path: FieldPath = FieldPath(), _ body: (FieldPath, JSONSchemaProps) -> Void) {
        body(path, self)
        for key in properties.keys.sorted() {
            properties[key]?.visitSchemas(path: path.child("properties").key(key), body)
        }
        additionalProperties?.schema?.visitSchemas(path: path.child("additionalProperties"), body)
        items?.visitSchemas(path: path.child("items"), body)
        for (i, s) in allOf.enumerated() { s.visitSchemas(path: path.child("allOf").index(i), body) }
        for (i, s) in anyOf.enumerated() { s.visitSchemas(path: path.child("anyOf").index(i), body) }
        for (i, s) in oneOf.enumerated() { s.visitSchemas(path: path.child("oneOf").index(i), body) }
        not?.visitSchemas(path: path.child("not"), body)
    }

    /// Walks `value` together with this (structural) schema and calls `body` for
    /// every value that has a schema, starting with `value` itself, with field
    /// paths as kube-apiserver's CEL validator names them: properties as
    /// `spec.replicas`, map values as `spec.labels[key]`, items as `spec.ports[0]`.
    /// A CEL evaluator picks the nodes whose `xValidations` are non-empty.
    public func visitValues(_ value: JSONValue, path: FieldPath = FieldPath(), _ body: (JSONValue, JSONSchemaProps, FieldPath) -> Void) {
        body(value, self, path)
        switch value {
        case .object(let object):
            for key in object.keys.sorted() {
                guard let child = object[key] else { continue }
                if let prop = properties[key] {
                    prop.visitValues(child, path: path.child(key), body)
                } else if let valueSchema = additionalProperties?.schema {
                    valueSchema.visitValues(child, path: path.key(key), body)
                }
            }
        case .array(let list):
            guard let items else { return }
            for (i, item) in list.enumerated() { items.visitValues(item, path: path.index(i), body) }
        default:
            break
        }
    }
}
