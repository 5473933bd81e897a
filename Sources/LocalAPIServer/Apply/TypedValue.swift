//! Operations on an object walked together with its merge schema, as
//! structured-merge-diff's typed values do them: the field set of a value,
//! the comparison of two values (added / modified / removed fields), the
//! apply merge of a configuration into a live object, removal of items by
//! field set, and validation of an applied configuration. Pure.
import KubeCore

/// The fields two values differ in (structured-merge-diff's `Comparison`).
public struct Comparison: Sendable, Hashable {
    /// Fields present in both values with different values.
    public var modified = FieldSet()
    /// Fields only in the right-hand (new) value.
    public var added = FieldSet()
    /// Fields only in the left-hand (old) value.
    public var removed = FieldSet()

    /// No differences.
    public init() {}

    /// Whether the values were equal.
    public var isSame: Bool { modified.isEmpty && added.isEmpty && removed.isEmpty }

    /// The comparison without `fields` and everything below them.
    public func excluding(_ fields: FieldSet) -> Comparison {
        guard !fields.isEmpty else { return self }
        var out = self
        out.modified = modified.recursiveDifference(fields)
        out.added = added.recursiveDifference(fields)
        out.removed = removed.recursiveDifference(fields)
        return out
    }
}

/// A schema error in a value (structured-merge-diff's `ValidationError`).
public struct TypedError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where (`.spec.ports`) and what.
    public var path: String
    public var message: String

    /// `path: message`, as upstream prints it.
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }

    /// Several errors as upstream renders them (`errors:` and one indented line each).
    public static func render(_ errors: [TypedError]) -> String {
        if errors.count == 1 { return errors[0].description }
        return (["errors:"] + errors.map { "  " + $0.description }).joined(separator: "\n")
    }
}

/// A value walked with its schema.
public enum TypedValue {
    // MARK: List items

    /// The path element of a list item: its key fields, its value, or its index.
    static func element(of item: JSONValue, at index: Int, in list: ListSchema) -> Result<PathElement, TypedError> {
        switch list.kind {
        case .atomic:
            return .success(.index(index))
        case .set:
            switch item {
            case .object: return .failure(TypedError(path: "", message: "associative list without keys has an element that's a map type"))
            case .array: return .failure(TypedError(path: "", message: "not supported: associative list with lists as elements"))
            case .null: return .failure(TypedError(path: "", message: "associative list without keys has an element that's an explicit null"))
            default: return .success(.value(item))
            }
        case .map(let keys):
            guard let object = item.objectValue else {
                return .failure(TypedError(path: "", message: item.isNull
                    ? "associative list with keys may not have a null element"
                    : "associative list with keys may not have non-map elements"))
            }
            var fields: [KeyField] = []
            for key in keys {
                if let value = object[key] {
                    fields.append(KeyField(name: key, value: value))
                } else if let value = list.keyDefaults[key] {
                    fields.append(KeyField(name: key, value: value))
                } else {
                    return .failure(TypedError(path: "", message: "associative list with keys has an element that omits key field \(GoQuote.quote(key)) (and doesn't have default value)"))
                }
            }
            return .success(.keyed(fields))
        }
    }

    /// The element of a list item, falling back to its index when it has none
    /// (live objects are not rejected for that).
    static func lenientElement(of item: JSONValue, at index: Int, in list: ListSchema) -> PathElement {
        if case .success(let element) = element(of: item, at: index, in: list) { return element }
        return .index(index)
    }

    /// The items of a list by path element, in order, first occurrence of each.
    private static func indexed(_ items: [JSONValue], _ list: ListSchema) -> (order: [PathElement], values: [PathElement: JSONValue]) {
        var order: [PathElement] = []
        var values: [PathElement: JSONValue] = [:]
        for (i, item) in items.enumerated() {
            let element = lenientElement(of: item, at: i, in: list)
            if values[element] != nil { continue }
            values[element] = item
            order.append(element)
        }
        return (order, values)
    }

    // MARK: Field sets

    /// The fields a value sets: its leaves, its list items, its map entries
    /// (upstream `ToFieldSet`). Struct fields that only contain other fields are not members.
    public static func fieldSet(of value: JSONValue, schema: SchemaNode) -> FieldSet {
        var set = FieldSet()
        collect(value, schema, path: [], into: &set)
        return set
    }

    private static func collect(_ value: JSONValue, _ schema: SchemaNode, path: [PathElement], into set: inout FieldSet) {
        switch schema.shape(of: value) {
        case .leaf:
            if value.isNull, case .deduced = schema.resolved { return }
            set.insert(FieldSetPath(path))
        case .object(let object):
            guard let map = value.objectValue else { return }
            for (key, child) in map {
                let (childSchema, declared) = object.child(key)
                collect(child, childSchema, path: path + [.field(key)], into: &set)
                if !declared { set.insert(FieldSetPath(path + [.field(key)])) }
            }
        case .list(let list):
            guard let items = value.arrayValue else { return }
            for (i, item) in items.enumerated() {
                let element = lenientElement(of: item, at: i, in: list)
                collect(item, list.element, path: path + [element], into: &set)
                set.insert(FieldSetPath(path + [element]))
            }
        }
    }

    // MARK: Comparison

    /// How `new` differs from `old` (upstream `Compare`); nil means absent.
    public static func compare(_ old: JSONValue?, _ new: JSONValue?, schema: SchemaNode) -> Comparison {
        var walker = CompareWalker()
        walker.compare([], old, new, schema)
        return walker.result
    }

    private struct CompareWalker {
        var result = Comparison()

        mutating func compare(_ path: [PathElement], _ lhs: JSONValue?, _ rhs: JSONValue?, _ schema: SchemaNode) {
            guard lhs != nil || rhs != nil else { return }
            let left = schema.shape(of: lhs)
            let right = schema.shape(of: rhs)
            var inLeaf = false
            if rhs == nil {
                handle(left, path, lhs, rhs, &inLeaf)
            } else if lhs == nil || sameKind(left, right) {
                handle(right, path, lhs, rhs, &inLeaf)
            } else {
                var other = false
                handle(left, path, lhs, rhs, &other)
                handle(right, path, lhs, rhs, &inLeaf)
            }
            if !inLeaf, !path.isEmpty {
                if lhs == nil {
                    result.added.insert(FieldSetPath(path))
                } else if rhs == nil {
                    result.removed.insert(FieldSetPath(path))
                }
            }
        }

        private mutating func leaf(_ path: [PathElement], _ lhs: JSONValue?, _ rhs: JSONValue?, _ inLeaf: inout Bool) {
            guard !inLeaf else { return }
            inLeaf = true
            if lhs == nil {
                result.added.insert(FieldSetPath(path))
            } else if rhs == nil {
                result.removed.insert(FieldSetPath(path))
            } else if let lhs, let rhs, !TypedValue.equal(lhs, rhs) {
                result.modified.insert(FieldSetPath(path))
            }
        }

        private mutating func handle(_ shape: SchemaNode.Shape, _ path: [PathElement], _ lhs: JSONValue?, _ rhs: JSONValue?, _ inLeaf: inout Bool) {
            switch shape {
            case .leaf:
                leaf(path, lhs, rhs, &inLeaf)
            case .object(let object):
                let l = lhs?.objectValue
                let r = rhs?.objectValue
                if (l?.isEmpty ?? true) && (r?.isEmpty ?? true) {
                    leaf(path, lhs, rhs, &inLeaf)
                    return
                }
                for key in Set((l ?? [:]).keys).union((r ?? [:]).keys) {
                    compare(path + [.field(key)], l?[key], r?[key], object.child(key).schema)
                }
            case .list(let list):
                let l = lhs?.arrayValue ?? []
                let r = rhs?.arrayValue ?? []
                if l.isEmpty && r.isEmpty {
                    leaf(path, lhs, rhs, &inLeaf)
                    return
                }
                let left = TypedValue.indexed(l, list)
                let right = TypedValue.indexed(r, list)
                for element in right.order {
                    compare(path + [element], left.values[element], right.values[element], list.element)
                }
                for element in left.order where right.values[element] == nil {
                    compare(path + [element], left.values[element], nil, list.element)
                }
            }
        }

        private func sameKind(_ a: SchemaNode.Shape, _ b: SchemaNode.Shape) -> Bool {
            switch (a, b) {
            case (.leaf, .leaf), (.object, .object), (.list, .list): return true
            default: return false
            }
        }
    }

    /// Deep equality with numbers compared by value (`1` equals `1.0`).
    public static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int, .double), (.double, .int):
            return a.doubleValue == b.doubleValue
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (key, value) in x {
                guard let other = y[key], equal(value, other) else { return false }
            }
            return true
        default:
            return a == b
        }
    }

    // MARK: Apply merge

    /// Merges an applied configuration into a live value (upstream `Merge`,
    /// right-hand side wins at leaves, keyed lists merged item by item in the
    /// configuration's order). A configured `null` leaf removes the value.
    public static func merge(live: JSONValue?, config: JSONValue?, schema: SchemaNode) -> JSONValue? {
        guard live != nil || config != nil else { return nil }
        switch schema.shape(of: config ?? live) {
        case .leaf:
            if let config { return config.isNull ? JSONValue?.none : config }
            return live
        case .object(let object):
            let l = live?.objectValue
            let r = config?.objectValue
            if (l?.isEmpty ?? true) && (r?.isEmpty ?? true) {
                if let config { return config.isNull ? JSONValue?.none : config }
                return live
            }
            var out = JSONObject()
            for key in Set((l ?? [:]).keys).union((r ?? [:]).keys) {
                if let merged = merge(live: l?[key], config: r?[key], schema: object.child(key).schema) {
                    out[key] = merged
                }
            }
            return out.isEmpty ? JSONValue?.none : .object(out)
        case .list(let list):
            let l = live?.arrayValue ?? []
            let r = config?.arrayValue ?? []
            if l.isEmpty && r.isEmpty {
                if let config { return config.isNull ? JSONValue?.none : config }
                return live
            }
            let out = mergeItems(l, r, list)
            return out.isEmpty ? JSONValue?.none : .array(out)
        }
    }

    /// Interleaves live and configured items: shared items in the configuration's
    /// order, live-only items kept next to the items they followed.
    private static func mergeItems(_ lhs: [JSONValue], _ rhs: [JSONValue], _ list: ListSchema) -> [JSONValue] {
        let left = indexed(lhs, list)
        let right = indexed(rhs, list)
        var shared = right.order.filter { left.values[$0] != nil }[...]
        var nextShared = shared.popFirst()
        var out: [JSONValue] = []
        func append(_ element: PathElement, _ l: JSONValue?, _ r: JSONValue?) {
            if let merged = merge(live: l, config: r, schema: list.element) { out.append(merged) }
        }
        var li = 0
        var ri = 0
        while li < left.order.count || ri < right.order.count {
            if li < left.order.count, ri < right.order.count {
                let element = left.order[li]
                if element == right.order[ri] {
                    append(element, left.values[element], right.values[element])
                    li += 1
                    ri += 1
                    nextShared = shared.popFirst()
                    continue
                }
                if right.values[element] != nil, let next = nextShared, next != element {
                    li += 1
                    continue
                }
            }
            if li < left.order.count {
                let element = left.order[li]
                if right.values[element] == nil {
                    append(element, left.values[element], nil)
                    li += 1
                    continue
                }
            }
            if ri < right.order.count {
                let element = right.order[ri]
                append(element, left.values[element], right.values[element])
                ri += 1
                if nextShared == element { nextShared = shared.popFirst() }
                continue
            }
            // Only live items already merged remain.
            li += 1
        }
        return out
    }

    // MARK: Removal

    /// Removes the members of `set` (fields, map entries, list items) from a value
    /// (upstream `RemoveItems`). Objects and lists left empty are removed too.
    public static func removeItems(_ value: JSONValue, _ set: FieldSet, schema: SchemaNode) -> JSONValue? {
        guard !set.isEmpty else { return value }
        switch schema.shape(of: value) {
        case .leaf:
            return value
        case .object(let object):
            guard let map = value.objectValue, !map.isEmpty else { return nil }
            var out = JSONObject()
            for (key, child) in map {
                let element = PathElement.field(key)
                if set.members.contains(element) { continue }
                let below = set.child(element)
                if below.isEmpty {
                    out[key] = child
                } else if let kept = removeItems(child, below, schema: object.child(key).schema) {
                    out[key] = kept
                }
            }
            return out.isEmpty ? JSONValue?.none : .object(out)
        case .list(let list):
            guard let items = value.arrayValue, !items.isEmpty else { return nil }
            var out: [JSONValue] = []
            for (i, item) in items.enumerated() {
                let element = lenientElement(of: item, at: i, in: list)
                if set.members.contains(element) { continue }
                let below = set.child(element)
                if below.isEmpty {
                    out.append(item)
                } else if let kept = removeItems(item, below, schema: list.element) {
                    out.append(kept)
                }
            }
            return out.isEmpty ? JSONValue?.none : .array(out)
        }
    }

    // MARK: Validation

    /// The schema errors of an applied configuration: undeclared fields,
    /// list items without their keys, duplicate keys (upstream typed conversion).
    public static func validate(_ value: JSONValue, schema: SchemaNode) -> [TypedError] {
        var errors: [TypedError] = []
        validate(value, schema, path: "", into: &errors)
        return errors
    }

    private static func validate(_ value: JSONValue, _ schema: SchemaNode, path: String, into errors: inout [TypedError]) {
        switch schema.shape(of: value) {
        case .leaf:
            return
        case .object(let object):
            guard let map = value.objectValue else { return }
            for key in map.keys.sorted() {
                let childPath = path + PathElement.field(key).description
                if object.fields[key] == nil, case .rejected = object.others {
                    errors.append(TypedError(path: childPath, message: "field not declared in schema"))
                    continue
                }
                if let child = map[key] { validate(child, object.child(key).schema, path: childPath, into: &errors) }
            }
        case .list(let list):
            guard let items = value.arrayValue else { return }
            var seen = Set<PathElement>()
            for (i, item) in items.enumerated() {
                switch element(of: item, at: i, in: list) {
                case .failure(let error):
                    errors.append(TypedError(path: path, message: "element \(i): \(error.message)"))
                    return
                case .success(let element):
                    if case .index = element {
                    } else if !seen.insert(element).inserted {
                        errors.append(TypedError(path: path, message: "duplicate entries for key \(element)"))
                    }
                    validate(item, list.element, path: path + element.description, into: &errors)
                }
            }
        }
    }
}
