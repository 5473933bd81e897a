//! JSONSchemaProps: the OpenAPI v3 schema of a CustomResourceDefinition version
//! (`spec.versions[i].schema.openAPIV3Schema`), decoded from its JSON, with the
//! Kubernetes vendor extensions, plus lookup helpers for the rest of the server.
import KubeCore

/// One `x-kubernetes-validations` entry. Only stored here; a CEL evaluator walks
/// them with `JSONSchemaProps.visitSchemas` / `visitValues`.
public struct ValidationRule: Sendable, Hashable {
    public var rule: String
    public var message: String?
    public var messageExpression: String?
    /// `FieldValueInvalid` (the default when nil), `FieldValueForbidden`, `FieldValueRequired`, `FieldValueDuplicate`.
    public var reason: String?
    public var fieldPath: String?
    public var optionalOldSelf: Bool?

    public init(rule: String, message: String? = nil, messageExpression: String? = nil, reason: String? = nil, fieldPath: String? = nil, optionalOldSelf: Bool? = nil) {
        self.rule = rule
        self.message = message
        self.messageExpression = messageExpression
        self.reason = reason
        self.fieldPath = fieldPath
        self.optionalOldSelf = optionalOldSelf
    }
}

/// `additionalProperties`: either a boolean or a schema for every map value.
public enum AdditionalProperties: Sendable, Hashable {
    case allows(Bool)
    indirect case schema(JSONSchemaProps)

    /// The value schema, if one is given.
    public var schema: JSONSchemaProps? {
        if case .schema(let s) = self { return s }
        return nil
    }

    /// False only for `additionalProperties: false`.
    public var allowsAny: Bool {
        if case .allows(let b) = self { return b }
        return true
    }
}

/// A schema node failed to decode (wrong JSON type for a keyword).
public struct SchemaDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Path of the offending keyword, e.g. `properties[spec].maxLength`.
    public var path: String
    public var message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// The OpenAPI v3 schema dialect of apiextensions.k8s.io (`JSONSchemaProps`).
///
/// A value type; nested schemas are stored by value. `raw` keeps the JSON the
/// schema was decoded from (for OpenAPI publishing); it is not updated when
/// properties are mutated.
public struct JSONSchemaProps: Sendable, Hashable {
    /// One of `object`, `array`, `string`, `integer`, `number`, `boolean` (nil when unset).
    public var type: String?
    public var format: String?
    public var description: String?
    public var title: String?
    /// Keyword `properties`; empty when unset.
    public var properties: [String: JSONSchemaProps] = [:]
    public var additionalProperties: AdditionalProperties?
    /// Keyword `required`; empty when unset.
    public var required: [String] = []
    /// Keyword `enum`; nil when unset.
    public var enumValues: [JSONValue]?
    /// Keyword `default`; nil when unset (`default: null` also counts as unset).
    public var defaultValue: JSONValue?
    public var nullable: Bool = false
    public var minimum: Double?
    public var maximum: Double?
    public var exclusiveMinimum: Bool = false
    public var exclusiveMaximum: Bool = false
    public var multipleOf: Double?
    public var minLength: Int64?
    public var maxLength: Int64?
    public var pattern: String?
    public var minItems: Int64?
    public var maxItems: Int64?
    public var uniqueItems: Bool = false
    public var minProperties: Int64?
    public var maxProperties: Int64?
    public var allOf: [JSONSchemaProps] = []
    public var anyOf: [JSONSchemaProps] = []
    public var oneOf: [JSONSchemaProps] = []
    public var example: JSONValue?
    /// `x-kubernetes-preserve-unknown-fields`; nil when unset (explicit `false` is a CRD validation error).
    public var xPreserveUnknownFields: Bool?
    public var xIntOrString: Bool = false
    public var xEmbeddedResource: Bool = false
    /// `atomic`, `set` or `map`; nil means atomic.
    public var xListType: String?
    public var xListMapKeys: [String] = []
    /// `granular` or `atomic`; nil means granular.
    public var xMapType: String?
    public var xValidations: [ValidationRule] = []
    /// The JSON this schema was decoded from.
    public var raw: JSONValue = .object([:])

    private var itemsBox: Box?
    private var notBox: Box?

    private indirect enum Box: Sendable, Hashable {
        case value(JSONSchemaProps)
        var unboxed: JSONSchemaProps {
            switch self { case .value(let s): return s }
        }
    }

    /// Keyword `items` (the single-schema form; the array form is rejected by CRD validation).
    public var items: JSONSchemaProps? {
        get { itemsBox?.unboxed }
        set { itemsBox = newValue.map(Box.value) }
    }

    /// Keyword `not`.
    public var not: JSONSchemaProps? {
        get { notBox?.unboxed }
        set { notBox = newValue.map(Box.value) }
    }

    /// An empty schema (accepts anything).
    public init() {}

    /// Convenience for tests and built-in schemas.
    public init(type: String?, properties: [String: JSONSchemaProps] = [:], required: [String] = []) {
        self.type = type
        self.properties = properties
        self.required = required
    }

    /// `x-kubernetes-preserve-unknown-fields: true`.
    public var preservesUnknownFields: Bool { xPreserveUnknownFields == true }
}
