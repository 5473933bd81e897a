//! The declarative schema the protobuf decoder is driven by: for each message,
//! field number → JSON name, value kind and cardinality. The tables themselves
//! (`ProtobufSchemaSet.kubernetes`) live in `KubernetesSchemas*.swift`.

/// What a single protobuf value decodes to.
public indirect enum ProtobufValueKind: Sendable, Hashable {
    /// A UTF-8 string (`string`).
    case string
    /// A boolean (`bool`, a varint).
    case bool
    /// A 32-bit integer (`int32`, a sign-extended varint) as a JSON integer.
    case int32
    /// A 64-bit integer (`int64`, a varint) as a JSON integer.
    case int64
    /// Raw bytes (`bytes`) as a base64 JSON string, as Go's encoding/json writes `[]byte`.
    case bytes
    /// An embedded message, named as in `ProtobufSchemaSet`.
    case message(String)
    /// `meta/v1.Time` {1: seconds, 2: nanos} as RFC 3339 with whole seconds; an empty message is `null`.
    case time
    /// `meta/v1.MicroTime` as RFC 3339 with six fractional digits; an empty message is `null`.
    case microTime
    /// `resource.Quantity` {1: string} as its string; an empty message is `"0"`.
    case quantity
    /// `intstr.IntOrString` {1: type, 2: intVal, 3: strVal} as a JSON integer or string.
    case intOrString
    /// `meta/v1.FieldsV1` {1: raw JSON} as the JSON it carries.
    case fieldsV1

    /// The message named by `.message`, nil for every other kind.
    public var messageName: String? {
        if case .message(let name) = self { name } else { nil }
    }
}

/// How many values a field holds and when it appears in the JSON.
public enum ProtobufCardinality: Sendable, Hashable {
    /// One value, written to JSON whenever it is on the wire. This is the rule for
    /// Go pointer fields, fields without `omitempty`, and struct-valued fields
    /// (Go's encoder always writes structs).
    case single
    /// One value of a Go value type tagged `omitempty`: Kubernetes' generated
    /// marshallers always put it on the wire, so its zero value ("", 0, false)
    /// means "unset" and is left out of the JSON, as Go's JSON encoder does.
    case omitEmpty
    /// A repeated field (packed or not); left out of the JSON when empty.
    case repeated
    /// A `map<string, V>`: repeated entries {1: key, 2: value}; left out of the JSON when empty.
    case map
    /// A Go struct embedded with `json:",inline"`: its fields are merged into the
    /// enclosing JSON object. The kind must be `.message`.
    case inline
}

/// One field of a message.
public struct ProtobufFieldSchema: Sendable, Hashable {
    public let number: Int
    /// The JSON property name (unused for `.inline` fields).
    public let jsonName: String
    public let kind: ProtobufValueKind
    public let cardinality: ProtobufCardinality

    public init(number: Int, jsonName: String, kind: ProtobufValueKind, cardinality: ProtobufCardinality) {
        self.number = number
        self.jsonName = jsonName
        self.kind = kind
        self.cardinality = cardinality
    }

    /// A field written whenever it is on the wire (pointers, required fields, structs).
    public static func field(_ number: Int, _ jsonName: String, _ kind: ProtobufValueKind) -> Self {
        Self(number: number, jsonName: jsonName, kind: kind, cardinality: .single)
    }

    /// A Go value-type field tagged `omitempty`: its zero value is left out.
    public static func omitEmpty(_ number: Int, _ jsonName: String, _ kind: ProtobufValueKind) -> Self {
        Self(number: number, jsonName: jsonName, kind: kind, cardinality: .omitEmpty)
    }

    /// A repeated field.
    public static func list(_ number: Int, _ jsonName: String, _ kind: ProtobufValueKind) -> Self {
        Self(number: number, jsonName: jsonName, kind: kind, cardinality: .repeated)
    }

    /// A `map<string, V>` field.
    public static func map(_ number: Int, _ jsonName: String, _ value: ProtobufValueKind) -> Self {
        Self(number: number, jsonName: jsonName, kind: value, cardinality: .map)
    }

    /// An embedded message whose fields are inlined into the enclosing JSON object.
    public static func inline(_ number: Int, _ message: String) -> Self {
        Self(number: number, jsonName: "", kind: .message(message), cardinality: .inline)
    }
}

/// One message type: its name and fields.
public struct ProtobufMessageSchema: Sendable {
    /// The message's name as used in `ProtobufValueKind.message`, e.g. `core/v1.ConfigMap`.
    public let name: String
    /// The fields in declaration order.
    public let fields: [ProtobufFieldSchema]
    /// The fields by number (the first declaration wins; `ProtobufSchemaSet.problems` reports duplicates).
    public let fieldsByNumber: [Int: ProtobufFieldSchema]

    public init(_ name: String, _ fields: [ProtobufFieldSchema]) {
        self.name = name
        self.fields = fields
        self.fieldsByNumber = Dictionary(fields.map { ($0.number, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// A closed set of message schemas plus the top-level kinds they serve.
public struct ProtobufSchemaSet: Sendable {
    /// A kind the set can decode, keyed by the envelope's `apiVersion` and `kind`.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        public let apiVersion: String
        public let kind: String

        public init(apiVersion: String, kind: String) {
            self.apiVersion = apiVersion
            self.kind = kind
        }

        public var description: String { "\(apiVersion), Kind=\(kind)" }
    }

    public let messages: [String: ProtobufMessageSchema]
    /// Top-level kinds → the message that encodes them.
    public let kinds: [Kind: String]
    /// Kinds accepted under any `apiVersion` (client-go sends `DeleteOptions` in the
    /// client's own group version) → their message.
    public let kindsInAnyVersion: [String: String]

    public init(messages: [ProtobufMessageSchema], kinds: [Kind: String], kindsInAnyVersion: [String: String] = [:]) {
        self.messages = Dictionary(messages.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.kinds = kinds
        self.kindsInAnyVersion = kindsInAnyVersion
        self.declaredMessageNames = messages.map(\.name)
    }

    private let declaredMessageNames: [String]

    /// The message for an envelope's `apiVersion` and `kind`, if the set covers it.
    public func message(apiVersion: String, kind: String) -> String? {
        kinds[Kind(apiVersion: apiVersion, kind: kind)] ?? kindsInAnyVersion[kind]
    }

    /// Inconsistencies in the tables: duplicate message names or field numbers,
    /// references to undeclared messages, inline fields that are not messages, and
    /// `omitEmpty` on kinds without a scalar zero value. Empty for a sound set.
    public var problems: [String] {
        var problems: [String] = []
        var seen: Set<String> = []
        for name in declaredMessageNames where !seen.insert(name).inserted {
            problems.append("message \(name) is declared twice")
        }
        for message in messages.values.sorted(by: { $0.name < $1.name }) {
            var numbers: Set<Int> = []
            var names: Set<String> = []
            for field in message.fields {
                if !numbers.insert(field.number).inserted {
                    problems.append("\(message.name): field number \(field.number) is declared twice")
                }
                if field.cardinality != .inline, !names.insert(field.jsonName).inserted {
                    problems.append("\(message.name): JSON name \(field.jsonName) is declared twice")
                }
                if let target = field.kind.messageName, messages[target] == nil {
                    problems.append("\(message.name).\(field.jsonName): unknown message \(target)")
                }
                if field.cardinality == .inline, field.kind.messageName == nil {
                    problems.append("\(message.name): inline field \(field.number) is not a message")
                }
                if field.cardinality == .omitEmpty, ![.string, .bool, .int32, .int64].contains(field.kind) {
                    problems.append("\(message.name).\(field.jsonName): omitEmpty needs a string, bool or integer")
                }
            }
        }
        for (kind, message) in kinds where messages[message] == nil {
            problems.append("kind \(kind) names unknown message \(message)")
        }
        for (kind, message) in kindsInAnyVersion where messages[message] == nil {
            problems.append("kind \(kind) names unknown message \(message)")
        }
        return problems
    }
}
