//! How a structural schema looks to CEL, as apiextensions-apiserver maps it:
//! the declared type of each node (`SchemaDeclType`: objects with escaped
//! field names, maps, lists, int-or-string as `dyn`, `byte`/`duration`/`date`
//! /`date-time` string formats), the `apiVersion`/`kind`/`metadata.name`
//! /`metadata.generateName` fields every resource root exposes, property-name
//! escaping, and the conversion of JSON values to CEL values by their schema.
import Foundation
import KubeCEL
import KubeCore
import KubeSchema

/// Property-name escaping (`k8s.io/apiserver/pkg/cel` `Escape`): `foo-bar` is
/// `self.foo__dash__bar`, `namespace` is `self.__namespace__`.
enum CELNames {
    static let reserved: Set<String> = [
        "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if", "import",
        "let", "loop", "package", "namespace", "return", "var", "void", "while",
    ]

    /// The CEL identifier of a property name, or nil when it cannot be expressed.
    static func escape(_ name: String) -> String? {
        guard let first = name.unicodeScalars.first, !(first >= "0" && first <= "9") else { return nil }
        if reserved.contains(name) { return "__\(name)__" }
        var out = ""
        var scalars = name.unicodeScalars[...]
        while let c = scalars.popFirst() {
            switch c {
            case "_" where scalars.first == "_":
                scalars = scalars.dropFirst()
                out += "__underscores__"
            case ".": out += "__dot__"
            case "-": out += "__dash__"
            case "/": out += "__slash__"
            case "_", "a"..."z", "A"..."Z", "0"..."9": out.unicodeScalars.append(c)
            default: return nil
            }
        }
        return out
    }
}

enum SchemaCELTypes {
    /// Whether `declType` gives the schema a type (without building it).
    static func hasType(_ s: JSONSchemaProps) -> Bool {
        if s.xIntOrString { return true }
        switch s.type {
        case "array": return s.items.map(hasType) ?? false
        case "object": return s.additionalProperties?.schema.map(hasType) ?? true
        case "string", "boolean", "number", "integer": return true
        default: return false
        }
    }

    /// The CEL type of values of `s` (nil when rules cannot address them).
    /// Object types are named `name`, `name.field`, `name.@idx`, `name.@elem`.
    static func declType(_ s: JSONSchemaProps, isResourceRoot: Bool, name: String) -> CELType? {
        if s.xIntOrString { return .dyn }
        let s = isResourceRoot ? withTypeAndObjectMeta(s) : s
        switch s.type {
        case "array":
            guard let items = s.items, let element = declType(items, isResourceRoot: items.xEmbeddedResource, name: name + ".@idx") else {
                return nil
            }
            return .list(element)
        case "object":
            if let valueSchema = s.additionalProperties?.schema {
                guard let value = declType(valueSchema, isResourceRoot: valueSchema.xEmbeddedResource, name: name + ".@elem") else {
                    return nil
                }
                return .map(key: .string, value: value)
            }
            var fields: [String: CELType] = [:]
            for (property, schema) in s.properties {
                guard let escaped = CELNames.escape(property),
                      let t = declType(schema, isResourceRoot: schema.xEmbeddedResource, name: name + "." + escaped) else { continue }
                fields[escaped] = t
            }
            return .object(CELObjectType(name: name, fields: fields))
        case "string":
            switch s.format {
            case "byte": return .bytes
            case "duration": return .duration
            case "date", "date-time": return .timestamp
            default: return .string
            }
        case "boolean": return .bool
        case "number": return .double
        case "integer": return .int
        default: return nil
        }
    }

    /// The schema of a resource root as rules see it: `apiVersion`, `kind` and a
    /// `metadata` with only `name` and `generateName` (`WithTypeAndObjectMeta`).
    static func withTypeAndObjectMeta(_ s: JSONSchemaProps) -> JSONSchemaProps {
        let string = JSONSchemaProps(type: "string")
        if s.properties["kind"]?.type == "string", s.properties["apiVersion"]?.type == "string",
           let meta = s.properties["metadata"], meta.type == "object",
           meta.properties["name"]?.type == "string", meta.properties["generateName"]?.type == "string" {
            return s
        }
        var copy = s
        copy.properties["kind"] = string
        copy.properties["apiVersion"] = string
        copy.properties["metadata"] = JSONSchemaProps(type: "object", properties: ["name": string, "generateName": string])
        return copy
    }
}

enum SchemaCELValues {
    /// Converts `json` to the CEL value rules see for schema `s`: object fields
    /// under escaped names, lists carrying their list type, numbers as the
    /// schema's numeric type, formatted strings as bytes/durations/timestamps
    /// (an unparsable one is an error value, surfacing only if a rule reads it).
    static func value(_ json: JSONValue, _ s: JSONSchemaProps?) -> CELValue {
        guard let s else { return CELValue(json: json) }
        if json.isNull { return .null }
        if s.xIntOrString {
            switch json {
            case .int(let i): return .int(i)
            case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return .int(Int64(d))
            default: return CELValue(json: json)
            }
        }
        switch (s.type, json) {
        case ("array", .array(let items)):
            let kind: CELList.Kind
            switch s.xListType {
            case "set": kind = .set
            case "map": kind = .map(keys: s.xListMapKeys.compactMap(CELNames.escape))
            default: kind = .atomic
            }
            return .list(CELList(items.map { value($0, s.items) }, kind: kind))
        case ("object", .object(let object)):
            if let valueSchema = s.additionalProperties?.schema {
                return .map(CELMap(object.mapValues { value($0, valueSchema) }))
            }
            let schema = s.xEmbeddedResource ? SchemaCELTypes.withTypeAndObjectMeta(s) : s
            var fields: [String: CELValue] = [:]
            for (key, v) in object {
                guard let escaped = CELNames.escape(key) else { continue }
                fields[escaped] = value(v, schema.properties[key])
            }
            return .map(CELMap(fields))
        case ("string", .string(let text)):
            return formatted(text, s.format)
        case ("number", .int(let i)): return .double(Double(i))
        case ("number", .double(let d)): return .double(d)
        case ("integer", .double(let d)) where d.rounded() == d && abs(d) < 9.2e18: return .int(Int64(d))
        default: return CELValue(json: json)
        }
    }

    private static func formatted(_ text: String, _ format: String?) -> CELValue {
        switch format {
        case "byte":
            guard let data = Data(base64Encoded: text) else {
                return .error(CELError("Invalid byte formatted string \(text): illegal base64 data"))
            }
            return .bytes(Array(data))
        case "duration":
            switch CELDuration.parse(text) {
            case .success(let d): return .duration(d)
            case .failure(let e): return .error(CELError("Invalid duration \(text): \(e)"))
            }
        case "date":
            switch CELTimestamp.parse(text + "T00:00:00Z") {
            case .success(let t) where text.utf8.count == 10: return .timestamp(t)
            default: return .error(CELError("Invalid date formatted string \(text)"))
            }
        case "date-time":
            switch CELTimestamp.parse(text) {
            case .success(let t): return .timestamp(t)
            case .failure(let e): return .error(CELError("Invalid date-time formatted string \(text): \(e)"))
            }
        default:
            return .string(text)
        }
    }
}
