//! Field sets: the sets of paths into an object that server-side apply tracks
//! per field manager (structured-merge-diff's `fieldpath.Set`), with the path
//! elements kube-apiserver uses (`.field`, `[key=value,...]`, `[=value]`,
//! `[index]`) and the set algebra the managed-fields logic needs. Pure.
import KubeCore

/// One key field of an associative list item (`k:{"name":"nginx"}`).
public struct KeyField: Hashable, Sendable {
    /// The key field's name.
    public var name: String
    public var value: JSONValue

    /// A key field with its value.
    public init(name: String, value: JSONValue) {
        self.name = name
        self.value = value
    }
}

/// One step of a path into an object.
public enum PathElement: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// A field of an object or an entry of a map (`f:name`, printed `.name`).
    case field(String)
    /// An item of a list keyed by fields (`k:{...}`, printed `[name="x"]`); key fields sorted by name.
    case key([KeyField])
    /// An item of a set (`v:<json>`, printed `[=value]`).
    case value(JSONValue)
    /// An item of a list addressed by position (`i:0`, printed `[0]`).
    case index(Int)

    /// A key element with its fields sorted by name, as upstream stores them.
    public static func keyed(_ fields: [KeyField]) -> PathElement {
        .key(fields.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) })
    }

    /// How conflict messages print the element.
    public var description: String {
        switch self {
        case .field(let name): return "." + name
        case .key(let fields): return "[" + fields.map { "\($0.name)=\(Self.render($0.value))" }.joined(separator: ",") + "]"
        case .value(let value): return "[=\(Self.render(value))]"
        case .index(let i): return "[\(i)]"
        }
    }

    /// structured-merge-diff's `value.ToString`: strings quoted, numbers and booleans bare.
    static func render(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .double(let d): return d.rounded() == d && abs(d) < 1e21 ? String(Int64(d)) : String(d)
        case .string(let s): return GoQuote.quote(s)
        case .array(let items): return "[" + items.map(render).joined(separator: ",") + "]"
        case .object(let object):
            return object.keys.sorted().map { "\($0)=\(render(object[$0] ?? .null))" }.joined(separator: ",")
        }
    }

    private var rank: Int {
        switch self {
        case .field: 0
        case .key: 1
        case .value: 2
        case .index: 3
        }
    }

    /// Upstream's total order: fields, then keys, then values, then indexes.
    public static func < (lhs: PathElement, rhs: PathElement) -> Bool {
        compare(lhs, rhs) < 0
    }

    static func compare(_ lhs: PathElement, _ rhs: PathElement) -> Int {
        switch (lhs, rhs) {
        case (.field(let a), .field(let b)): return compareBytes(a, b)
        case (.key(let a), .key(let b)):
            for (x, y) in zip(a, b) {
                let byName = compareBytes(x.name, y.name)
                if byName != 0 { return byName }
                let byValue = compareValues(x.value, y.value)
                if byValue != 0 { return byValue }
            }
            return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
        case (.value(let a), .value(let b)): return compareValues(a, b)
        case (.index(let a), .index(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        default: return lhs.rank < rhs.rank ? -1 : 1
        }
    }

    static func compareBytes(_ a: String, _ b: String) -> Int {
        if a == b { return 0 }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
    }

    /// structured-merge-diff's `value.Compare`: numbers < strings < booleans < lists < maps < null.
    static func compareValues(_ a: JSONValue, _ b: JSONValue) -> Int {
        func rank(_ v: JSONValue) -> Int {
            switch v {
            case .int, .double: 0
            case .string: 1
            case .bool: 2
            case .array: 3
            case .object: 4
            case .null: 5
            }
        }
        let (ra, rb) = (rank(a), rank(b))
        if ra != rb { return ra < rb ? -1 : 1 }
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.string(let x), .string(let y)): return compareBytes(x, y)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.array(let x), .array(let y)):
            for (p, q) in zip(x, y) {
                let c = compareValues(p, q)
                if c != 0 { return c }
            }
            return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
        case (.object(let x), .object(let y)):
            let keys = (Set(x.keys).union(y.keys)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for key in keys {
                guard let p = x[key] else { return 1 }
                guard let q = y[key] else { return -1 }
                let c = compareValues(p, q)
                if c != 0 { return c }
            }
            return 0
        case (.null, .null): return 0
        default:
            let (x, y) = (a.doubleValue ?? 0, b.doubleValue ?? 0)
            return x == y ? 0 : (x < y ? -1 : 1)
        }
    }
}

/// A path into an object, printed the way conflict messages print it (`.spec.replicas`).
public struct FieldSetPath: Hashable, Sendable, CustomStringConvertible {
    /// The steps from the object root.
    public var elements: [PathElement]

    /// A path of the given steps.
    public init(_ elements: [PathElement]) { self.elements = elements }

    /// A path of field names only.
    public init(fields: String...) { self.elements = fields.map(PathElement.field) }

    /// The path as upstream prints it, e.g. `.spec.ports[port=80,protocol="TCP"]`.
    public var description: String { elements.map(\.description).joined() }

    /// This path extended by one step.
    public func appending(_ element: PathElement) -> FieldSetPath { FieldSetPath(elements + [element]) }
}

/// A set of paths, stored as a trie: `members` are the paths ending at this
/// node, `children` the sets below each element. Empty child sets are never stored.
public struct FieldSet: Hashable, Sendable {
    /// The elements whose paths end here.
    public internal(set) var members: Set<PathElement> = []
    /// The sets below each element (never empty).
    public internal(set) var children: [PathElement: FieldSet] = [:]

    /// The empty set.
    public init() {}

    /// A set of the given paths.
    public init(_ paths: [FieldSetPath]) {
        for path in paths { insert(path) }
    }

    /// Whether the set has no paths.
    public var isEmpty: Bool { members.isEmpty && children.isEmpty }

    /// Adds `path`; the empty path is ignored (the root is never a member).
    public mutating func insert(_ path: FieldSetPath) {
        insert(path.elements[...])
    }

    private mutating func insert(_ path: ArraySlice<PathElement>) {
        guard let first = path.first else { return }
        if path.count == 1 {
            members.insert(first)
        } else {
            var child = children[first] ?? FieldSet()
            child.insert(path.dropFirst())
            children[first] = child
        }
    }

    /// Whether `path` is a member.
    public func contains(_ path: FieldSetPath) -> Bool {
        var node = self
        for (i, element) in path.elements.enumerated() {
            if i == path.elements.count - 1 { return node.members.contains(element) }
            guard let child = node.children[element] else { return false }
            node = child
        }
        return false
    }

    /// The set below `element` (upstream `WithPrefix`).
    public func child(_ element: PathElement) -> FieldSet { children[element] ?? FieldSet() }

    /// The paths in either set.
    public func union(_ other: FieldSet) -> FieldSet {
        var out = self
        out.members.formUnion(other.members)
        for (element, set) in other.children {
            out.children[element] = (out.children[element] ?? FieldSet()).union(set)
        }
        return out
    }

    /// The paths in both sets.
    public func intersection(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        out.members = members.intersection(other.members)
        for (element, set) in children {
            guard let theirs = other.children[element] else { continue }
            let common = set.intersection(theirs)
            if !common.isEmpty { out.children[element] = common }
        }
        return out
    }

    /// Members of `self` not members of `other`, node by node (upstream `Difference`).
    public func difference(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        out.members = members.subtracting(other.members)
        for (element, set) in children {
            if let theirs = other.children[element] {
                let rest = set.difference(theirs)
                if !rest.isEmpty { out.children[element] = rest }
            } else {
                out.children[element] = set
            }
        }
        return out
    }

    /// Like `difference`, and also drops everything below a member of `other`
    /// (upstream `RecursiveDifference`).
    public func recursiveDifference(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        out.members = members.subtracting(other.members)
        for (element, set) in children where !other.members.contains(element) {
            if let theirs = other.children[element] {
                let rest = set.recursiveDifference(theirs)
                if !rest.isEmpty { out.children[element] = rest }
            } else {
                out.children[element] = set
            }
        }
        return out
    }

    /// Every member path in upstream's iteration order: a node's members (sorted)
    /// before its children (sorted), depth first.
    public var paths: [FieldSetPath] {
        var out: [FieldSetPath] = []
        collect(prefix: [], into: &out)
        return out
    }

    private func collect(prefix: [PathElement], into out: inout [FieldSetPath]) {
        for element in members.sorted() { out.append(FieldSetPath(prefix + [element])) }
        for element in children.keys.sorted() {
            children[element]?.collect(prefix: prefix + [element], into: &out)
        }
    }

    /// Adds the object fields that lead to members as members too (upstream
    /// `EnsureNamedFieldsAreMembers`): fields declared by `schema`, not map entries.
    public func ensuringNamedFieldsAreMembers(_ schema: SchemaNode) -> FieldSet {
        var out = self
        for (element, set) in children {
            let (childSchema, declared) = schema.child(element)
            if declared, case .field = element { out.members.insert(element) }
            out.children[element] = set.ensuringNamedFieldsAreMembers(childSchema)
        }
        return out
    }
}

/// Go's `%q` for strings (`strconv.Quote`), enough for field paths and names.
enum GoQuote {
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
