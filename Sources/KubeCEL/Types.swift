//! CEL types as the checker sees them: primitives, `list`, `map`, named object
//! types (for schema objects), `optional_type`, `type`, `dyn` and type
//! parameters of overload signatures, with cel-go's names (`FormatCELType`)
//! and the assignability/unification rules used for overload resolution.

/// A CEL type.
public indirect enum CELType: Sendable, Hashable, CustomStringConvertible {
    case bool
    case int
    case uint
    case double
    case string
    case bytes
    case null
    case duration
    case timestamp
    /// Any type; checked at runtime.
    case dyn
    case list(CELType)
    case map(key: CELType, value: CELType)
    /// A named object with declared fields (a schema object).
    case object(CELObjectType)
    case optional(CELType)
    /// The type of a type value, e.g. `type(int)` for the identifier `int`.
    case type(CELType)
    /// `quantity` of the Kubernetes quantity library.
    case quantity
    /// A type parameter of an overload signature.
    case typeParam(String)
    /// The type of an expression that failed to check; assignable to anything (no cascading errors).
    case error

    /// cel-go's rendering of the type in messages.
    public var description: String {
        switch self {
        case .bool: return "bool"
        case .int: return "int"
        case .uint: return "uint"
        case .double: return "double"
        case .string: return "string"
        case .bytes: return "bytes"
        case .null: return "null_type"
        case .duration: return "google.protobuf.Duration"
        case .timestamp: return "google.protobuf.Timestamp"
        case .dyn: return "dyn"
        case .list(let e): return "list(\(e))"
        case .map(let k, let v): return "map(\(k), \(v))"
        case .object(let o): return o.name
        case .optional(let t): return "optional_type(\(t))"
        case .type(let t): return "type(\(t))"
        case .quantity: return "kubernetes.Quantity"
        case .typeParam(let n): return n
        case .error: return "!error!"
        }
    }

    /// Whether this is `dyn` or the error type (both match anything).
    var isDynOrError: Bool {
        switch self {
        case .dyn, .error: return true
        default: return false
        }
    }

    /// Replaces bound type parameters; unbound ones become `dyn`.
    func substituting(_ subs: [String: CELType]) -> CELType {
        switch self {
        case .typeParam(let n): return subs[n]?.substituting(subs) ?? .dyn
        case .list(let e): return .list(e.substituting(subs))
        case .map(let k, let v): return .map(key: k.substituting(subs), value: v.substituting(subs))
        case .optional(let t): return .optional(t.substituting(subs))
        case .type(let t): return .type(t.substituting(subs))
        default: return self
        }
    }
}

/// A named object type with its fields. Types are nominal: two object types
/// are the same when their names are.
public struct CELObjectType: Sendable, Hashable {
    public var name: String
    /// Field types by (escaped) field name.
    public var fields: [String: CELType]

    public init(name: String, fields: [String: CELType]) {
        self.name = name
        self.fields = fields
    }

    public static func == (a: CELObjectType, b: CELObjectType) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// Type unification for overload resolution, with bindings for type parameters.
struct TypeUnifier {
    var bindings: [String: CELType] = [:]

    /// Whether a value of type `source` can be passed where `target` is expected,
    /// binding type parameters of `target` on the way.
    mutating func assign(_ target: CELType, from source: CELType) -> Bool {
        if case .typeParam(let name) = target {
            guard let bound = bindings[name] else {
                bindings[name] = source
                return true
            }
            var probe = self
            if probe.assign(bound, from: source) {
                self = probe
                return true
            }
            probe = self
            if probe.assign(source, from: bound) {
                self = probe
                bindings[name] = source
                return true
            }
            return false
        }
        if target.isDynOrError || source.isDynOrError { return true }
        switch (target, source) {
        case (.list(let t), .list(let s)): return assign(t, from: s)
        case (.map(let tk, let tv), .map(let sk, let sv)): return assign(tk, from: sk) && assign(tv, from: sv)
        case (.optional(let t), .optional(let s)): return assign(t, from: s)
        case (.type(let t), .type(let s)): return assign(t, from: s)
        case (.object(let t), .object(let s)): return t == s
        case (.null, .null): return true
        case (.object, .null), (.duration, .null), (.timestamp, .null), (.quantity, .null): return true
        default: return target == source
        }
    }
}
