//! CEL runtime values: the primitive kinds, lists (with the Kubernetes
//! `x-kubernetes-list-type` set/map equality), maps, durations, timestamps,
//! optionals, type values, quantities and error values — plus CEL's
//! heterogeneous equality, ordering, and the generic JSON conversion.
import KubeCore

/// An evaluation error (a CEL error value), e.g. `no such key: foo` or `division by zero`.
public struct CELError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The message as cel-go words it; kube-apiserver quotes it in field errors.
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static let noSuchOverload = CELError("no such overload")
    static let divisionByZero = CELError("division by zero")
    static let moduloByZero = CELError("modulus by zero")
    static let intOverflow = CELError("integer overflow")
    static let uintOverflow = CELError("unsigned integer overflow")
}

/// A CEL value. Errors are values too: they propagate through strict
/// functions and are absorbed by `&&`, `||` and the `all`/`exists` macros.
public indirect enum CELValue: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case list(CELList)
    case map(CELMap)
    case duration(CELDuration)
    case timestamp(CELTimestamp)
    case type(CELType)
    /// `optional.of(v)` (`some`) or `optional.none()` (nil).
    case optional(CELValue?)
    case quantity(Quantity)
    case error(CELError)

    /// The runtime type (for `type(x)` and dispatch).
    public var type: CELType {
        switch self {
        case .null: return .null
        case .bool: return .bool
        case .int: return .int
        case .uint: return .uint
        case .double: return .double
        case .string: return .string
        case .bytes: return .bytes
        case .list: return .list(.dyn)
        case .map: return .map(key: .dyn, value: .dyn)
        case .duration: return .duration
        case .timestamp: return .timestamp
        case .type(let t): return .type(t)
        case .optional: return .optional(.dyn)
        case .quantity: return .quantity
        case .error: return .error
        }
    }

    var errorValue: CELError? {
        if case .error(let e) = self { return e }
        return nil
    }
}

/// A list value. `kind` carries the list type of the schema the list came from,
/// which decides how the list compares and concatenates.
public struct CELList: Sendable {
    public enum Kind: Sendable, Hashable {
        /// A list built by an expression (cel-go's list).
        case literal
        /// `x-kubernetes-list-type: atomic` (or unset) data.
        case atomic
        /// `x-kubernetes-list-type: set`: order-insensitive equality, `+` is a union.
        case set
        /// `x-kubernetes-list-type: map` with these (escaped) key fields: items
        /// correlate by key for equality, `+` replaces items with the same key.
        case map(keys: [String])
    }

    public var elements: [CELValue]
    public var kind: Kind

    /// A list of `elements`; `kind` defaults to an expression-built list.
    public init(_ elements: [CELValue], kind: Kind = .literal) {
        self.elements = elements
        self.kind = kind
    }
}

/// A map key: CEL maps are keyed by strings, ints, uints or bools.
enum CELMapKey: Hashable, Sendable {
    case string(String)
    case int(Int64)
    case uint(UInt64)
    case bool(Bool)

    init?(_ value: CELValue) {
        switch value {
        case .string(let s): self = .string(s)
        case .int(let i): self = .int(i)
        case .uint(let u): self = .uint(u)
        case .bool(let b): self = .bool(b)
        default: return nil
        }
    }

    var value: CELValue {
        switch self {
        case .string(let s): return .string(s)
        case .int(let i): return .int(i)
        case .uint(let u): return .uint(u)
        case .bool(let b): return .bool(b)
        }
    }

    /// The keys equal to `value` under heterogeneous numeric equality.
    static func candidates(_ value: CELValue) -> [CELMapKey] {
        switch value {
        case .int(let i): return i >= 0 ? [.int(i), .uint(UInt64(i))] : [.int(i)]
        case .uint(let u): return u <= UInt64(Int64.max) ? [.uint(u), .int(Int64(u))] : [.uint(u)]
        case .double(let d):
            guard d.rounded() == d else { return [] }
            var keys: [CELMapKey] = []
            if d >= -9.223372036854775808e18, d < 9.223372036854775808e18 { keys.append(.int(Int64(d))) }
            if d >= 0, d < 1.8446744073709551616e19 { keys.append(.uint(UInt64(d))) }
            return keys
        default:
            return CELMapKey(value).map { [$0] } ?? []
        }
    }
}

/// A map value; iteration follows insertion order.
public struct CELMap: Sendable {
    private var order: [CELMapKey] = []
    private var storage: [CELMapKey: CELValue] = [:]

    /// An empty map.
    public init() {}

    /// A map with string keys (a JSON object); keys iterate sorted.
    public init(_ entries: [String: CELValue]) {
        for key in entries.keys.sorted() { _ = insert(.string(key), entries[key] ?? .null) }
    }

    /// Adds an entry; false when the key is already present or not a valid key type.
    mutating func insert(_ key: CELValue, _ value: CELValue) -> Bool {
        guard let k = CELMapKey(key) else { return false }
        for candidate in CELMapKey.candidates(key) where storage[candidate] != nil { return false }
        order.append(k)
        storage[k] = value
        return true
    }

    /// The number of entries.
    public var count: Int { order.count }

    /// Keys in iteration order.
    public var keys: [CELValue] { order.map(\.value) }

    /// Entries in iteration order.
    public var entries: [(key: CELValue, value: CELValue)] { order.map { ($0.value, storage[$0] ?? .null) } }

    /// The value for `key` (with numeric keys matched across int/uint/double).
    public subscript(key: CELValue) -> CELValue? {
        for candidate in CELMapKey.candidates(key) {
            if let v = storage[candidate] { return v }
        }
        return nil
    }

    /// The value under the string key `field`.
    public subscript(field: String) -> CELValue? { storage[.string(field)] }
}

// MARK: - JSON

extension CELValue {
    /// Converts JSON without a schema: objects become maps with string keys,
    /// integers `int`, other numbers `double`.
    public init(json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .list(CELList(a.map(CELValue.init(json:)), kind: .atomic))
        case .object(let o): self = .map(CELMap(o.mapValues(CELValue.init(json:))))
        }
    }
}

// MARK: - Equality and ordering

extension CELValue {
    /// CEL `==`: heterogeneous (numbers compare by value across int/uint/double,
    /// other kinds that differ are unequal); errors propagate. Returns `.bool` or `.error`.
    static func celEquals(_ a: CELValue, _ b: CELValue) -> CELValue {
        if case .error = a { return a }
        if case .error = b { return b }
        switch (a, b) {
        case (.null, .null): return .bool(true)
        case (.bool(let x), .bool(let y)): return .bool(x == y)
        case (.string(let x), .string(let y)): return .bool(x.utf8.elementsEqual(y.utf8))
        case (.bytes(let x), .bytes(let y)): return .bool(x == y)
        case (.duration(let x), .duration(let y)): return .bool(x == y)
        case (.timestamp(let x), .timestamp(let y)): return .bool(x == y)
        case (.type(let x), .type(let y)): return .bool(x == y)
        case (.quantity(let x), .quantity(let y)): return .bool(x == y)
        case (.optional(let x), .optional(let y)):
            switch (x, y) {
            case (nil, nil): return .bool(true)
            case (let x?, let y?): return celEquals(x, y)
            default: return .bool(false)
            }
        case (.list(let x), .list(let y)): return listEquals(x, y)
        case (.map(let x), .map(let y)):
            guard x.count == y.count else { return .bool(false) }
            for (key, value) in x.entries {
                guard let other = y[key] else { return .bool(false) }
                let eq = celEquals(value, other)
                if case .bool(true) = eq { continue }
                return eq
            }
            return .bool(true)
        default:
            if let order = numericOrder(a, b) { return .bool(order == 0) }
            return .bool(false)
        }
    }

    private static func listEquals(_ x: CELList, _ y: CELList) -> CELValue {
        guard x.elements.count == y.elements.count else { return .bool(false) }
        switch x.kind {
        case .set:
            for element in y.elements {
                let found = contains(x.elements, element)
                if case .bool(true) = found { continue }
                return found
            }
            return .bool(true)
        case .map(let keys):
            for element in y.elements {
                guard let match = x.elements.first(where: { mapListKey($0, keys) == mapListKey(element, keys) }) else {
                    return .bool(false)
                }
                let eq = celEquals(match, element)
                if case .bool(true) = eq { continue }
                return eq
            }
            return .bool(true)
        case .literal, .atomic:
            for (l, r) in zip(x.elements, y.elements) {
                let eq = celEquals(l, r)
                if case .bool(true) = eq { continue }
                return eq
            }
            return .bool(true)
        }
    }

    /// The key of an item of a `map` list: its key field values, rendered.
    static func mapListKey(_ item: CELValue, _ keys: [String]) -> [String] {
        guard case .map(let m) = item else { return [] }
        return keys.map { k in m[k].map { "\($0.debugText)" } ?? "<absent>" }
    }

    /// CEL `in` over list elements: true when any element equals `value`.
    static func contains(_ elements: [CELValue], _ value: CELValue) -> CELValue {
        var firstError: CELValue?
        for element in elements {
            let eq = celEquals(element, value)
            switch eq {
            case .bool(true): return .bool(true)
            case .error: if firstError == nil { firstError = eq }
            default: break
            }
        }
        return firstError ?? .bool(false)
    }

    /// -1, 0 or 1 for numbers of any numeric kind; nil when either is not a number or NaN is involved.
    static func numericOrder(_ a: CELValue, _ b: CELValue) -> Int? {
        func sign<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
        switch (a, b) {
        case (.int(let x), .int(let y)): return sign(x, y)
        case (.uint(let x), .uint(let y)): return sign(x, y)
        case (.double(let x), .double(let y)):
            if x.isNaN || y.isNaN { return nil }
            return sign(x, y)
        case (.int(let x), .uint(let y)): return x < 0 ? -1 : sign(UInt64(x), y)
        case (.uint(let x), .int(let y)): return y < 0 ? 1 : sign(x, UInt64(y))
        case (.int(let x), .double(let y)): return compareIntDouble(x, y)
        case (.double(let x), .int(let y)): return compareIntDouble(y, x).map { -$0 }
        case (.uint(let x), .double(let y)): return compareUintDouble(x, y)
        case (.double(let x), .uint(let y)): return compareUintDouble(y, x).map { -$0 }
        default: return nil
        }
    }

    private static func compareIntDouble(_ i: Int64, _ d: Double) -> Int? {
        if d.isNaN { return nil }
        if d < -9.223372036854775808e18 { return 1 }
        if d >= 9.223372036854775808e18 { return -1 }
        let truncated = Int64(d.rounded(.towardZero))
        if i < truncated { return -1 }
        if i > truncated { return 1 }
        let frac = d - d.rounded(.towardZero)
        return frac > 0 ? -1 : (frac < 0 ? 1 : 0)
    }

    private static func compareUintDouble(_ u: UInt64, _ d: Double) -> Int? {
        if d.isNaN { return nil }
        if d < 0 { return 1 }
        if d >= 1.8446744073709551616e19 { return -1 }
        let truncated = UInt64(d.rounded(.towardZero))
        if u < truncated { return -1 }
        if u > truncated { return 1 }
        return d > d.rounded(.towardZero) ? -1 : 0
    }

    /// CEL ordering for `<`, `<=`, `>`, `>=`, `min`, `max`, `isSorted`: -1, 0 or 1,
    /// nil for NaN, or an error when the kinds are not comparable.
    static func compare(_ a: CELValue, _ b: CELValue) -> Result<Int?, CELError> {
        func sign<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
        if case .error(let e) = a { return .failure(e) }
        if case .error(let e) = b { return .failure(e) }
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return .success(x == y ? 0 : (x ? 1 : -1))
        case (.string(let x), .string(let y)):
            if x.utf8.elementsEqual(y.utf8) { return .success(0) }
            return .success(x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1)
        case (.bytes(let x), .bytes(let y)): return .success(x == y ? 0 : (x.lexicographicallyPrecedes(y) ? -1 : 1))
        case (.duration(let x), .duration(let y)): return .success(sign(x.nanoseconds, y.nanoseconds))
        case (.timestamp(let x), .timestamp(let y)): return .success(sign(x, y))
        case (.quantity(let x), .quantity(let y)): return .success(x < y ? -1 : (y < x ? 1 : 0))
        case (.int, _), (.uint, _), (.double, _):
            switch b {
            case .int, .uint, .double: return .success(numericOrder(a, b))
            default: return .failure(.noSuchOverload)
            }
        default:
            return .failure(.noSuchOverload)
        }
    }
}

// MARK: - Rendering

extension CELValue {
    /// A compact rendering for messages and map-list keys.
    var debugText: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .uint(let u): return "\(u)u"
        case .double(let d): return GoFloat.formatG(d)
        case .string(let s): return s.goQuoted
        case .bytes(let b): return "b" + (String(decoding: b, as: UTF8.self)).goQuoted
        case .list(let l): return "[" + l.elements.map(\.debugText).joined(separator: ", ") + "]"
        case .map(let m): return "{" + m.entries.map { "\($0.key.debugText): \($0.value.debugText)" }.joined(separator: ", ") + "}"
        case .duration(let d): return d.description
        case .timestamp(let t): return t.description
        case .type(let t): return t.description
        case .optional(let v): return v.map { "optional.of(\($0.debugText))" } ?? "optional.none()"
        case .quantity(let q): return q.description
        case .error(let e): return e.message
        }
    }
}

extension CELValue: Equatable {
    /// Structural equality of values (for tests and caching), not CEL's `==`:
    /// lists compare element-wise whatever their kind; errors compare by message.
    public static func == (a: CELValue, b: CELValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.uint(let x), .uint(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y || (x.isNaN && y.isNaN)
        case (.string(let x), .string(let y)): return x == y
        case (.bytes(let x), .bytes(let y)): return x == y
        case (.list(let x), .list(let y)): return x.elements == y.elements
        case (.map(let x), .map(let y)):
            guard x.count == y.count else { return false }
            return x.entries.allSatisfy { entry in y[entry.key].map { $0 == entry.value } ?? false }
        case (.duration(let x), .duration(let y)): return x == y
        case (.timestamp(let x), .timestamp(let y)): return x == y
        case (.type(let x), .type(let y)): return x == y
        case (.optional(let x), .optional(let y)): return x == y
        case (.quantity(let x), .quantity(let y)): return x == y
        case (.error(let x), .error(let y)): return x == y
        default: return false
        }
    }
}

extension CELValue: CustomStringConvertible {
    public var description: String { debugText }
}
