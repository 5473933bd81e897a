//! Static validation of a CRD version's `openAPIV3Schema`, with the field paths
//! and messages of apiextensions-apiserver: the OpenAPI-subset checks of
//! `ValidateCustomResourceDefinitionOpenAPISchema`, the structural-schema rules
//! of `schema.ValidateStructural`, and the default checks of
//! `defaulting.ValidateDefaults`.
//!
//! Rules left out (accepted silently here):
//! - CEL compilation and cost checks of `x-kubernetes-validations` rules, and the
//!   `fieldPath` "must be a valid path" check;
//! - `oldSelf`/`optionalOldSelf` correlation rules;
//! - with the status subresource, the rejected root schema is rendered as
//!   `apiextensions.JSONSchemaProps{...}` instead of Go's full struct dump;
//! - ObjectMeta validation of defaults inside `metadata` of embedded resources;
//! - Go `regexp` (RE2) syntax: patterns are compiled with ICU, and the error text
//!   of an invalid pattern differs from Go's;
//! - the ratcheting exemptions for schemas already stored (every check applies as
//!   for a newly created CRD).
import Foundation
import KubeCore

/// Validates the `openAPIV3Schema` of one CRD version as kube-apiserver does on
/// create (v1 CRDs: `path` is `spec.versions[i].schema.openAPIV3Schema`).
///
/// Order: root checks, then structural-schema errors (sorted by message, as
/// upstream) — or, when the schema is structural, errors of `default` values —
/// then the OpenAPI-subset errors.
///
/// - Parameter statusSubresource: whether this version enables `subresources.status`.
public func validateCRDSchema(_ schema: JSONSchemaProps, path: FieldPath, statusSubresource: Bool = false) -> [FieldError] {
    var errors: [FieldError] = []
    if statusSubresource, let error = statusRootError(schema, path) { errors.append(error) }
    if schema.nullable {
        errors.append(KubeFieldError.forbidden(path.child("nullable").description, "nullable cannot be true at the root"))
    }
    let structural = validateStructural(schema, path: path)
    if structural.isEmpty {
        errors += validateDefaults(schema, path: path)
    } else {
        errors += structural
    }
    var checker = OpenAPISubsetChecker()
    checker.check(schema, path, context: .init(), isRoot: true)
    errors += checker.errors
    return errors
}

/// Keywords allowed at the root when the status subresource is enabled, in
/// `JSONSchemaProps` Go field names and order.
private let allowedRootFields = ["Description", "Type", "Format", "Title", "Maximum", "ExclusiveMaximum", "Minimum",
    "ExclusiveMinimum", "MaxLength", "MinLength", "Pattern", "MaxItems", "MinItems", "UniqueItems", "MultipleOf",
    "Required", "Items", "Properties", "ExternalDocs", "Example", "XPreserveUnknownFields", "XValidations"]

/// With the status subresource, the root may only use `allowedRootFields` and `type` must be object.
/// Fields are visited in Go declaration order; the first offender is reported.
private func statusRootError(_ s: JSONSchemaProps, _ path: FieldPath) -> FieldError? {
    let raw = s.raw.objectValue ?? [:]
    func set(_ key: String) -> Bool { raw[key].map { !$0.isNull } ?? false }
    let fields: [(String, Bool)] = [
        ("ID", set("id")), ("Schema", set("$schema")), ("Ref", set("$ref")),
        ("Description", !(s.description ?? "").isEmpty), ("Type", !(s.type ?? "").isEmpty),
        ("Default", s.defaultValue != nil), ("Enum", s.enumValues != nil),
        ("MaxProperties", s.maxProperties != nil), ("MinProperties", s.minProperties != nil),
        ("AllOf", !s.allOf.isEmpty), ("OneOf", !s.oneOf.isEmpty), ("AnyOf", !s.anyOf.isEmpty), ("Not", s.not != nil),
        ("AdditionalProperties", s.additionalProperties != nil), ("PatternProperties", set("patternProperties")),
        ("Dependencies", set("dependencies")), ("AdditionalItems", set("additionalItems")), ("Definitions", set("definitions")),
        ("Nullable", s.nullable), ("XEmbeddedResource", s.xEmbeddedResource), ("XIntOrString", s.xIntOrString),
        ("XListMapKeys", !s.xListMapKeys.isEmpty), ("XListType", s.xListType != nil), ("XMapType", s.xMapType != nil),
    ]
    for (name, isSet) in fields where isSet {
        if name == "Type" {
            if s.type != "object" {
                return KubeFieldError.invalid(path.child("type").description, .string(s.type ?? ""),
                    "only \"object\" is allowed as the type at the root of the schema if the status subresource is enabled")
            }
            continue
        }
        if !allowedRootFields.contains(name) {
            return FieldError(reason: FieldErrorReason.invalid, field: path.description,
                message: "Invalid value: apiextensions.JSONSchemaProps{...}: only [\(allowedRootFields.joined(separator: " "))] fields are allowed at the root of the schema if the status subresource is enabled")
        }
    }
    return nil
}

/// The structural-schema rules alone (`schema.ValidateStructural`), sorted by
/// their rendered text. Empty means the schema is structural.
public func validateStructural(_ schema: JSONSchemaProps, path: FieldPath) -> [FieldError] {
    var errors = StructuralChecker.invariants(schema, level: .root, path)
    errors += StructuralChecker.completeness(schema, path)
    return errors.sorted { $0.description < $1.description }
}

/// `defaulting.ValidateDefaults` for a structural schema: every `default` must
/// validate against its schema and must not carry fields pruning would drop.
public func validateDefaults(_ schema: JSONSchemaProps, path: FieldPath) -> [FieldError] {
    var root = schema
    root.xEmbeddedResource = true
    return DefaultsChecker.check(root, path, insideMeta: false)
}

// MARK: - Structural rules

private enum StructuralChecker {
    enum Level { case root, item, field }

    static func invariants(_ s: JSONSchemaProps, level: Level, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let type = s.type ?? ""
        if type == "array" && s.items == nil {
            errors.append(KubeFieldError.required(path.child("items").description, "must be specified"))
        }
        if let items = s.items { errors += invariants(items, level: .item, path.child("items")) }
        for key in s.properties.keys.sorted() {
            if let prop = s.properties[key] { errors += invariants(prop, level: .field, path.child("properties").key(key)) }
        }
        if let ap = s.additionalProperties {
            if level == .root {
                errors.append(KubeFieldError.forbidden(path.child("additionalProperties").description, "must not be used at the root"))
            }
            if let apSchema = ap.schema { errors += invariants(apSchema, level: .field, path.child("additionalProperties")) }
        }
        if s.xIntOrString && s.preservesUnknownFields {
            errors.append(KubeFieldError.invalid(path.child("x-kubernetes-preserve-unknown-fields").description, .bool(true), "must be false if x-kubernetes-int-or-string is true"))
        }
        if s.xIntOrString && s.xEmbeddedResource {
            errors.append(KubeFieldError.invalid(path.child("x-kubernetes-embedded-resource").description, .bool(true), "must be false if x-kubernetes-int-or-string is true"))
        }
        errors += valueValidation(s, skipAnyOf: isIntOrStringAnyOf(s.anyOf), skipFirstAllOfAnyOf: isIntOrStringAllOf(s), path)

        let checkMetadata = level == .root || s.xEmbeddedResource
        if s.xEmbeddedResource && type != "object" {
            let field = path.child("type").description
            let detail = "must be object if x-kubernetes-embedded-resource is true"
            errors.append(type.isEmpty ? KubeFieldError.required(field, detail) : KubeFieldError.invalid(field, .string(type), detail))
        } else if type.isEmpty && !s.xIntOrString && !s.preservesUnknownFields {
            let detail = switch level {
            case .root: "must not be empty at the root"
            case .item: "must not be empty for specified array items"
            case .field: "must not be empty for specified object fields"
            }
            errors.append(KubeFieldError.required(path.child("type").description, detail))
        }
        if s.xEmbeddedResource && s.additionalProperties != nil {
            errors.append(KubeFieldError.forbidden(path.child("additionalProperties").description, "must not be used if x-kubernetes-embedded-resource is set"))
        }
        if level == .root && !type.isEmpty && type != "object" {
            errors.append(KubeFieldError.invalid(path.child("type").description, .string(type), "must be object at the root"))
        }
        for key in ["kind", "apiVersion"] where checkMetadata {
            if let prop = s.properties[key], prop.type != "string" {
                errors.append(KubeFieldError.invalid(path.child("properties").key(key).child("type").description, .string(prop.type ?? ""), "must be string"))
            }
        }
        if let metadata = s.properties["metadata"] {
            errors += metadataInvariants(metadata, checkMetadata: checkMetadata, level: level, path.child("properties").key("metadata"))
        }
        if s.xEmbeddedResource && !s.preservesUnknownFields && s.properties.isEmpty {
            errors.append(KubeFieldError.required(path.child("properties").description, "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"))
        }
        return errors
    }

    private static func metadataInvariants(_ s: JSONSchemaProps, checkMetadata: Bool, level: Level, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if checkMetadata && s.type != "object" {
            errors.append(KubeFieldError.invalid(path.child("type").description, .string(s.type ?? ""), "must be object"))
        }
        if level == .root {
            var rest = s
            let names = Set(s.properties.keys)
            if names == ["name", "generateName"] || names == ["name"] || names == ["generateName"] {
                rest.properties = [:]
            }
            rest.type = nil
            rest.defaultValue = nil
            rest.example = nil
            rest.raw = JSONSchemaProps().raw
            if rest != JSONSchemaProps() {
                errors.append(KubeFieldError.forbidden(path.description, "must not specify anything other than name and generateName, but metadata is implicitly specified"))
            }
        }
        return errors
    }

    /// `anyOf: [{type: integer}, {type: string}]` and nothing else in either branch.
    private static func isIntOrStringAnyOf(_ anyOf: [JSONSchemaProps]) -> Bool {
        guard anyOf.count == 2 else { return false }
        return onlyType(anyOf[0], "integer") && onlyType(anyOf[1], "string")
    }

    private static func isIntOrStringAllOf(_ s: JSONSchemaProps) -> Bool {
        guard let first = s.allOf.first else { return false }
        return isIntOrStringAnyOf(first.anyOf)
    }

    private static func onlyType(_ s: JSONSchemaProps, _ type: String) -> Bool {
        var rest = s
        guard rest.type == type else { return false }
        rest.type = nil
        rest.raw = JSONSchemaProps().raw
        rest.example = nil
        return rest == JSONSchemaProps()
    }

    /// Logic junctors and `pattern` of a schema (or of a nested value validation).
    private static func valueValidation(_ s: JSONSchemaProps, skipAnyOf: Bool, skipFirstAllOfAnyOf: Bool, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if !skipAnyOf {
            for (i, sub) in s.anyOf.enumerated() { errors += nested(sub, skipAnyOf: false, path.child("anyOf").index(i)) }
        }
        for (i, sub) in s.allOf.enumerated() {
            errors += nested(sub, skipAnyOf: skipFirstAllOfAnyOf && i == 0, path.child("allOf").index(i))
        }
        for (i, sub) in s.oneOf.enumerated() { errors += nested(sub, skipAnyOf: false, path.child("oneOf").index(i)) }
        if let not = s.not { errors += nested(not, skipAnyOf: false, path.child("not")) }
        if let pattern = s.pattern, !pattern.isEmpty, (try? NSRegularExpression(pattern: pattern)) == nil {
            errors.append(KubeFieldError.invalid(path.child("pattern").description, .string(pattern),
                "must be a valid regular expression, but isn't: error parsing regexp: invalid pattern `\(pattern)`"))
        }
        return errors
    }

    /// Rules for schemas under `allOf`/`anyOf`/`oneOf`/`not`: value validations only.
    private static func nested(_ v: JSONSchemaProps, skipAnyOf: Bool, _ path: FieldPath) -> [FieldError] {
        var errors = valueValidation(v, skipAnyOf: skipAnyOf, skipFirstAllOfAnyOf: false, path)
        if let items = v.items { errors += nested(items, skipAnyOf: false, path.child("items")) }
        for key in v.properties.keys.sorted() {
            if let prop = v.properties[key] { errors += nested(prop, skipAnyOf: false, path.child("properties").key(key)) }
        }
        func forbid(_ keyword: String, _ detail: String) {
            errors.append(KubeFieldError.forbidden(path.child(keyword).description, detail))
        }
        if let t = v.type, !t.isEmpty { forbid("type", "must be empty to be structural") }
        if v.additionalProperties != nil { forbid("additionalProperties", "must be undefined to be structural") }
        if v.defaultValue != nil { forbid("default", "must be undefined to be structural") }
        if let t = v.title, !t.isEmpty { forbid("title", "must be empty to be structural") }
        if let d = v.description, !d.isEmpty { forbid("description", "must be empty to be structural") }
        if v.nullable { forbid("nullable", "must be false to be structural") }
        if v.preservesUnknownFields { forbid("x-kubernetes-preserve-unknown-fields", "must be false to be structural") }
        if v.xEmbeddedResource { forbid("x-kubernetes-embedded-resource", "must be false to be structural") }
        if v.xIntOrString { forbid("x-kubernetes-int-or-string", "must be false to be structural") }
        if !v.xListMapKeys.isEmpty { forbid("x-kubernetes-list-map-keys", "must be empty to be structural") }
        if v.xListType != nil { forbid("x-kubernetes-list-type", "must be undefined to be structural") }
        if v.xMapType != nil { forbid("x-kubernetes-map-type", "must be undefined to be structural") }
        if !v.xValidations.isEmpty { forbid("x-kubernetes-validations", "must be empty to be structural") }
        if v.properties["metadata"] != nil {
            errors.append(KubeFieldError.forbidden(path.child("properties").key("metadata").description, "must not be specified in a nested context"))
        }
        return errors
    }

    /// Every property or array specified in a junctor at the root must also be
    /// specified structurally (upstream checks the root's junctors only).
    static func completeness(_ s: JSONSchemaProps, _ path: FieldPath) -> [FieldError] {
        junctorCompleteness(s, s, path, path)
    }

    private static func junctorCompleteness(_ v: JSONSchemaProps, _ s: JSONSchemaProps?, _ sPath: FieldPath, _ vPath: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if let not = v.not { errors += nestedCompleteness(not, s, sPath, vPath.child("not")) }
        for (i, sub) in v.allOf.enumerated() { errors += nestedCompleteness(sub, s, sPath, vPath.child("allOf").index(i)) }
        for (i, sub) in v.anyOf.enumerated() { errors += nestedCompleteness(sub, s, sPath, vPath.child("anyOf").index(i)) }
        for (i, sub) in v.oneOf.enumerated() { errors += nestedCompleteness(sub, s, sPath, vPath.child("oneOf").index(i)) }
        return errors
    }

    private static func nestedCompleteness(_ v: JSONSchemaProps, _ s: JSONSchemaProps?, _ sPath: FieldPath, _ vPath: FieldPath) -> [FieldError] {
        guard let s else {
            return [KubeFieldError.required(sPath.description, "because it is defined in \(vPath.description)")]
        }
        var errors = junctorCompleteness(v, s, sPath, vPath)
        if let items = v.items { errors += nestedCompleteness(items, s.items, sPath.child("items"), vPath.child("items")) }
        for key in v.properties.keys.sorted() {
            guard let vField = v.properties[key] else { continue }
            let vFieldPath = vPath.child("properties").key(key)
            if let sField = s.properties[key] {
                errors += nestedCompleteness(vField, sField, sPath.child("properties").key(key), vFieldPath)
            } else {
                errors.append(KubeFieldError.required(sPath.child("properties").key(key).description, "because it is defined in \(vFieldPath.description)"))
            }
        }
        return errors
    }
}

// MARK: - Defaults

private enum DefaultsChecker {
    static func check(_ s: JSONSchemaProps, _ path: FieldPath, insideMeta: Bool) -> [FieldError] {
        var errors: [FieldError] = []
        let insideMeta = s.xEmbeddedResource ? false : insideMeta
        if let def = s.defaultValue {
            let defaultPath = path.child("default")
            if !insideMeta {
                var pruned = def
                _ = pruneUnknownFields(&pruned, s)
                if pruned != def {
                    errors.append(KubeFieldError.invalid(defaultPath.description, def, "must not have unknown fields"))
                }
                let meta = validateEmbeddedResources(def, schema: s, path: defaultPath, isResourceRoot: s.xEmbeddedResource)
                if !meta.isEmpty {
                    errors += meta
                    return errors + children(s, path, insideMeta: insideMeta)
                }
            }
            errors += OpenAPIValidator(root: defaultPath).validate(def, s, "").errors
        }
        return errors + children(s, path, insideMeta: insideMeta)
    }

    /// Items and properties; defaults are forbidden under additionalProperties of metadata, and not followed there.
    private static func children(_ s: JSONSchemaProps, _ path: FieldPath, insideMeta: Bool) -> [FieldError] {
        var errors: [FieldError] = []
        if let items = s.items { errors += check(items, path.child("items"), insideMeta: insideMeta) }
        for key in s.properties.keys.sorted() {
            guard let prop = s.properties[key] else { continue }
            let subInsideMeta = insideMeta || (s.xEmbeddedResource && ["metadata", "apiVersion", "kind"].contains(key))
            errors += check(prop, path.child("properties").key(key), insideMeta: subInsideMeta)
        }
        return errors
    }
}

// MARK: - OpenAPI subset checks

private struct OpenAPISubsetChecker {
    var errors: [FieldError] = []

    struct Context {
        var allowDefaults = true
        var disallowDefaultsReason = ""
        var insideResourceMeta = false

        func forbiddingDefaults(_ reason: String) -> Context {
            var c = self
            c.allowDefaults = false
            c.disallowDefaultsReason = reason
            return c
        }

        func insideMeta() -> Context {
            var c = self
            c.insideResourceMeta = true
            return c
        }
    }

    private static let openAPIV3Types = ["array", "boolean", "integer", "number", "object", "string"]
    private static let validationReasons = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"]
    private static let metaFields: Set<String> = ["metadata", "kind", "apiVersion"]

    private mutating func forbid(_ path: FieldPath, _ detail: String) {
        errors.append(KubeFieldError.forbidden(path.description, detail))
    }

    mutating func check(_ s: JSONSchemaProps, _ path: FieldPath, context: Context, isRoot: Bool) {
        // specStandardValidatorV3
        if let type = s.type, !type.isEmpty, !Self.openAPIV3Types.contains(type) {
            errors.append(KubeFieldError.notSupported(path.child("type").description, .string(type), Self.openAPIV3Types))
        }
        if s.defaultValue != nil && !context.allowDefaults {
            var detail = "must not be set"
            if !context.disallowDefaultsReason.isEmpty { detail += " " + context.disallowDefaultsReason }
            forbid(path.child("default"), detail)
        }
        let raw = s.raw.objectValue ?? [:]
        if let id = raw["id"]?.stringValue, !id.isEmpty { forbid(path.child("id"), "id is not supported") }
        if let v = raw["additionalItems"], !v.isNull { forbid(path.child("additionalItems"), "additionalItems is not supported") }
        if let v = raw["patternProperties"]?.objectValue, !v.isEmpty { forbid(path.child("patternProperties"), "patternProperties is not supported") }
        if let v = raw["definitions"]?.objectValue, !v.isEmpty { forbid(path.child("definitions"), "definitions is not supported") }
        if let v = raw["dependencies"], !v.isNull { forbid(path.child("dependencies"), "dependencies is not supported") }
        if let v = raw["$ref"], !v.isNull { forbid(path.child("$ref"), "$ref is not supported") }
        if s.type == "null" { forbid(path.child("type"), "type cannot be set to null, use nullable as an alternative") }
        if let items = raw["items"]?.arrayValue, !items.isEmpty { forbid(path.child("items"), "items must be a schema object and not an array") }
        if context.insideResourceMeta && s.xEmbeddedResource {
            forbid(path.child("x-kubernetes-embedded-resource"), "must not be used inside of resource meta")
        }

        if s.uniqueItems {
            forbid(path.child("uniqueItems"), "uniqueItems cannot be set to true since the runtime complexity becomes quadratic")
        }
        if let ap = s.additionalProperties {
            if !s.properties.isEmpty && (!ap.allowsAny || ap.schema != nil) {
                forbid(path.child("additionalProperties"), "additionalProperties and properties are mutual exclusive")
            }
            if let apSchema = ap.schema {
                let sub = context.insideResourceMeta ? context.forbiddingDefaults("inside additionalProperties applying to object metadata") : context
                check(apSchema, path.child("additionalProperties"), context: sub, isRoot: false)
            }
        }
        for key in s.properties.keys.sorted() {
            guard let prop = s.properties[key] else { continue }
            var sub = context
            if (isRoot || s.xEmbeddedResource) && Self.metaFields.contains(key) {
                sub = sub.insideMeta()
                if isRoot { sub = sub.forbiddingDefaults("in top-level \(key)") }
            }
            check(prop, path.child("properties").key(key), context: sub, isRoot: false)
        }
        if let not = s.not { check(not, path.child("not"), context: context, isRoot: false) }
        for (i, sub) in s.allOf.enumerated() { check(sub, path.child("allOf").index(i), context: context, isRoot: false) }
        for (i, sub) in s.oneOf.enumerated() { check(sub, path.child("oneOf").index(i), context: context, isRoot: false) }
        for (i, sub) in s.anyOf.enumerated() { check(sub, path.child("anyOf").index(i), context: context, isRoot: false) }
        if let items = s.items { check(items, path.child("items"), context: context, isRoot: false) }

        if s.xPreserveUnknownFields == false {
            errors.append(KubeFieldError.invalid(path.child("x-kubernetes-preserve-unknown-fields").description, .bool(false), "must be true or undefined"))
        }
        checkMapType(s, path)
        checkListType(s, path)
        checkValidationRules(s, path)
    }

    private mutating func typeMustBe(_ s: JSONSchemaProps, _ path: FieldPath, _ expected: String, because: String) {
        let field = path.child("type").description
        let detail = "must be \(expected) if \(because) is specified"
        if let t = s.type, !t.isEmpty {
            errors.append(KubeFieldError.invalid(field, .string(t), detail))
        } else {
            errors.append(KubeFieldError.required(field, detail))
        }
    }

    private mutating func checkMapType(_ s: JSONSchemaProps, _ path: FieldPath) {
        guard let mapType = s.xMapType else { return }
        if s.type != "object" { typeMustBe(s, path, "object", because: "x-kubernetes-map-type") }
        if mapType != "atomic" && mapType != "granular" {
            errors.append(KubeFieldError.notSupported(path.child("x-kubernetes-map-type").description, .string(mapType), ["atomic", "granular"]))
        }
    }

    private mutating func checkListType(_ s: JSONSchemaProps, _ path: FieldPath) {
        if let listType = s.xListType {
            if s.type != "array" {
                typeMustBe(s, path, "array", because: "x-kubernetes-list-type")
            } else if listType == "set", let items = s.items {
                if items.type == "array", let itemListType = items.xListType, itemListType != "atomic" {
                    errors.append(KubeFieldError.invalid(path.child("items").child("x-kubernetes-list-type").description, .string(itemListType), "must be atomic as item of a list with x-kubernetes-list-type=set"))
                } else if items.type == "object", items.xMapType != "atomic" {
                    // Upstream reports the item's list type here (usually unset, hence null).
                    errors.append(KubeFieldError.invalid(path.child("items").child("x-kubernetes-map-type").description, items.xListType.map(JSONValue.string) ?? .null, "must be atomic as item of a list with x-kubernetes-list-type=set"))
                }
            }
            if !["atomic", "set", "map"].contains(listType) {
                errors.append(KubeFieldError.notSupported(path.child("x-kubernetes-list-type").description, .string(listType), ["atomic", "set", "map"]))
            }
        }
        let keysRendered = "[]string{" + s.xListMapKeys.map(\.goQuoted).joined(separator: ", ") + "}"
        if !s.xListMapKeys.isEmpty {
            let field = path.child("x-kubernetes-list-type").description
            if let listType = s.xListType {
                if listType != "map" { errors.append(KubeFieldError.invalid(field, .string(listType), "must be map if x-kubernetes-list-map-keys is non-empty")) }
            } else {
                errors.append(KubeFieldError.required(field, "must be map if x-kubernetes-list-map-keys is non-empty"))
            }
        }
        if s.xListType == "map" {
            if s.xListMapKeys.isEmpty {
                errors.append(KubeFieldError.required(path.child("x-kubernetes-list-map-keys").description, "must not be empty if x-kubernetes-list-type is map"))
            }
            if let items = s.items {
                if items.type != "object" {
                    errors.append(KubeFieldError.invalid(path.child("items").child("type").description, .string(items.type ?? ""), "must be object if parent array's x-kubernetes-list-type is map"))
                } else {
                    var seen: Set<String> = []
                    let keysField = path.child("x-kubernetes-list-map-keys").description
                    for key in s.xListMapKeys {
                        if let prop = items.properties[key] {
                            if prop.type == "array" || prop.type == "object" {
                                errors.append(KubeFieldError.invalid(path.child("items").child("properties").key(key).child("type").description, .string(items.type ?? ""), "must be a scalar type if parent array's x-kubernetes-list-type is map"))
                            }
                        } else {
                            errors.append(FieldError(reason: FieldErrorReason.invalid, field: keysField, message: "Invalid value: \(keysRendered): entries must all be names of item properties"))
                        }
                        if seen.contains(key) {
                            errors.append(FieldError(reason: FieldErrorReason.invalid, field: keysField, message: "Invalid value: \(keysRendered): must not contain duplicate entries"))
                        }
                        seen.insert(key)
                    }
                }
            } else {
                errors.append(KubeFieldError.required(path.child("items").description, "must have a schema if x-kubernetes-list-type is map"))
            }
        }
        // validateMapListKeysMapSet
        if let listType = s.xListType, listType == "set" || listType == "map", let items = s.items {
            if items.nullable {
                forbid(path.child("items").child("nullable"), "cannot be nullable when x-kubernetes-list-type is \(listType)")
            }
            if listType == "map" {
                let required = Set(items.required)
                for key in s.xListMapKeys {
                    guard let prop = items.properties[key] else { continue }
                    let propPath = path.child("items").child("properties").key(key)
                    if !required.contains(key) && prop.defaultValue == nil {
                        errors.append(KubeFieldError.required(propPath.child("default").description, "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property"))
                    }
                    if prop.nullable {
                        forbid(propPath.child("nullable"), "this property is in x-kubernetes-list-map-keys, so it cannot be nullable")
                    }
                }
            }
        }
    }

    private static func hasNewlines(_ s: String) -> Bool { s.contains("\n") || s.contains("\r") }

    private mutating func checkValidationRules(_ s: JSONSchemaProps, _ path: FieldPath) {
        for (i, rule) in s.xValidations.enumerated() {
            let rulePath = path.child("x-kubernetes-validations").index(i)
            let trimmedRule = rule.rule.trimmingCharacters(in: .whitespacesAndNewlines)
            let message = rule.message ?? ""
            let trimmedMessage = message.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmedRule.isEmpty {
                errors.append(KubeFieldError.required(rulePath.child("rule").description, "rule is not specified"))
            } else if !message.isEmpty && trimmedMessage.isEmpty {
                errors.append(KubeFieldError.invalid(rulePath.child("message").description, .string(message), "must be non-empty if specified"))
            } else if Self.hasNewlines(trimmedMessage) {
                errors.append(KubeFieldError.invalid(rulePath.child("message").description, .string(message), "must not contain line breaks"))
            } else if Self.hasNewlines(trimmedRule) && trimmedMessage.isEmpty {
                errors.append(KubeFieldError.required(rulePath.child("message").description, "message must be specified if rule contains line breaks"))
            }
            if let expr = rule.messageExpression, !expr.isEmpty, expr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                errors.append(KubeFieldError.required(rulePath.child("messageExpression").description, "messageExpression must be non-empty if specified"))
            }
            if let reason = rule.reason, !Self.validationReasons.contains(reason) {
                errors.append(KubeFieldError.notSupported(rulePath.child("reason").description, .string(reason), Self.validationReasons))
            }
            if let fieldPath = rule.fieldPath {
                if !fieldPath.isEmpty && fieldPath.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    errors.append(KubeFieldError.invalid(rulePath.child("fieldPath").description, .string(fieldPath), "must be non-empty if specified"))
                }
                if Self.hasNewlines(fieldPath) {
                    errors.append(KubeFieldError.invalid(rulePath.child("fieldPath").description, .string(fieldPath), "must not contain line breaks"))
                }
            }
        }
    }
}
