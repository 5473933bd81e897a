//! Structural defaulting (apiextensions `schema/defaulting`): fills in `default`
//! values for missing fields, recursively through properties, array items and
//! map values, with the null rules of `nullable`.
import KubeCore

/// Applies schema defaults to `value` in place, as kube-apiserver does when it
/// decodes a custom resource: on create and update requests and on every read
/// from storage (so defaults added to a CRD later show up on old objects).
///
/// Two steps, as upstream:
/// 1. a `null` under a non-nullable field without a default is removed
///    (`PruneNonNullableNullsWithoutDefaults`, for object fields only);
/// 2. a missing field with a default, or a `null` one that is not nullable, gets a
///    copy of the default; array items and map values that are non-nullable
///    `null`s get the item/value schema's default. Defaulting then recurses into
///    the (possibly new) value, so defaults inside defaults apply.
///
/// Values that do not match the schema's shape are left alone (validation reports them).
public func applyDefaults(_ value: inout JSONValue, schema: JSONSchemaProps) {
    pruneNonNullableNullsWithoutDefaults(&value, schema)
    defaultValues(&value, schema)
}

private func isNonNullableNull(_ value: JSONValue?, _ schema: JSONSchemaProps?) -> Bool {
    guard let value, value.isNull, let schema else { return false }
    return !schema.nullable
}

/// The schema governing a field of an object: a property, else the map value schema.
private func fieldSchema(_ key: String, _ schema: JSONSchemaProps?) -> JSONSchemaProps? {
    guard let schema else { return nil }
    return schema.properties[key] ?? schema.additionalProperties?.schema
}

private func pruneNonNullableNullsWithoutDefaults(_ value: inout JSONValue, _ schema: JSONSchemaProps?) {
    switch value {
    case .object(var object):
        for key in Array(object.keys) {
            let sub = fieldSchema(key, schema)
            if isNonNullableNull(object[key], sub), sub?.defaultValue == nil {
                object[key] = nil
            } else if var child = object[key] {
                pruneNonNullableNullsWithoutDefaults(&child, sub)
                object[key] = child
            }
        }
        value = .object(object)
    case .array(var items):
        for i in items.indices { pruneNonNullableNullsWithoutDefaults(&items[i], schema?.items) }
        value = .array(items)
    default:
        break
    }
}

private func defaultValues(_ value: inout JSONValue, _ schema: JSONSchemaProps?) {
    guard let schema else { return }
    switch value {
    case .object(var object):
        for (key, prop) in schema.properties {
            guard let def = prop.defaultValue else { continue }
            if object[key] == nil || isNonNullableNull(object[key], prop) {
                object[key] = def
            }
        }
        for key in Array(object.keys) {
            guard var child = object[key] else { continue }
            if let prop = schema.properties[key] {
                defaultValues(&child, prop)
            } else if let valueSchema = schema.additionalProperties?.schema {
                if isNonNullableNull(child, valueSchema), let def = valueSchema.defaultValue { child = def }
                defaultValues(&child, valueSchema)
            }
            object[key] = child
        }
        value = .object(object)
    case .array(var items):
        guard let itemSchema = schema.items else { return }
        for i in items.indices {
            if isNonNullableNull(items[i], itemSchema), let def = itemSchema.defaultValue { items[i] = def }
            defaultValues(&items[i], itemSchema)
        }
        value = .array(items)
    default:
        break
    }
}
