//! The merge schema: how strategic merge patch and server-side apply see each
//! position of an object — structs and maps (granular or atomic), lists
//! (atomic, sets, or maps keyed by fields) with their strategic-merge keys,
//! and untyped values. Built-in kinds get it from `BuiltinSchemas`, custom
//! resources from their CRD schema, read one level at a time as an object is
//! walked (`SchemaNode.init(customResource:)`). Pure.
import KubeCore
import KubeSchema

/// The schema of one position in an object.
public indirect enum SchemaNode: Sendable, Hashable {
    /// A scalar, or an atomic struct, map or list: replaced and owned as a whole.
    case leaf
    /// A struct and/or map.
    case object(ObjectSchema)
    /// A list that is not atomic (or whose strategic-merge strategy matters).
    case list(ListSchema)
    /// A built-in field without recorded metadata: objects are structs of open
    /// fields, lists are atomic, everything else a leaf.
    case open
    /// An untyped value (`x-kubernetes-preserve-unknown-fields`): objects are
    /// maps whose entries are owned individually, lists are atomic.
    case deduced
    /// A node of a CRD's structural schema, converted when it is reached.
    case structural(JSONSchemaProps)

    /// This node with a structural schema converted one level down.
    var resolved: SchemaNode {
        if case .structural(let schema) = self { return SchemaNode(level: schema) }
        return self
    }

    /// What the schema says about one value: a leaf, an object or a granular list.
    enum Shape {
        case leaf
        case object(ObjectSchema)
        case list(ListSchema)
    }

    /// Resolves the schema against a value's JSON type (upstream `deduceAtom`);
    /// a value of another type than the schema expects is treated as a leaf.
    func shape(of value: JSONValue?) -> Shape {
        let isObject = value.map { $0.objectValue != nil || $0.isNull } ?? true
        let isArray = value.map { $0.arrayValue != nil || $0.isNull } ?? true
        switch resolved {
        case .leaf:
            return .leaf
        case .object(let object):
            return object.atomic || !isObject ? .leaf : .object(object)
        case .list(let list):
            if case .atomic = list.kind { return .leaf }
            return isArray ? .list(list) : .leaf
        case .open:
            guard let value, value.objectValue != nil else { return .leaf }
            return .object(ObjectSchema(fields: [:], others: .fields(.open)))
        case .deduced, .structural:
            guard let value, value.objectValue != nil else { return .leaf }
            return .object(ObjectSchema(fields: [:], others: .entries(.deduced)))
        }
    }

    /// The schema below `element`, and whether that element is a declared
    /// struct field (as opposed to a map entry or a list item).
    func child(_ element: PathElement) -> (schema: SchemaNode, declared: Bool) {
        switch (resolved, element) {
        case (.object(let object), .field(let name)): return object.child(name)
        case (.open, .field): return (.open, true)
        case (.list(let list), .key), (.list(let list), .value), (.list(let list), .index): return (list.element, false)
        default: return (.deduced, false)
        }
    }

    /// The list metadata at `field` of this object schema, for strategic merge patch.
    func listField(_ name: String) -> ListSchema? {
        guard case .list(let list) = child(.field(name)).schema.resolved else { return nil }
        return list
    }
}

/// A struct or map: declared fields, and how other keys are treated.
public struct ObjectSchema: Sendable, Hashable {
    /// How keys that are not declared fields are treated.
    public enum Others: Sendable, Hashable {
        /// As struct fields of this schema (built-in kinds: every field is declared upstream).
        case fields(SchemaNode)
        /// As map entries of this schema (`additionalProperties`, labels, data).
        case entries(SchemaNode)
        /// Not allowed (a structural CRD schema without additional properties).
        case rejected
    }

    /// The declared fields, how other keys are treated, and whether the whole object is atomic.
    public var fields: [String: SchemaNode]
    public var others: Others
    /// `+structType=atomic` / `+mapType=atomic` / `x-kubernetes-map-type: atomic`.
    public var atomic: Bool

    /// A granular struct whose undeclared keys are open fields, unless told otherwise.
    public init(fields: [String: SchemaNode] = [:], others: Others = .fields(.open), atomic: Bool = false) {
        self.fields = fields
        self.others = others
        self.atomic = atomic
    }

    func child(_ name: String) -> (schema: SchemaNode, declared: Bool) {
        if let field = fields[name] { return (field, true) }
        switch others {
        case .fields(let schema): return (schema, true)
        case .entries(let schema): return (schema, false)
        case .rejected: return (.deduced, true)
        }
    }
}

/// A list: its server-side apply list type and its strategic-merge strategy.
public struct ListSchema: Sendable, Hashable {
    /// The server-side apply list type.
    public enum Kind: Sendable, Hashable {
        /// Replaced and owned as a whole.
        case atomic
        /// Scalars owned one by one (`v:`).
        case set
        /// Objects keyed by these fields (`k:`).
        case map([String])
    }

    /// The list type and the schema of its items.
    public var kind: Kind
    public var element: SchemaNode
    /// Defaults of key fields an item may omit (`protocol: TCP` for ports).
    public var keyDefaults: [String: JSONValue]
    /// Strategic merge patch: `patchStrategy: merge` (otherwise lists are replaced).
    public var mergeStrategy: Bool
    /// Strategic merge patch: `patchMergeKey` (nil for lists of scalars).
    public var mergeKey: String?

    /// A list; replaced by strategic merge patch unless `mergeStrategy`.
    public init(kind: Kind, element: SchemaNode = .open, keyDefaults: [String: JSONValue] = [:],
                mergeStrategy: Bool = false, mergeKey: String? = nil) {
        self.kind = kind
        self.element = element
        self.keyDefaults = keyDefaults
        self.mergeStrategy = mergeStrategy
        self.mergeKey = mergeKey
    }
}

// MARK: - From a CRD schema

extension SchemaNode {
    /// The merge schema of a custom resource version: its structural schema,
    /// with `metadata` as ObjectMeta; nil schema means untyped.
    public init(customResource schema: JSONSchemaProps?) {
        guard let schema else {
            self = .object(ObjectSchema(fields: BuiltinSchemas.rootFields, others: .entries(.deduced)))
            return
        }
        var root = ObjectSchema(fields: [:], others: .rejected)
        if case .object(let object) = SchemaNode(level: schema) { root = object }
        for (name, node) in BuiltinSchemas.rootFields { root.fields[name] = node }
        root.atomic = false
        self = .object(root)
    }

    /// The merge schema of a custom resource from its `openAPIV3Schema` JSON.
    public init(customResourceSchema json: JSONValue) throws {
        self.init(customResource: try JSONSchemaProps(json: json))
    }

    /// The merge schema of one structural schema node; nested schemas are
    /// converted as they are reached.
    public init(schema: JSONSchemaProps) {
        self = .structural(schema)
    }

    /// One level of a structural schema node, its children left structural.
    init(level schema: JSONSchemaProps) {
        if schema.xIntOrString {
            self = .leaf
            return
        }
        switch schema.type {
        case "object":
            self = Self.objectNode(schema)
        case "array":
            let element = schema.items.map(SchemaNode.structural) ?? .deduced
            switch schema.xListType {
            case "map":
                var defaults: [String: JSONValue] = [:]
                for key in schema.xListMapKeys {
                    if let value = schema.items?.properties[key]?.defaultValue { defaults[key] = value }
                }
                self = .list(ListSchema(kind: .map(schema.xListMapKeys), element: element, keyDefaults: defaults))
            case "set":
                self = .list(ListSchema(kind: .set, element: element))
            default:
                self = .list(ListSchema(kind: .atomic, element: element))
            }
        case nil:
            self = schema.properties.isEmpty && schema.additionalProperties == nil ? .deduced : Self.objectNode(schema)
        default:
            self = .leaf
        }
    }

    private static func objectNode(_ schema: JSONSchemaProps) -> SchemaNode {
        if schema.xMapType == "atomic" { return .leaf }
        var fields: [String: SchemaNode] = [:]
        for (name, property) in schema.properties { fields[name] = .structural(property) }
        let others: ObjectSchema.Others
        if let values = schema.additionalProperties?.schema {
            others = .entries(.structural(values))
        } else if schema.preservesUnknownFields || schema.additionalProperties?.allowsAny == true {
            others = .entries(.deduced)
        } else {
            others = .rejected
        }
        if schema.xEmbeddedResource {
            for (name, node) in BuiltinSchemas.rootFields { fields[name] = node }
        }
        return .object(ObjectSchema(fields: fields, others: others))
    }
}
