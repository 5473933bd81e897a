//! Decoding `JSONSchemaProps` from the JSON of a CRD's `openAPIV3Schema`.
//!
//! Unknown keywords are ignored (they stay in `raw`); keywords with the wrong
//! JSON type throw `SchemaDecodingError`, as decoding the CRD would fail in
//! kube-apiserver.
import KubeCore

extension JSONSchemaProps {
    /// Decodes a schema node. `null` decodes to the empty schema.
    /// - Throws: `SchemaDecodingError` naming the keyword path.
    public init(json: JSONValue) throws {
        try self.init(json: json, path: "")
    }

    init(json: JSONValue, path: String) throws {
        self.init()
        raw = json
        if json.isNull { return }
        guard case .object(let o) = json else {
            throw SchemaDecodingError(path: path, message: "must be an object, got \(json.typeName)")
        }
        let r = Reader(object: o, path: path)

        type = try r.string("type")
        format = try r.string("format")
        description = try r.string("description")
        title = try r.string("title")
        if let props = try r.object("properties") {
            var decoded: [String: JSONSchemaProps] = [:]
            for (k, v) in props {
                decoded[k] = try JSONSchemaProps(json: v, path: r.join("properties[\(k)]"))
            }
            properties = decoded
        }
        if let ap = o["additionalProperties"], !ap.isNull {
            if case .bool(let b) = ap {
                additionalProperties = .allows(b)
            } else {
                additionalProperties = .schema(try JSONSchemaProps(json: ap, path: r.join("additionalProperties")))
            }
        }
        if let it = o["items"], !it.isNull {
            if case .array(let list) = it {
                // JSONSchemaPropsOrArray; CRD validation forbids it. Keep the first for lookups.
                if let first = list.first { items = try JSONSchemaProps(json: first, path: r.join("items[0]")) }
            } else {
                items = try JSONSchemaProps(json: it, path: r.join("items"))
            }
        }
        required = try r.strings("required") ?? []
        if let e = o["enum"], !e.isNull {
            guard case .array(let values) = e else { throw r.typeError("enum", "array") }
            enumValues = values
        }
        if let d = o["default"], !d.isNull { defaultValue = d }
        if let x = o["example"], !x.isNull { example = x }
        nullable = try r.bool("nullable") ?? false
        minimum = try r.number("minimum")
        maximum = try r.number("maximum")
        exclusiveMinimum = try r.bool("exclusiveMinimum") ?? false
        exclusiveMaximum = try r.bool("exclusiveMaximum") ?? false
        multipleOf = try r.number("multipleOf")
        minLength = try r.integer("minLength")
        maxLength = try r.integer("maxLength")
        pattern = try r.string("pattern")
        minItems = try r.integer("minItems")
        maxItems = try r.integer("maxItems")
        uniqueItems = try r.bool("uniqueItems") ?? false
        minProperties = try r.integer("minProperties")
        maxProperties = try r.integer("maxProperties")
        allOf = try r.schemas("allOf")
        anyOf = try r.schemas("anyOf")
        oneOf = try r.schemas("oneOf")
        if let n = o["not"], !n.isNull { not = try JSONSchemaProps(json: n, path: r.join("not")) }

        xPreserveUnknownFields = try r.bool("x-kubernetes-preserve-unknown-fields")
        xIntOrString = try r.bool("x-kubernetes-int-or-string") ?? false
        xEmbeddedResource = try r.bool("x-kubernetes-embedded-resource") ?? false
        xListType = try r.string("x-kubernetes-list-type")
        xListMapKeys = try r.strings("x-kubernetes-list-map-keys") ?? []
        xMapType = try r.string("x-kubernetes-map-type")
        if let rules = o["x-kubernetes-validations"], !rules.isNull {
            guard case .array(let list) = rules else { throw r.typeError("x-kubernetes-validations", "array") }
            xValidations = try list.enumerated().map { i, v in
                try ValidationRule(json: v, path: r.join("x-kubernetes-validations[\(i)]"))
            }
        }
    }
}

extension ValidationRule {
    init(json: JSONValue, path: String) throws {
        guard case .object(let o) = json else {
            throw SchemaDecodingError(path: path, message: "must be an object, got \(json.typeName)")
        }
        let r = JSONSchemaProps.Reader(object: o, path: path)
        self.init(
            rule: try r.string("rule") ?? "",
            message: try r.string("message"),
            messageExpression: try r.string("messageExpression"),
            reason: try r.string("reason"),
            fieldPath: try r.string("fieldPath"),
            optionalOldSelf: try r.bool("optionalOldSelf"))
    }
}

extension JSONSchemaProps {
    /// Typed keyword access with error paths; `null` counts as absent.
    struct Reader {
        let object: JSONObject
        let path: String

        func join(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

        func typeError(_ key: String, _ expected: String) -> SchemaDecodingError {
            let got = object[key]?.typeName ?? "nothing"
            return SchemaDecodingError(path: join(key), message: "must be of type \(expected), got \(got)")
        }

        private func value(_ key: String) -> JSONValue? {
            guard let v = object[key], !v.isNull else { return nil }
            return v
        }

        func string(_ key: String) throws -> String? {
            guard let v = value(key) else { return nil }
            guard case .string(let s) = v else { throw typeError(key, "string") }
            return s
        }

        func bool(_ key: String) throws -> Bool? {
            guard let v = value(key) else { return nil }
            guard case .bool(let b) = v else { throw typeError(key, "boolean") }
            return b
        }

        func number(_ key: String) throws -> Double? {
            guard let v = value(key) else { return nil }
            guard let d = v.doubleValue else { throw typeError(key, "number") }
            return d
        }

        func integer(_ key: String) throws -> Int64? {
            guard let v = value(key) else { return nil }
            guard let i = v.intValue else { throw typeError(key, "integer") }
            return i
        }

        func strings(_ key: String) throws -> [String]? {
            guard let v = value(key) else { return nil }
            guard case .array(let list) = v else { throw typeError(key, "array") }
            return try list.map { item in
                guard case .string(let s) = item else { throw typeError(key, "array of strings") }
                return s
            }
        }

        func object(_ key: String) throws -> JSONObject? {
            guard let v = value(key) else { return nil }
            guard case .object(let o) = v else { throw typeError(key, "object") }
            return o
        }

        func schemas(_ key: String) throws -> [JSONSchemaProps] {
            guard let v = value(key) else { return [] }
            guard case .array(let list) = v else { throw typeError(key, "array") }
            return try list.enumerated().map { i, item in
                try JSONSchemaProps(json: item, path: join("\(key)[\(i)]"))
            }
        }
    }
}
