//! `x-kubernetes-validations` with apiextensions-apiserver semantics: each
//! rule is compiled once per CRD version against the CEL type of its schema
//! node, then evaluated with `self` bound to every value the walk reaches
//! (each array item, each map value) and `oldSelf` to the correlated old value
//! on update. Failures become field errors with upstream wording; CRD creation
//! and update reject rules that do not compile.
import KubeCEL
import KubeCore
import KubeSchema

// MARK: - Compiled rules

/// One `x-kubernetes-validations` entry, compiled.
struct CompiledCELRule: Sendable {
    var rule: ValidationRule
    /// Nil for an empty rule (nothing to evaluate) or when compilation failed.
    var program: CELProgram?
    var messageProgram: CELProgram?
    /// `compilation failed: ...` or `cel expression must evaluate to a bool`.
    var error: String?
    /// `messageExpression compilation failed: ...` or `messageExpression must evaluate to a string`.
    var messageError: String?
    /// Whether the rule refers to `oldSelf` (a transition rule).
    var usesOldSelf: Bool
    /// `fieldPath` normalized to a field path relative to the node (`spec.x`, `m[key]`).
    var fieldPath: String?
    /// Why `fieldPath` is invalid for the node's schema.
    var fieldPathError: String?

    init(_ rule: ValidationRule, selfType: CELType, schema: JSONSchemaProps) {
        self.rule = rule
        usesOldSelf = false
        if let path = rule.fieldPath, !path.isEmpty {
            switch CELFieldPath.resolve(path, in: schema) {
            case .success(let normalized): fieldPath = normalized
            case .failure(let invalid): fieldPathError = invalid.reason
            }
        }
        guard !rule.rule.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return }
        let oldSelfType: CELType = rule.optionalOldSelf == true ? .optional(selfType) : selfType
        let env = CELEnvironment(variables: ["self": selfType, "oldSelf": oldSelfType])
        do {
            let program = try env.compile(rule.rule)
            if program.outputType != .bool {
                error = "cel expression must evaluate to a bool"
                return
            }
            self.program = program
            usesOldSelf = program.referencedVariables.contains("oldSelf")
        } catch {
            self.error = "compilation failed: \(error)"
            return
        }
        if let expression = rule.messageExpression, !expression.isEmpty {
            do {
                let program = try env.compile(expression)
                if program.outputType == .string {
                    messageProgram = program
                } else {
                    messageError = "messageExpression must evaluate to a string"
                }
            } catch {
                messageError = "messageExpression compilation failed: \(error)"
            }
        }
    }

    /// The rule as failure messages name it: the message when set, else the rule text.
    var errorString: String {
        let message = (rule.message ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return message.isEmpty ? rule.rule.trimmingCharacters(in: .whitespacesAndNewlines) : message
    }
}

/// The validators of one schema node, parallel to the schema (apiextensions' `cel.Validator`).
final class CELValidatorNode: Sendable {
    let schema: JSONSchemaProps
    let isResourceRoot: Bool
    let rules: [CompiledCELRule]
    /// Set when the node carries rules but has no CEL type.
    let typeError: String?
    let properties: [String: CELValidatorNode]
    let additionalProperties: CELValidatorNode?
    let items: CELValidatorNode?
    let allOf: [CELValidatorNode]

    private init(schema: JSONSchemaProps, isResourceRoot: Bool, rules: [CompiledCELRule], typeError: String?,
                 properties: [String: CELValidatorNode], additionalProperties: CELValidatorNode?, items: CELValidatorNode?,
                 allOf: [CELValidatorNode]) {
        self.schema = schema
        self.isResourceRoot = isResourceRoot
        self.rules = rules
        self.typeError = typeError
        self.properties = properties
        self.additionalProperties = additionalProperties
        self.items = items
        self.allOf = allOf
    }

    /// Builds the validator for `validation` (whose rules apply) over `node` (the
    /// structural schema the value follows); nil when there are no rules below.
    static func build(validation: JSONSchemaProps, node: JSONSchemaProps, isResourceRoot: Bool) -> CELValidatorNode? {
        guard hasRules(validation) else { return nil }
        var rules: [CompiledCELRule] = []
        var typeError: String?
        if !validation.xValidations.isEmpty {
            if let selfType = SchemaCELTypes.declType(node, isResourceRoot: isResourceRoot, name: "selfType") {
                rules = validation.xValidations.map { CompiledCELRule($0, selfType: selfType, schema: node) }
            } else {
                typeError = "rule declared on schema that does not support validation rules type: '\(node.type ?? "")' x-kubernetes-preserve-unknown-fields: '\(node.preservesUnknownFields)'"
            }
        }
        var properties: [String: CELValidatorNode] = [:]
        for (name, validationProperty) in validation.properties {
            guard hasRules(validationProperty), let nodeProperty = node.properties[name], SchemaCELTypes.hasType(nodeProperty) else { continue }
            properties[name] = build(validation: validationProperty, node: nodeProperty, isResourceRoot: nodeProperty.xEmbeddedResource)
        }
        var additional: CELValidatorNode?
        if let v = validation.additionalProperties?.schema, let n = node.additionalProperties?.schema {
            additional = build(validation: v, node: n, isResourceRoot: n.xEmbeddedResource)
        }
        var items: CELValidatorNode?
        if let v = validation.items, let n = node.items {
            items = build(validation: v, node: n, isResourceRoot: n.xEmbeddedResource)
        }
        let allOf = validation.allOf.compactMap { build(validation: $0, node: node, isResourceRoot: isResourceRoot) }
        return CELValidatorNode(schema: node, isResourceRoot: isResourceRoot, rules: rules, typeError: typeError,
                                properties: properties, additionalProperties: additional, items: items, allOf: allOf)
    }

    private static func hasRules(_ s: JSONSchemaProps) -> Bool {
        if !s.xValidations.isEmpty { return true }
        if let items = s.items, hasRules(items) { return true }
        if let ap = s.additionalProperties?.schema, hasRules(ap) { return true }
        if s.allOf.contains(where: hasRules) { return true }
        return s.properties.values.contains(where: hasRules)
    }
}

// MARK: - Rule sets

/// The compiled `x-kubernetes-validations` of one CRD version.
public struct CELRuleSet: Sendable {
    let root: CELValidatorNode

    /// Compiles every rule of `schema`; nil when the schema has no rules.
    public init?(schema: JSONSchemaProps) {
        guard let root = CELValidatorNode.build(validation: schema, node: schema, isResourceRoot: true) else { return nil }
        self.root = root
    }

    /// Evaluates the rules against a custom resource (`old` on update) and
    /// returns the failures as field errors with kube-apiserver's wording.
    public func validate(_ value: JSONValue, old: JSONValue?) -> [FieldError] {
        var errors: [FieldError] = []
        Self.validate(root, FieldPath(), value, old, &errors)
        return errors
    }

    /// The error the custom resource strategy adds instead of evaluating rules
    /// when schema validation already found a type, required, enum or size problem.
    static let notCheckedError = FieldError(
        reason: FieldErrorReason.invalid, field: "<nil>",
        message: "Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation")

    /// Whether schema errors keep the rules from running (upstream `hasBlockingErr`).
    static func hasBlockingError(_ errors: [FieldError]) -> Bool {
        let blocking: Set<String> = [FieldErrorReason.notSupported, FieldErrorReason.required, FieldErrorReason.tooLong,
                                     FieldErrorReason.tooMany, FieldErrorReason.typeInvalid]
        return errors.contains { blocking.contains($0.reason) }
    }

    private static func fieldName(_ path: FieldPath) -> FieldPath {
        path.description.isEmpty ? FieldPath("<nil>") : path
    }

    private static func validate(_ node: CELValidatorNode, _ path: FieldPath, _ value: JSONValue, _ old: JSONValue?,
                                 _ errors: inout [FieldError]) {
        if value.isNull { return }
        let old = old?.isNull == true ? nil : old
        evaluateRules(node, path, value, old, &errors)
        for allOf in node.allOf { validate(allOf, path, value, old, &errors) }
        switch value {
        case .array(let items):
            guard let itemNode = node.items else { return }
            let oldItems = old?.arrayValue ?? []
            let keys = node.schema.xListType == "map" ? node.schema.xListMapKeys : nil
            for (i, item) in items.enumerated() {
                var oldItem: JSONValue?
                if let keys {
                    let key = keys.map { item[$0] }
                    oldItem = oldItems.first { candidate in keys.map { candidate[$0] } == key }
                }
                validate(itemNode, path.index(i), item, oldItem, &errors)
            }
        case .object(let object):
            let correlatable = node.schema.xMapType == nil || node.schema.xMapType == "granular" || node.schema.xMapType == "atomic"
            let oldObject = correlatable ? old?.objectValue : nil
            if let valueNode = node.additionalProperties {
                for key in object.keys.sorted() {
                    validate(valueNode, path.key(key), object[key] ?? .null, oldObject?[key], &errors)
                }
            }
            for key in object.keys.sorted() {
                guard let propertyNode = node.properties[key] else { continue }
                validate(propertyNode, path.child(key), object[key] ?? .null, oldObject?[key], &errors)
            }
        default:
            break
        }
    }

    private static func evaluateRules(_ node: CELValidatorNode, _ path: FieldPath, _ value: JSONValue, _ old: JSONValue?,
                                      _ errors: inout [FieldError]) {
        let type = JSONValue.string(node.schema.type ?? "")
        let here = fieldName(path)
        if let typeError = node.typeError {
            errors.append(.invalid(here, type, "rule compiler initialization error: \(typeError)"))
            return
        }
        guard !node.rules.isEmpty else { return }
        let schema = node.isResourceRoot ? SchemaCELTypes.withTypeAndObjectMeta(node.schema) : node.schema
        let selfValue = SchemaCELValues.value(value, schema)
        let oldValue = old.map { SchemaCELValues.value($0, schema) }
        var bindings: [String: CELValue] = ["self": selfValue]
        if let oldValue { bindings["oldSelf"] = oldValue }
        for compiled in node.rules {
            if let error = compiled.error {
                errors.append(.invalid(here, type, "rule compile error: \(error)"))
                continue
            }
            guard let program = compiled.program else { continue }
            let optionalOldSelf = compiled.rule.optionalOldSelf == true
            if compiled.usesOldSelf && old == nil && !optionalOldSelf { continue }
            var ruleBindings = bindings
            if optionalOldSelf { ruleBindings["oldSelf"] = .optional(oldValue) }
            switch program.evaluate(ruleBindings) {
            case .failure(let error):
                if error.message.hasPrefix("no such overload") {
                    errors.append(.invalid(here, type, "'\(error)': call arguments did not match a supported operator, function or macro signature for rule: \(compiled.errorString)"))
                } else {
                    errors.append(.invalid(here, type, "\(error) evaluating rule: \(compiled.errorString)"))
                }
                continue
            case .success(.bool(true)):
                continue
            case .success:
                break
            }
            var target = path
            if let fieldPath = compiled.fieldPath, !fieldPath.isEmpty { target = path.child(fieldPath) }
            target = fieldName(target)
            let detail = message(compiled, ruleBindings) ?? ruleMessage(compiled.rule)
            switch compiled.rule.reason {
            case "FieldValueForbidden": errors.append(.forbidden(target, detail))
            case "FieldValueRequired": errors.append(.required(target, detail))
            case "FieldValueDuplicate": errors.append(.duplicate(target, type))
            default: errors.append(.invalid(target, type, detail))
            }
        }
    }

    /// The evaluated `messageExpression`, or nil to fall back to `message`.
    private static func message(_ compiled: CompiledCELRule, _ bindings: [String: CELValue]) -> String? {
        guard let program = compiled.messageProgram, case .success(.string(let text)) = program.evaluate(bindings) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 5 * 1024, !trimmed.contains("\n") else { return nil }
        return trimmed
    }

    private static func ruleMessage(_ rule: ValidationRule) -> String {
        let message = (rule.message ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if message.isEmpty { return "failed rule: \(rule.rule.trimmingCharacters(in: .whitespacesAndNewlines))" }
        return message
    }
}

// MARK: - CRD-time checks

extension CELRuleSet {
    /// The errors kube-apiserver reports when a CRD version's rules do not
    /// compile, name invalid field paths, or use `oldSelf` where old values
    /// cannot be correlated. `path` is `spec.versions[i].schema.openAPIV3Schema`.
    static func crdErrors(_ schema: JSONSchemaProps, path: FieldPath) -> [FieldError] {
        var fieldPathErrors: [FieldError] = []
        var celErrors: [FieldError] = []
        collect(schema, schema, path, isResourceRoot: true, uncorrelatable: nil, &fieldPathErrors, &celErrors)
        return fieldPathErrors.isEmpty ? celErrors : fieldPathErrors
    }

    private static func collect(_ validation: JSONSchemaProps, _ node: JSONSchemaProps, _ path: FieldPath, isResourceRoot: Bool,
                                uncorrelatable: FieldPath?, _ fieldPathErrors: inout [FieldError], _ celErrors: inout [FieldError]) {
        if !validation.xValidations.isEmpty {
            let rulesPath = path.child("x-kubernetes-validations")
            if let selfType = SchemaCELTypes.declType(node, isResourceRoot: isResourceRoot, name: "selfType") {
                for (i, rule) in validation.xValidations.enumerated() {
                    let compiled = CompiledCELRule(rule, selfType: selfType, schema: node)
                    let rulePath = rulesPath.index(i)
                    if let reason = compiled.fieldPathError, let fieldPath = rule.fieldPath {
                        fieldPathErrors.append(FieldError(
                            reason: FieldErrorReason.invalid, field: rulePath.child("fieldPath").description,
                            message: "Invalid value: \(fieldPath.goQuoted): fieldPath must be a valid path: \(reason)"))
                    }
                    if let error = compiled.error {
                        celErrors.append(FieldError(reason: FieldErrorReason.invalid, field: rulePath.child("rule").description,
                                                    message: "Invalid value: \(goStruct(rule)): \(error)"))
                    }
                    if let error = compiled.messageError {
                        celErrors.append(FieldError(reason: FieldErrorReason.invalid, field: rulePath.child("messageExpression").description,
                                                    message: "Invalid value: \(goStruct(rule)): \(error)"))
                    }
                    if compiled.usesOldSelf, let uncorrelatable {
                        celErrors.append(FieldError(
                            reason: FieldErrorReason.invalid, field: rulePath.child("rule").description,
                            message: "Invalid value: \(rule.rule.goQuoted): oldSelf cannot be used on the uncorrelatable portion of the schema within \(uncorrelatable)"))
                    }
                }
            } else {
                celErrors.append(FieldError(
                    reason: "InternalError", field: rulesPath.description,
                    message: "Internal error: rule declared on schema that does not support validation rules type: '\(node.type ?? "")' x-kubernetes-preserve-unknown-fields: '\(node.preservesUnknownFields)'"))
            }
        }
        for name in validation.properties.keys.sorted() {
            guard let v = validation.properties[name] else { continue }
            let n = node.properties[name] ?? v
            collect(v, n, path.child("properties").key(name), isResourceRoot: n.xEmbeddedResource, uncorrelatable: uncorrelatable,
                    &fieldPathErrors, &celErrors)
        }
        if let v = validation.additionalProperties?.schema {
            let n = node.additionalProperties?.schema ?? v
            collect(v, n, path.child("additionalProperties"), isResourceRoot: n.xEmbeddedResource, uncorrelatable: uncorrelatable,
                    &fieldPathErrors, &celErrors)
        }
        if let v = validation.items {
            let n = node.items ?? v
            let itemsPath = path.child("items")
            let stillCorrelatable = uncorrelatable == nil && node.xListType == "map"
            collect(v, n, itemsPath, isResourceRoot: n.xEmbeddedResource, uncorrelatable: stillCorrelatable ? nil : (uncorrelatable ?? itemsPath),
                    &fieldPathErrors, &celErrors)
        }
        for (i, v) in validation.allOf.enumerated() {
            collect(v, node, path.child("allOf").index(i), isResourceRoot: isResourceRoot, uncorrelatable: uncorrelatable,
                    &fieldPathErrors, &celErrors)
        }
    }

    /// Go's `%#v` of the internal `apiextensions.ValidationRule`, as the CRD
    /// validation error prints the offending rule. Set pointers print a fixed
    /// placeholder address (Go prints the real one).
    static func goStruct(_ rule: ValidationRule) -> String {
        let reason = rule.reason == nil ? "(*apiextensions.FieldValueErrorReason)(nil)" : "(*apiextensions.FieldValueErrorReason)(0xc000000000)"
        let optional = rule.optionalOldSelf == nil ? "(*bool)(nil)" : "(*bool)(0xc000000008)"
        return "apiextensions.ValidationRule{Rule:\(rule.rule.goQuoted), Message:\((rule.message ?? "").goQuoted), "
            + "MessageExpression:\((rule.messageExpression ?? "").goQuoted), Reason:\(reason), "
            + "FieldPath:\((rule.fieldPath ?? "").goQuoted), OptionalOldSelf:\(optional)}"
    }

}

// MARK: - fieldPath

/// `cel.ValidFieldPath`: a rule's `fieldPath` (`.spec.x`, `.m['key']`) must
/// name a field of the node's schema; returns the normalized field path.
enum CELFieldPath {
    /// Why a `fieldPath` does not name a field (upstream's error text).
    struct Invalid: Error, Hashable, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    static func resolve(_ jsonPath: String, in schema: JSONSchemaProps) -> Result<String, Invalid> {
        var tokens: [String] = []
        var scalars = Array(jsonPath.unicodeScalars)[...]
        while let c = scalars.first {
            if c == "'" {
                // A single-quoted string runs to the next unescaped quote.
                var token = String.UnicodeScalarView([c])
                scalars = scalars.dropFirst()
                var previous: Unicode.Scalar = c
                var closed = false
                while let d = scalars.popFirst() {
                    token.append(d)
                    if d == "'" && previous != "\\" {
                        closed = true
                        break
                    }
                    previous = d
                }
                tokens.append(String(token))
                if !closed { break }
            } else if c == "." || c == "[" || c == "]" {
                tokens.append(String(c))
                scalars = scalars.dropFirst()
            } else {
                var token = String.UnicodeScalarView()
                while let d = scalars.first, d != ".", d != "[", d != "]" {
                    token.append(d)
                    scalars = scalars.dropFirst()
                }
                tokens.append(String(token))
            }
        }
        var current: JSONSchemaProps? = schema
        var path = FieldPath()
        var i = 0
        func next() -> String? {
            guard i < tokens.count else { return nil }
            defer { i += 1 }
            return tokens[i]
        }
        func append(_ name: String) -> String? {
            guard let s = current else { return "does not refer to a valid field" }
            if !s.properties.isEmpty {
                guard let property = s.properties[name] else { return "does not refer to a valid field" }
                path = path.child(name)
                current = property
            } else if s.additionalProperties != nil {
                path = path.key(name)
                current = s.additionalProperties?.schema
            } else {
                return "does not refer to a valid field"
            }
            return nil
        }
        while let token = next() {
            switch token {
            case "[":
                guard let quoted = next() else { return .failure(Invalid(reason: "unexpected end of JSON path")) }
                guard quoted.count >= 2, quoted.hasPrefix("'"), quoted.hasSuffix("'") else {
                    return .failure(Invalid(reason: "expected single quoted string but got \(quoted)"))
                }
                let body = String(quoted.dropFirst().dropLast())
                guard let name = unescape(body) else { return .failure(Invalid(reason: "invalid string literal: invalid escape char")) }
                if let error = append(name) { return .failure(Invalid(reason: error)) }
                guard let close = next() else { return .failure(Invalid(reason: "unexpected end of JSON path")) }
                guard close == "]" else { return .failure(Invalid(reason: "expected ] but got \(close)")) }
            case ".":
                guard let name = next() else { return .failure(Invalid(reason: "unexpected end of JSON path")) }
                if let error = append(name) { return .failure(Invalid(reason: error)) }
            default:
                return .failure(Invalid(reason: "expected [ or . but got: \(token)"))
            }
        }
        return .success(path.description)
    }

    private static func unescape(_ s: String) -> String? {
        var out = String.UnicodeScalarView()
        var scalars = s.unicodeScalars[...]
        while let c = scalars.popFirst() {
            guard c == "\\" else {
                out.append(c)
                continue
            }
            guard let d = scalars.popFirst() else { return nil }
            switch d {
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "'": out.append("'")
            case "\\": out.append("\\")
            default: return nil
            }
        }
        return String(out)
    }
}
