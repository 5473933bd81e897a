//! Custom resource validation against a structural schema: the OpenAPI checks,
//! embedded-resource TypeMeta checks and list-type (set/map) uniqueness, in the
//! order kube-apiserver's custom resource strategy runs them. CEL rules
//! (`x-kubernetes-validations`) and the root `metadata` (ObjectMeta) checks are
//! the caller's job.
import KubeCore

/// Validates `value` against `schema` as kube-apiserver validates a custom
/// resource (or a schema default) and returns the field errors, in order:
///
/// 1. kube-openapi schema validation (`spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`),
/// 2. `x-kubernetes-embedded-resource` objects: `apiVersion`/`kind` presence and syntax,
/// 3. `x-kubernetes-list-type` `set`/`map` uniqueness (`Duplicate value: ...`).
///
/// - Parameters:
///   - path: where `value` sits; pass `FieldPath()` for a whole object (errors then
///     read `spec.replicas`, and errors about the value itself use Go's `<nil>` path).
public func validate(_ value: JSONValue, against schema: JSONSchemaProps, path: FieldPath) -> [FieldError] {
    var errors = OpenAPIValidator(root: path).validate(value, schema, "").errors
    errors += validateEmbeddedResources(value, schema: schema, path: path, isResourceRoot: false)
    errors += validateListSetsAndMaps(value, schema: schema, path: path)
    return errors
}

// MARK: - Embedded resources

/// `objectmeta.Validate`: for every `x-kubernetes-embedded-resource` object below
/// the root, `apiVersion` and `kind` are required strings of the right syntax.
func validateEmbeddedResources(_ value: JSONValue, schema: JSONSchemaProps?, path: FieldPath, isResourceRoot: Bool) -> [FieldError] {
    guard var schema else { return [] }
    if isResourceRoot { schema.xEmbeddedResource = true }
    return embeddedWalk(value, schema, path)
}

private func embeddedWalk(_ value: JSONValue, _ schema: JSONSchemaProps?, _ path: FieldPath) -> [FieldError] {
    guard let schema else { return [] }
    var errors: [FieldError] = []
    switch value {
    case .object(let object):
        if schema.xEmbeddedResource { errors += validateTypeMeta(object, path) }
        for key in object.keys.sorted() {
            let v = object[key] ?? .null
            if let prop = schema.properties[key] {
                errors += embeddedWalk(v, prop, path.child(key))
            } else if let ap = schema.additionalProperties?.schema {
                errors += embeddedWalk(v, ap, path.key(key))
            }
        }
    case .array(let items):
        for (i, item) in items.enumerated() { errors += embeddedWalk(item, schema.items, path.index(i)) }
    default:
        break
    }
    return errors
}

private func validateTypeMeta(_ object: JSONObject, _ path: FieldPath) -> [FieldError] {
    var errors: [FieldError] = []
    if object["apiVersion"] == nil { errors.append(KubeFieldError.required(path.child("apiVersion").description)) }
    if object["kind"] == nil { errors.append(KubeFieldError.required(path.child("kind").description)) }
    if let v = object["apiVersion"] {
        let field = path.child("apiVersion").description
        if case .string(let apiVersion) = v {
            if apiVersion.isEmpty {
                errors.append(KubeFieldError.invalid(field, v, "must not be empty"))
            } else if apiVersion.split(separator: "/", omittingEmptySubsequences: false).count > 2 {
                errors.append(KubeFieldError.invalid(field, v, "unexpected GroupVersion string: \(apiVersion)"))
            }
        } else {
            errors.append(KubeFieldError.invalid(field, v, "must be a string"))
        }
    }
    if let v = object["kind"] {
        let field = path.child("kind").description
        if case .string(let kind) = v {
            if kind.isEmpty {
                errors.append(KubeFieldError.invalid(field, v, "must not be empty"))
            } else {
                let problems = DNSNames.dns1035LabelErrors(kind.lowercased())
                if !problems.isEmpty {
                    errors.append(KubeFieldError.invalid(field, v, "may have mixed case, but should otherwise match: " + problems.joined(separator: ",")))
                }
            }
        } else {
            errors.append(KubeFieldError.invalid(field, v, "must be a string"))
        }
    }
    if let v = object["metadata"], !v.isNull, v.objectValue == nil {
        errors.append(KubeFieldError.invalid(path.child("metadata").description, v, "must be an object"))
    }
    return errors
}

/// apimachinery's name validators (`k8s.io/apimachinery/pkg/util/validation`).
enum DNSNames {
    static func dns1035LabelErrors(_ value: String) -> [String] {
        var errs: [String] = []
        if value.count > 63 { errs.append("must be no more than 63 characters") }
        if !StringFormats.matches(value, "^[a-z]([-a-z0-9]*[a-z0-9])?$") {
            errs.append("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
        }
        return errs
    }
}

// MARK: - List types

/// `listtype.ValidateListSetsAndMaps`: items of `set` lists are unique, keys of
/// `map` lists are unique and every item of a `map` list is an object.
func validateListSetsAndMaps(_ value: JSONValue, schema: JSONSchemaProps?, path: FieldPath) -> [FieldError] {
    guard let schema, case .object(let object) = value else { return [] }
    return listTypeObject(object, schema, path)
}

private func listTypeObject(_ object: JSONObject, _ schema: JSONSchemaProps, _ path: FieldPath) -> [FieldError] {
    var errors: [FieldError] = []
    let keys = object.keys.sorted()
    if let ap = schema.additionalProperties?.schema {
        for key in keys { errors += listTypeValue(object[key] ?? .null, ap, path.key(key)) }
    }
    for key in keys {
        if let prop = schema.properties[key] { errors += listTypeValue(object[key] ?? .null, prop, path.child(key)) }
    }
    return errors
}

private func listTypeValue(_ value: JSONValue, _ schema: JSONSchemaProps, _ path: FieldPath) -> [FieldError] {
    switch value {
    case .array(let items): return listTypeArray(items, schema, path)
    case .object(let object): return listTypeObject(object, schema, path)
    default: return []
    }
}

private func listTypeArray(_ items: [JSONValue], _ schema: JSONSchemaProps, _ path: FieldPath) -> [FieldError] {
    var errors: [FieldError] = []
    switch schema.xListType {
    case "set":
        for i in nonUniqueIndices(items) {
            errors.append(KubeFieldError.duplicate(path.index(i).description, items[i]))
        }
    case "map":
        errors += validateListMap(items, schema, path)
    default:
        break
    }
    if let itemSchema = schema.items {
        for (i, item) in items.enumerated() { errors += listTypeValue(item, itemSchema, path.index(i)) }
    }
    return errors
}

/// Indices of the second appearance of each repeated element.
private func nonUniqueIndices(_ items: [JSONValue?]) -> [Int] {
    var seen: [JSONValue?: Int] = [:]
    var result: [Int] = []
    for (i, item) in items.enumerated() {
        let times = seen[item, default: 0]
        if times == 1 { result.append(i) }
        seen[item] = times + 1
    }
    return result
}

private func validateListMap(_ items: [JSONValue], _ schema: JSONSchemaProps, _ path: FieldPath) -> [FieldError] {
    for (i, item) in items.enumerated() where !item.isNull && item.objectValue == nil {
        return [KubeFieldError.invalid(path.index(i).description, item, "must be an object for an array of list-type map")]
    }
    guard items.count > 1 else { return [] }
    let keyFields = schema.xListMapKeys
    if keyFields.count == 1, let keyField = keyFields.first {
        // A missing key (or a null item) is its own "unspecified" value, distinct from null.
        let keys: [JSONValue?] = items.map { $0.objectValue?[keyField] }
        return nonUniqueIndices(keys).map { i in
            let rendered: JSONValue = keys[i].map { .object([keyField: $0]) } ?? .object([:])
            return KubeFieldError.duplicate(path.index(i).description, rendered)
        }
    }
    let keys: [JSONValue?] = items.map { item in
        var key: JSONObject = [:]
        for k in keyFields { if let v = item.objectValue?[k] { key[k] = v } }
        return .object(key)
    }
    return nonUniqueIndices(keys).map { KubeFieldError.duplicate(path.index($0).description, keys[$0] ?? .object([:])) }
}
