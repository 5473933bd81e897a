//! The schema DSL: a `Schema` value is one node of a CRD's structural OpenAPI
//! v3 schema (type, description, bounds, enums, patterns, list and map
//! semantics, CEL rules) and renders to the `JSONValue` a CRD carries. Each
//! API type states its own schema through `SchemaDescribed`, so a field's
//! schema and description sit next to its type's extension.
import KubeCore

/// A type that knows its OpenAPI v3 schema.
public protocol SchemaDescribed {
    static var schema: Schema { get }
}

/// One `x-kubernetes-validations` entry.
public struct CELValidation: Sendable, Hashable {
    /// The field error a failing rule produces (`reason`); unset means `FieldValueInvalid`.
    public enum Reason: String, Sendable, Hashable {
        case invalid = "FieldValueInvalid"
        case forbidden = "FieldValueForbidden"
        case required = "FieldValueRequired"
        case duplicate = "FieldValueDuplicate"
    }

    public var rule: String
    public var message: String
    /// A JSON path relative to the node (`.workspace`) the error is reported at.
    public var fieldPath: String?
    public var reason: Reason?

    public init(rule: String, message: String, fieldPath: String? = nil, reason: Reason? = nil) {
        self.rule = rule
        self.message = message
        self.fieldPath = fieldPath
        self.reason = reason
    }

    var json: JSONValue {
        var object: JSONObject = ["rule": .string(rule), "message": .string(message)]
        if let fieldPath { object["fieldPath"] = .string(fieldPath) }
        if let reason { object["reason"] = .string(reason.rawValue) }
        return .object(object)
    }
}

/// One node of a structural schema. Built with the static constructors and
/// refined with the modifiers, each of which returns a changed copy.
public struct Schema: Sendable, Hashable {
    public enum DataType: String, Sendable, Hashable {
        case object, array, string, integer, number, boolean
    }

    /// `x-kubernetes-list-type`.
    public enum ListType: String, Sendable, Hashable {
        case atomic, set, map
    }

    public var type: DataType?
    public var description: String
    public var format: String?
    public var enumValues: [String]?
    public var minimum: Int64?
    public var maximum: Int64?
    public var minLength: Int64?
    public var maxLength: Int64?
    public var pattern: String?
    public var minItems: Int64?
    public var maxItems: Int64?
    public var maxProperties: Int64?
    public var properties: [String: Schema] = [:]
    public var required: [String] = []
    public var preserveUnknownFields = false
    public var listType: ListType?
    public var listMapKeys: [String] = []
    public var validations: [CELValidation] = []
    // Recursive children live in arrays (at most one element each).
    private var itemsStorage: [Schema] = []
    private var additionalPropertiesStorage: [Schema] = []

    public init(type: DataType?, description: String) {
        self.type = type
        self.description = description
    }

    /// The schema of array items.
    public var items: Schema? {
        get { itemsStorage.first }
        set { itemsStorage = newValue.map { [$0] } ?? [] }
    }

    /// The schema of map values.
    public var additionalProperties: Schema? {
        get { additionalPropertiesStorage.first }
        set { additionalPropertiesStorage = newValue.map { [$0] } ?? [] }
    }

    // MARK: Constructors

    public static func string(_ description: String) -> Schema { Schema(type: .string, description: description) }

    public static func boolean(_ description: String) -> Schema { Schema(type: .boolean, description: description) }

    /// An integer; `format` is `int32` (the default) or `int64`.
    public static func integer(_ description: String, format: String = "int32") -> Schema {
        var schema = Schema(type: .integer, description: description)
        schema.format = format
        return schema
    }

    /// An object with the given properties; `required` names the ones that must be set.
    public static func object(_ description: String, required: [String] = [], _ properties: [String: Schema]) -> Schema {
        var schema = Schema(type: .object, description: description)
        schema.properties = properties
        schema.required = required
        return schema
    }

    /// An object whose fields are kept as written (`x-kubernetes-preserve-unknown-fields`).
    public static func freeform(_ description: String) -> Schema {
        var schema = Schema(type: .object, description: description)
        schema.preserveUnknownFields = true
        return schema
    }

    /// A list of `items`; `x-kubernetes-list-type: atomic` unless refined with `listMap(keys:)`.
    public static func array(_ description: String, of items: Schema) -> Schema {
        var schema = Schema(type: .array, description: description)
        schema.items = items
        schema.listType = .atomic
        return schema
    }

    /// A map from strings to `values`.
    public static func map(_ description: String, of values: Schema) -> Schema {
        var schema = Schema(type: .object, description: description)
        schema.additionalProperties = values
        return schema
    }

    // MARK: Modifiers

    private func with(_ change: (inout Schema) -> Void) -> Schema {
        var copy = self
        change(&copy)
        return copy
    }

    /// The same schema with another description (a field's own words for a shared type).
    public func described(_ description: String) -> Schema { with { $0.description = description } }

    public func format(_ format: String) -> Schema { with { $0.format = format } }

    public func oneOf(_ values: [String]) -> Schema { with { $0.enumValues = values } }

    /// The raw values of every case, in declaration order.
    public func oneOf<E: CaseIterable & RawRepresentable>(_ type: E.Type) -> Schema where E.RawValue == String {
        oneOf(E.allCases.map(\.rawValue))
    }

    public func minimum(_ value: Int64) -> Schema { with { $0.minimum = value } }

    public func range(_ bounds: ClosedRange<Int64>) -> Schema {
        with {
            $0.minimum = bounds.lowerBound
            $0.maximum = bounds.upperBound
        }
    }

    public func minLength(_ value: Int64) -> Schema { with { $0.minLength = value } }

    public func maxLength(_ value: Int64) -> Schema { with { $0.maxLength = value } }

    /// A Go (RE2) regular expression the string must match; keep to syntax ICU reads the same way.
    public func pattern(_ value: String) -> Schema { with { $0.pattern = value } }

    public func minItems(_ value: Int64) -> Schema { with { $0.minItems = value } }

    public func maxItems(_ value: Int64) -> Schema { with { $0.maxItems = value } }

    public func maxProperties(_ value: Int64) -> Schema { with { $0.maxProperties = value } }

    /// `x-kubernetes-list-type: map` keyed by `keys` (each must be required in the items).
    public func listMap(keys: [String]) -> Schema {
        with {
            $0.listType = .map
            $0.listMapKeys = keys
        }
    }

    /// Adds an `x-kubernetes-validations` rule.
    public func rule(_ rule: String, message: String, fieldPath: String? = nil, reason: CELValidation.Reason? = nil) -> Schema {
        with { $0.validations.append(CELValidation(rule: rule, message: message, fieldPath: fieldPath, reason: reason)) }
    }

    /// Adds or replaces a property.
    public func property(_ name: String, _ schema: Schema) -> Schema { with { $0.properties[name] = schema } }

    // MARK: Rendering

    /// The OpenAPI v3 schema, as `openAPIV3Schema` or one of its properties.
    public var json: JSONValue {
        var object: JSONObject = [:]
        if let type { object["type"] = .string(type.rawValue) }
        if !description.isEmpty { object["description"] = .string(description) }
        if let format { object["format"] = .string(format) }
        if let enumValues { object["enum"] = .array(enumValues.map(JSONValue.string)) }
        if let minimum { object["minimum"] = .int(minimum) }
        if let maximum { object["maximum"] = .int(maximum) }
        if let minLength { object["minLength"] = .int(minLength) }
        if let maxLength { object["maxLength"] = .int(maxLength) }
        if let pattern { object["pattern"] = .string(pattern) }
        if let minItems { object["minItems"] = .int(minItems) }
        if let maxItems { object["maxItems"] = .int(maxItems) }
        if let maxProperties { object["maxProperties"] = .int(maxProperties) }
        if !properties.isEmpty { object["properties"] = .object(properties.mapValues(\.json)) }
        if !required.isEmpty { object["required"] = .array(required.sorted().map(JSONValue.string)) }
        if let items { object["items"] = items.json }
        if let additionalProperties { object["additionalProperties"] = additionalProperties.json }
        if preserveUnknownFields { object["x-kubernetes-preserve-unknown-fields"] = true }
        if let listType { object["x-kubernetes-list-type"] = .string(listType.rawValue) }
        if !listMapKeys.isEmpty { object["x-kubernetes-list-map-keys"] = .array(listMapKeys.map(JSONValue.string)) }
        if !validations.isEmpty { object["x-kubernetes-validations"] = .array(validations.map(\.json)) }
        return .object(object)
    }
}
