//! Value validation against a schema with kube-openapi's semantics and wording
//! (`k8s.io/kube-openapi/pkg/validation/validate`), converted to field errors
//! the way apiextensions-apiserver converts them (`kubeOpenAPIResultToFieldErrors`).
//!
//! Faithful details worth knowing:
//! - every validator runs (a type error does not stop `enum`, `required`, ...);
//! - messages name the field relative to the validated value (`spec.replicas in body ...`)
//!   while the error's field is that name appended to the caller's root path;
//! - array items are `name[i]`, map values (`additionalProperties`) are `name.key`;
//! - numeric `format`s (int32, float, ...) are not range-checked (kubernetes#136091);
//! - unsupported formats are ignored; `null` never satisfies an `enum`.
import Foundation
import KubeCore

/// The kube-openapi half of custom resource validation.
struct OpenAPIValidator {
    /// The field path the caller validates at (`nil` in Go when empty).
    let root: FieldPath

    struct Outcome {
        var errors: [FieldError] = []
        /// kube-openapi's `MatchCount`: how many checks applied; picks the
        /// "best" failing alternative of `anyOf`/`oneOf`.
        var matchCount = 0
        var isValid: Bool { errors.isEmpty }

        mutating func merge(_ other: Outcome) {
            errors += other.errors
            matchCount += other.matchCount
        }

        mutating func add(_ error: FieldError) { errors.append(error) }
    }

    // MARK: Error construction (kube-openapi error → field.Error)

    /// The error's field: the kube-openapi name below the root.
    private func field(_ name: String) -> String {
        var trimmed = Substring(name)
        if trimmed.hasPrefix(".") { trimmed = trimmed.dropFirst() }
        if name.isEmpty || name == "." {
            return rootField
        }
        return root.child(String(trimmed)).description
    }

    /// Go renders a nil `*field.Path` as `<nil>`.
    private var rootField: String { root.description.isEmpty ? "<nil>" : root.description }

    private func body(_ name: String) -> String { "\(name) in body" }

    private func invalid(_ name: String, _ value: JSONValue?, _ message: String) -> FieldError {
        KubeFieldError.invalid(field(name), value ?? .string(""), message)
    }

    private func typeInvalid(_ name: String, typeName: String, actual: String) -> FieldError {
        KubeFieldError.typeInvalid(field(name), .string(actual), "\(body(name)) must be of type \(typeName): \(actual.goQuoted)")
    }

    /// Errors kube-openapi creates with `errors.New` (not `*Validation`): reported at the root.
    private func composite(_ message: String) -> FieldError {
        KubeFieldError.invalid(rootField, .string(""), message)
    }

    // MARK: Schema validator

    func validate(_ data: JSONValue, _ s: JSONSchemaProps, _ name: String) -> Outcome {
        var result = Outcome()
        let types = Self.types(of: s)
        let format = StringFormats.effectiveFormat(s.format, types: types)
        let typeApplies = !types.isEmpty || format != nil

        if data.isNull {
            if typeApplies { result.merge(validateType(data, types: types, nullable: s.nullable, format: format, name)) }
            result.merge(validateEnum(data, s, name))
            return result
        }

        if typeApplies {
            result.merge(validateType(data, types: types, nullable: s.nullable, format: format, name))
            result.matchCount += 1
        }
        result.merge(validateJunctors(data, s, name))
        result.matchCount += 1
        if case .string(let str) = data {
            result.merge(validateString(str, s, name))
            result.matchCount += 1
            if let format, StringFormats.supported.contains(StringFormats.normalized(format)) {
                if !StringFormats.validates(format, str) {
                    result.add(KubeFieldError.typeInvalid(field(name), data, "\(body(name)) must be of type \(format): \(str.goQuoted)"))
                }
                result.matchCount += 1
            }
        }
        switch data {
        case .int, .double:
            result.merge(validateNumber(data, s, name))
            result.matchCount += 1
        case .array(let items):
            result.merge(validateArray(items, s, name))
            result.matchCount += 1
        default:
            break
        }
        result.merge(validateEnum(data, s, name))
        result.matchCount += 1
        if case .object(let object) = data {
            result.merge(validateObject(object, s, name))
            result.matchCount += 1
        }
        result.matchCount += 1
        return result
    }

    /// The OpenAPI `type` list kube-openapi sees: int-or-string becomes `[integer, string]`.
    static func types(of s: JSONSchemaProps) -> [String] {
        if s.xIntOrString { return ["integer", "string"] }
        if let t = s.type, !t.isEmpty { return [t] }
        return []
    }

    // MARK: type

    private func validateType(_ data: JSONValue, types: [String], nullable: Bool, format: String?, _ name: String) -> Outcome {
        var result = Outcome(matchCount: 1)
        if data.isNull {
            if !types.isEmpty && !types.contains("null") && !nullable {
                result.add(typeInvalid(name, typeName: types.joined(separator: ","), actual: "null"))
            }
            return result
        }
        let (schType, dataFormat): (String, String) = switch data {
        case .bool: ("boolean", "")
        case .string: ("string", "")
        case .int: ("integer", "int64")
        case .double: ("number", "float64")
        case .array: ("array", "")
        case .object: ("object", "")
        case .null: ("", "")
        }
        let isFloatInt: Bool = {
            guard case .double(let d) = data, types.contains("integer") else { return false }
            return d.rounded() == d && abs(d) <= 9_007_199_254_740_991
        }()
        let isIntFloat = schType == "integer" && types.contains("number")
        let isStringOrSlice: Bool = switch data {
        case .string, .array: true
        default: false
        }
        if let format, !isStringOrSlice, !(types.contains(schType) || dataFormat == format || isFloatInt || isIntFloat) {
            result.add(typeInvalid(name, typeName: format, actual: dataFormat))
            return result
        }
        if format != nil, !(types.contains("number") || types.contains("integer")), isStringOrSlice {
            return result
        }
        if !(types.contains(schType) || isFloatInt || isIntFloat) {
            result.add(typeInvalid(name, typeName: types.joined(separator: ","), actual: schType))
        }
        return result
    }

    // MARK: allOf / anyOf / oneOf / not

    private func validateJunctors(_ data: JSONValue, _ s: JSONSchemaProps, _ name: String) -> Outcome {
        var main = Outcome()
        if !s.anyOf.isEmpty {
            var best: Outcome?
            var firstSuccess: Outcome?
            for sub in s.anyOf {
                let r = validate(data, sub, name)
                if r.isValid {
                    best = nil
                    firstSuccess = r
                    break
                }
                if best == nil || r.matchCount > (best?.matchCount ?? 0) { best = r }
            }
            if firstSuccess == nil {
                main.add(composite("\(name.goQuoted) must validate at least one schema (anyOf)"))
            }
            if let best { main.merge(best) } else if let firstSuccess { main.merge(firstSuccess) }
        }
        if !s.oneOf.isEmpty {
            var best: Outcome?
            var firstSuccess: Outcome?
            var validated = 0
            for sub in s.oneOf {
                let r = validate(data, sub, name)
                if r.isValid {
                    validated += 1
                    best = nil
                    if firstSuccess == nil { firstSuccess = r }
                    continue
                }
                if validated == 0 && (best == nil || r.matchCount > (best?.matchCount ?? 0)) { best = r }
            }
            if validated != 1 {
                let detail = validated == 0 ? "Found none valid" : "Found \(validated) valid alternatives"
                main.add(composite("\(name.goQuoted) must validate one and only one schema (oneOf). \(detail)"))
                if let best { main.merge(best) }
            } else if let firstSuccess {
                main.merge(firstSuccess)
            }
        }
        if !s.allOf.isEmpty {
            var validated = 0
            for sub in s.allOf {
                let r = validate(data, sub, name)
                if r.isValid { validated += 1 }
                main.merge(r)
            }
            if validated != s.allOf.count {
                let detail = validated == 0 ? ". None validated" : ""
                main.add(composite("\(name.goQuoted) must validate all the schemas (allOf)\(detail)"))
            }
        }
        if let not = s.not, validate(data, not, name).isValid {
            main.add(composite("\(name.goQuoted) must not validate the schema (not)"))
        }
        main.matchCount += 1
        return main
    }

    // MARK: string

    private func validateString(_ str: String, _ s: JSONSchemaProps, _ name: String) -> Outcome {
        var result = Outcome()
        let length = Int64(str.unicodeScalars.count)
        if let max = s.maxLength, length > max {
            result.add(KubeFieldError.tooLong(field(name), max: max))
            return result
        }
        if let min = s.minLength, length < min {
            result.add(invalid(name, .string(str), "\(body(name)) should be at least \(min) chars long"))
            return result
        }
        if let pattern = s.pattern, !pattern.isEmpty {
            guard let re = try? NSRegularExpression(pattern: pattern) else {
                result.add(invalid(name, .string(str), "\(body(name)) should match '\(pattern), but pattern is invalid: error parsing regexp'"))
                return result
            }
            if re.firstMatch(in: str, range: NSRange(str.startIndex..., in: str)) == nil {
                result.add(invalid(name, .string(str), "\(body(name)) should match '\(pattern)'"))
            }
        }
        return result
    }

    // MARK: number

    /// Go's saturating-enough `int64(float64)` for bounds taken from a schema.
    private static func int64(_ d: Double) -> Int64 {
        if d >= 9.2e18 { return Int64.max }
        if d <= -9.2e18 { return Int64.min }
        return Int64(d.rounded(.towardZero))
    }

    private func validateNumber(_ data: JSONValue, _ s: JSONSchemaProps, _ name: String) -> Outcome {
        var result = Outcome(matchCount: 1)
        if let factor = s.multipleOf {
            switch data {
            case .int(let i):
                let f = Self.int64(factor)
                if f < 0 {
                    result.add(invalid(name, .int(f), "factor MultipleOf declared for \(name) must be positive: \(f)"))
                } else if f != 0, i % f != 0 {
                    result.add(invalid(name, data, "\(body(name)) should be a multiple of \(f)"))
                }
            case .double(let d):
                if factor < 0 {
                    result.add(invalid(name, .double(factor), "factor MultipleOf declared for \(name) must be positive: \(GoFormat.float(factor))"))
                } else if factor > 0 {
                    let mult = factor < 1 ? 1 / factor * d : d / factor
                    if !(mult.isFinite && mult.rounded() == mult) {
                        result.add(invalid(name, data, "\(body(name)) should be a multiple of \(GoFormat.float(factor))"))
                    }
                }
            default: break
            }
        }
        if let min = s.minimum {
            let excl = s.exclusiveMinimum
            let word = excl ? "greater than" : "greater than or equal to"
            switch data {
            case .int(let i):
                let m = Self.int64(min)
                if (!excl && i < m) || (excl && i <= m) {
                    result.add(invalid(name, data, "\(body(name)) should be \(word) \(m)"))
                }
            case .double(let d):
                if (!excl && d < min) || (excl && d <= min) {
                    result.add(invalid(name, data, "\(body(name)) should be \(word) \(GoFormat.float(min))"))
                }
            default: break
            }
        }
        if let max = s.maximum {
            let excl = s.exclusiveMaximum
            let word = excl ? "less than" : "less than or equal to"
            switch data {
            case .int(let i):
                let m = Self.int64(max)
                if (!excl && i > m) || (excl && i >= m) {
                    result.add(invalid(name, data, "\(body(name)) should be \(word) \(m)"))
                }
            case .double(let d):
                if (!excl && d > max) || (excl && d >= max) {
                    result.add(invalid(name, data, "\(body(name)) should be \(word) \(GoFormat.float(max))"))
                }
            default: break
            }
        }
        return result
    }

    // MARK: array

    private func validateArray(_ items: [JSONValue], _ s: JSONSchemaProps, _ name: String) -> Outcome {
        var result = Outcome(matchCount: 1)
        if let itemSchema = s.items {
            for (i, item) in items.enumerated() {
                result.merge(validate(item, itemSchema, "\(name)[\(i)]"))
            }
        }
        let size = Int64(items.count)
        if let min = s.minItems, size < min {
            result.add(invalid(name, .int(size), "\(body(name)) should have at least \(min) items"))
        }
        if let max = s.maxItems, size > max {
            result.add(KubeFieldError.tooMany(field(name), actual: size, max: max))
        }
        if s.uniqueItems, Set(items).count != items.count {
            result.add(invalid(name, nil, "\(body(name)) shouldn't contain duplicates"))
        }
        return result
    }

    // MARK: enum

    private func validateEnum(_ data: JSONValue, _ s: JSONSchemaProps, _ name: String) -> Outcome {
        guard let values = s.enumValues, !values.isEmpty else { return Outcome() }
        if !data.isNull, values.contains(where: { Self.enumMatches(data, $0) }) { return Outcome() }
        let supported = values.map { v -> String in
            if case .string(let str) = v { return str }
            return GoFormat.json(v)
        }
        return Outcome(errors: [KubeFieldError.notSupported(field(name), data, supported)])
    }

    /// `reflect.DeepEqual` after Go's numeric conversion of the value to the enum entry's type.
    private static func enumMatches(_ data: JSONValue, _ entry: JSONValue) -> Bool {
        switch (data, entry) {
        case (.double(let d), .int(let e)): return d.isFinite && int64(d) == e
        case (.int(let i), .double(let e)): return Double(i) == e
        default: return data == entry
        }
    }

    // MARK: object

    private func validateObject(_ object: JSONObject, _ s: JSONSchemaProps, _ name: String) -> Outcome {
        let count = Int64(object.count)
        if let min = s.minProperties, count < min {
            return Outcome(errors: [invalid(name, .int(count), "\(body(name)) should have at least \(min) properties")])
        }
        if let max = s.maxProperties, count > max {
            return Outcome(errors: [KubeFieldError.tooMany(field(name), actual: count, max: max)])
        }
        var result = Outcome()
        let keys = object.keys.sorted()
        switch s.additionalProperties {
        case .allows(false):
            for key in keys where s.properties[key] == nil {
                result.add(invalid(name, .string(key), "\(name).\(key) in body is a forbidden property"))
            }
        case .schema(let valueSchema):
            for key in keys where s.properties[key] == nil {
                result.merge(validate(object[key] ?? .null, valueSchema, "\(name).\(key)"))
            }
        default:
            break
        }
        for key in s.properties.keys.sorted() {
            guard let value = object[key], let propSchema = s.properties[key] else { continue }
            let childName = name.isEmpty ? key : "\(name).\(key)"
            result.merge(validate(value, propSchema, childName))
        }
        for key in s.required where object[key] == nil {
            result.add(KubeFieldError.required(field("\(name).\(key)")))
        }
        return result
    }
}
