//! How custom resources are admitted: unknown fields pruned (reported per
//! `fieldValidation`), defaults applied, then the structural schema checked
//! and the `x-kubernetes-validations` CEL rules evaluated — the order
//! apiextensions-apiserver uses. Also the validation of CRDs themselves,
//! including the compilation of their CEL rules.
import KubeCore
import KubeSchema

enum CustomResourceStrategy {
    static func admit(_ object: inout KubeObject, old: KubeObject?, _ type: ResourceType, version: String,
                      request: ResourceRequest, warnings: inout [String]) throws {
        guard let schema = type.version(version)?.schema else { return }
        var value = object.value
        let unknown = prune(&value, schema: schema, isResourceRoot: true)
        if !unknown.isEmpty {
            let messages = unknown.map { "unknown field \"\($0)\"" }
            switch request.query["fieldValidation"] ?? "Warn" {
            case "Strict":
                throw APIError.badRequest("strict decoding error: " + messages.joined(separator: ", "))
            case "Ignore":
                break
            default:
                warnings += messages
            }
        }
        applyDefaults(&value, schema: schema)
        guard let pruned = KubeObject(value) else { return }
        object = pruned
        var errors = validate(value, against: schemaWithoutMetadata(schema), path: FieldPath())
        errors.removeAll { $0.field == "metadata" || $0.field.hasPrefix("metadata.") }
        if let rules = type.version(version)?.celRules {
            // Rules only run on objects of the shape they were written for.
            if CELRuleSet.hasBlockingError(errors) {
                errors.append(CELRuleSet.notCheckedError)
            } else {
                errors += rules.validate(value, old: old?.value)
            }
        }
        if !errors.isEmpty {
            throw APIError.invalid(type.groupKind, name: object.name, errors: errors)
        }
    }

    /// `metadata` is validated as ObjectMeta, not by the CRD schema.
    private static func schemaWithoutMetadata(_ schema: JSONSchemaProps) -> JSONSchemaProps {
        var copy = schema
        copy.properties["metadata"] = nil
        copy.required.removeAll { $0 == "metadata" }
        return copy
    }
}

/// Validation of CustomResourceDefinition objects themselves.
enum CRDValidation {
    static func validate(_ crd: KubeObject, old: KubeObject? = nil) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = crd.spec ?? [:]
        let group = spec["group"]?.stringValue ?? ""
        let plural = spec[path: ["names", "plural"]]?.stringValue ?? ""
        if group.isEmpty {
            errors.append(.required(FieldPath("spec.group")))
        } else if !group.contains(".") {
            errors.append(.invalid(FieldPath("spec.group"), .string(group), "should be a domain with at least one dot"))
        }
        if plural.isEmpty { errors.append(.required(FieldPath("spec.names.plural"))) }
        if (spec[path: ["names", "kind"]]?.stringValue ?? "").isEmpty { errors.append(.required(FieldPath("spec.names.kind"))) }
        if !plural.isEmpty, !group.isEmpty, crd.name != "\(plural).\(group)" {
            errors.append(.invalid(FieldPath("metadata.name"), .string(crd.name), "must be spec.names.plural+\".\"+spec.group"))
        }
        let scope = spec["scope"]?.stringValue ?? ""
        if !["Namespaced", "Cluster"].contains(scope) {
            errors.append(.notSupported(FieldPath("spec.scope"), .string(scope), ["Cluster", "Namespaced"]))
        }
        let versions = spec["versions"]?.arrayValue ?? []
        if versions.isEmpty { errors.append(.invalid(FieldPath("spec.versions"), nil, "must have exactly one version marked as storage version")) }
        if versions.filter({ $0["storage"]?.boolValue == true }).count != 1, !versions.isEmpty {
            errors.append(.invalid(FieldPath("spec.versions"), nil, "must have exactly one version marked as storage version"))
        }
        for (i, version) in versions.enumerated() {
            let path = FieldPath("spec.versions").index(i)
            guard let raw = version[path: ["schema", "openAPIV3Schema"]] else {
                errors.append(.required(path.child("schema.openAPIV3Schema"), "schemas are required"))
                continue
            }
            do {
                let schema = try JSONSchemaProps(json: raw)
                let schemaPath = path.child("schema.openAPIV3Schema")
                let schemaErrors = validateCRDSchema(schema, path: schemaPath,
                                                     statusSubresource: version[path: ["subresources", "status"]] != nil)
                errors += schemaErrors
                // Rules are compiled only against a valid structural schema, as upstream.
                if schemaErrors.isEmpty { errors += CELRuleSet.crdErrors(schema, path: schemaPath) }
            } catch {
                errors.append(.invalid(path.child("schema.openAPIV3Schema"), nil, "\(error)"))
            }
            for (j, column) in (version["additionalPrinterColumns"]?.arrayValue ?? []).enumerated() {
                let jsonPath = column["jsonPath"]?.stringValue ?? ""
                if (try? JSONPath(jsonPath)) == nil {
                    errors.append(.invalid(path.child("additionalPrinterColumns").index(j).child("jsonPath"), .string(jsonPath), "must be a simple json path"))
                }
            }
        }
        if let old, old.spec?["scope"] != crd.spec?["scope"] {
            errors.append(.invalid(FieldPath("spec.scope"), crd.spec?["scope"], "field is immutable"))
        }
        return errors
    }
}
