//! Strategic merge patch (`application/strategic-merge-patch+json`) applied
//! the way apimachinery's `strategicpatch` applies it on the server: maps
//! merged, `null` deleting, lists merged by their merge key or as sets of
//! scalars when the field's strategy is `merge` (replaced otherwise), and the
//! directives `$patch` (replace / delete), `$retainKeys`,
//! `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`. Pure.
import KubeCore

/// Applies strategic merge patches.
public enum StrategicMergePatch {
    /// Why a patch could not be applied, with the status kube-apiserver answers.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// The class of failure, which decides the status code.
        public enum Kind: Sendable, Hashable {
            /// 400 BadRequest (malformed directives).
            case badRequest
            /// 422 (lists of lists, retainKeys mismatches).
            case unprocessable
            /// 500 with no reason (merge keys missing, unknown directives, ...).
            case other
        }

        /// The class and upstream's error text.
        public var kind: Kind
        public var message: String

        /// A failure of this class with this text.
        public init(_ kind: Kind, _ message: String) {
            self.kind = kind
            self.message = message
        }

        /// The error text.
        public var description: String { message }

        /// The Status kube-apiserver answers for this failure.
        public var apiError: APIError {
            switch kind {
            case .badRequest:
                return .badRequest(message)
            case .unprocessable:
                return APIError(APIStatus(
                    message: "the server rejected our request due to an error in our request", reason: .invalid,
                    details: StatusDetails(causes: [StatusCause(reason: "UnexpectedServerResponse", message: message)]), code: 422))
            case .other:
                return APIError(APIStatus(message: message, reason: nil, code: 500))
            }
        }

        static let badPatchFormatForPrimitiveList = Failure(.badRequest, "invalid patch format of primitive list")
        static let badPatchFormatForRetainKeys = Failure(.badRequest, "invalid patch format of retainKeys")
        static let badPatchFormatForSetElementOrderList = Failure(.badRequest, "invalid patch format of setElementOrder list")
        static let noListOfLists = Failure(.unprocessable, "lists of lists are not supported")

        static func noMergeKey(_ map: JSONObject, _ key: String) -> Failure {
            Failure(.other, "map: \(GoValue.render(.object(map))) does not contain declared merge key: \(key)")
        }

        static func badPatchType(_ directive: JSONValue, _ map: JSONObject) -> Failure {
            Failure(.other, "unknown patch type: \(GoValue.render(directive)) in map: \(GoValue.render(.object(map)))")
        }

        static func badArgType(expected: String, _ actual: JSONValue?) -> Failure {
            Failure(.other, "expected a \(expected), but received a \(GoValue.typeName(actual))")
        }
    }

    static let directiveMarker = "$patch"
    static let retainKeysDirective = "$retainKeys"
    static let deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList"
    static let setElementOrderPrefix = "$setElementOrder"

    /// Applies `patch` to `original` with the merge keys and strategies of `schema`.
    public static func apply(_ patch: JSONValue, to original: JSONValue, schema: SchemaNode) throws(Failure) -> JSONValue {
        guard let patchObject = patch.objectValue else {
            throw Failure(.badRequest, "json: cannot unmarshal \(GoValue.jsonKind(patch)) into Go value of type map[string]interface {}")
        }
        return .object(try mergeMap(original.objectValue ?? [:], patchObject, schema))
    }

    // MARK: Maps

    static func mergeMap(_ originalIn: JSONObject, _ patchIn: JSONObject, _ schema: SchemaNode) throws(Failure) -> JSONObject {
        if let directive = patchIn[directiveMarker] {
            switch directive {
            case "replace":
                var replaced = patchIn
                replaced[directiveMarker] = nil
                return clean(.object(replaced))?.objectValue ?? [:]
            case "delete":
                return [:]
            default:
                throw Failure.badPatchType(directive, patchIn)
            }
        }
        var original = originalIn
        var patch = patchIn
        try applyRetainKeys(&original, &patch)
        try mergeOrderedLists(&original, &patch, schema)

        for key in patch.keys.sorted() {
            guard let patchValue = patch[key] else { continue }
            var field = key
            var isDeleteList = false
            if key.hasPrefix(deleteFromPrimitiveListPrefix) {
                field = try extractKey(key, prefix: deleteFromPrimitiveListPrefix)
                isDeleteList = true
            } else if key.hasPrefix("$") {
                continue
            }
            if patchValue.isNull {
                original[field] = nil
                continue
            }
            guard let current = original[field], sameKind(current, patchValue) else {
                if !isDeleteList { original[field] = clean(patchValue) }
                continue
            }
            switch (current, patchValue) {
            case (.object(let a), .object(let b)):
                original[field] = .object(try mergeMap(a, b, schema.child(.field(field)).schema))
            case (.array(let a), .array(let b)):
                original[field] = .array(try mergeList(a, b, schema.listField(field), field: field, isDeleteList: isDeleteList))
            default:
                original[field] = clean(patchValue)
            }
        }
        return original
    }

    /// `$retainKeys`: keys of the original not listed are cleared; every key the patch sets must be listed.
    private static func applyRetainKeys(_ original: inout JSONObject, _ patch: inout JSONObject) throws(Failure) {
        guard let retain = patch[retainKeysDirective] else { return }
        patch[retainKeysDirective] = nil
        guard let list = retain.arrayValue else { throw Failure.badPatchFormatForRetainKeys }
        let keep = Set(list)
        for (key, value) in patch where !value.isNull && !key.hasPrefix(deleteFromPrimitiveListPrefix) && !key.hasPrefix(setElementOrderPrefix) {
            if !keep.contains(.string(key)) { throw Failure.badPatchFormatForRetainKeys }
        }
        for key in original.keys where !keep.contains(.string(key)) {
            original[key] = nil
        }
    }

    /// `$setElementOrder/<field>`: merges the field's list and orders it by the
    /// directive, then the patch, then the live list.
    private static func mergeOrderedLists(_ original: inout JSONObject, _ patch: inout JSONObject, _ schema: SchemaNode) throws(Failure) {
        for key in patch.keys.sorted() where key.hasPrefix(setElementOrderPrefix) {
            guard let orderValue = patch[key] else { continue }
            patch[key] = nil
            guard let order = orderValue.arrayValue else { throw Failure.badArgType(expected: "[]interface {}", orderValue) }
            let field = try extractKey(key, prefix: setElementOrderPrefix)
            let originalValue = original[field]
            let patchValue = patch[field]
            var originalList: [JSONValue] = []
            var patchList: [JSONValue] = []
            if let originalValue {
                guard let list = originalValue.arrayValue else { throw Failure.badArgType(expected: "[]interface {}", originalValue) }
                originalList = list
            }
            if let patchValue {
                guard let list = patchValue.arrayValue else { throw Failure.badArgType(expected: "[]interface {}", patchValue) }
                patchList = list
            }
            let meta = schema.listField(field)
            let mergeKey = meta?.mergeKey
            try validateOrder(patchList, order, mergeKey)
            let merged: [JSONValue]
            switch (originalValue != nil, patchValue != nil) {
            case (true, false): merged = originalList
            case (false, true): merged = patchList.compactMap { clean($0) }
            case (true, true): merged = try mergeList(originalList, patchList, meta, field: field, isDeleteList: false)
            case (false, false): continue
            }
            let (inOrder, serverOnly) = try partition(merged, by: order, mergeKey: mergeKey)
            let kind = try elementKind(originalList, patchList)
            original[field] = .array(try normalizeOrder(inOrder, serverOnly, patchOrder: order, serverOrder: originalList,
                                                       mergeKey: mergeKey, kind: kind))
            patch[field] = nil
        }
    }

    /// The relative order of the patch's items must match `$setElementOrder`.
    private static func validateOrder(_ patchList: [JSONValue], _ order: [JSONValue], _ mergeKey: String?) throws(Failure) {
        guard !order.isEmpty, !patchList.isEmpty else { return }
        var items = patchList
        if mergeKey != nil {
            items = try splitDeletions(patchList).keep
        }
        var p = 0
        var o = 0
        while p < items.count, o < order.count {
            if isDirective(items[p]) {
                p += 1
                continue
            }
            if try sameMergeKey(items[p], order[o], mergeKey) { p += 1 }
            o += 1
        }
        if p < items.count, o >= order.count {
            throw Failure(.other, "the order in patch list:\n\(GoValue.render(.array(patchList)))\n doesn't match \(setElementOrderPrefix) list:\n\(GoValue.render(.array(order)))")
        }
    }

    private static func sameMergeKey(_ a: JSONValue, _ b: JSONValue, _ mergeKey: String?) throws(Failure) -> Bool {
        guard let mergeKey else { return a == b }
        guard let left = a.objectValue else { throw Failure.badArgType(expected: "map[string]interface {}", a) }
        guard let right = b.objectValue else { throw Failure.badArgType(expected: "map[string]interface {}", b) }
        guard let l = left[mergeKey] else { throw Failure.noMergeKey(left, mergeKey) }
        guard let r = right[mergeKey] else { throw Failure.noMergeKey(right, mergeKey) }
        return l == r
    }

    private static func extractKey(_ key: String, prefix: String) throws(Failure) -> String {
        let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == prefix else {
            throw prefix == deleteFromPrimitiveListPrefix ? Failure.badPatchFormatForPrimitiveList : Failure.badPatchFormatForSetElementOrderList
        }
        return String(parts[1])
    }

    // MARK: Lists

    /// Elements of a list are all maps, or all scalars of one JSON type.
    enum ElementKind { case map, scalar }

    private static func elementKind(_ lists: [JSONValue]...) throws(Failure) -> ElementKind {
        var previous: String?
        for list in lists {
            for item in list {
                let type = GoValue.typeName(item)
                if previous == nil {
                    if item.arrayValue != nil { throw Failure.noListOfLists }
                    previous = type
                } else if previous != type {
                    throw Failure(.other, "list element types are not identical: \(GoValue.render(.array(lists.map(JSONValue.array))))")
                }
            }
        }
        guard let previous else { throw Failure(.other, "no elements in any of the given slices") }
        return previous == "map[string]interface {}" ? .map : .scalar
    }

    private static func mergeList(_ original: [JSONValue], _ patch: [JSONValue], _ meta: ListSchema?, field: String,
                                  isDeleteList: Bool) throws(Failure) -> [JSONValue] {
        guard meta?.mergeStrategy == true || isDeleteList else { return patch.compactMap { clean($0) } }
        if original.isEmpty && patch.isEmpty { return original }
        let kind = try elementKind(original, patch)
        let mergeKey = meta?.mergeKey
        var serverOrder = original
        var patchOrder = patch
        let merged: [JSONValue]
        switch kind {
        case .scalar:
            if isDeleteList {
                let remove = Set(patch)
                return original.filter { !remove.contains($0) }
            }
            var seen = Set<JSONValue>()
            merged = (original + patch).filter { seen.insert($0).inserted }
        case .map:
            guard let mergeKey else { throw Failure(.other, "cannot merge lists without merge key for \(field)") }
            (serverOrder, patchOrder) = try applySpecialElements(original, patch, mergeKey: mergeKey)
            merged = try mergeByKey(serverOrder, patchOrder, mergeKey: mergeKey, element: meta?.element ?? .open)
        }
        let (inPatch, serverOnly) = try partition(merged, by: patchOrder, mergeKey: kind == .map ? mergeKey : nil)
        return try normalizeOrder(inPatch, serverOnly, patchOrder: patchOrder, serverOrder: serverOrder,
                                  mergeKey: kind == .map ? mergeKey : nil, kind: kind)
    }

    /// Items with `$patch: delete` remove the matching original items; `$patch: replace`
    /// replaces the list with the patch's other items.
    private static func applySpecialElements(_ original: [JSONValue], _ patch: [JSONValue], mergeKey: String) throws(Failure) -> ([JSONValue], [JSONValue]) {
        var rest: [JSONValue] = []
        var current = original
        var replace = false
        for item in patch {
            guard let map = item.objectValue else { throw Failure.badArgType(expected: "map[string]interface {}", item) }
            guard let directive = map[directiveMarker] else {
                rest.append(item)
                continue
            }
            switch directive {
            case "delete":
                guard let value = map[mergeKey] else { throw Failure.noMergeKey(map, mergeKey) }
                var kept: [JSONValue] = []
                for (i, element) in current.enumerated() {
                    guard let object = element.objectValue else { throw Failure(.other, "value for key \(i) is not a map.") }
                    if object[mergeKey] != value { kept.append(element) }
                }
                current = kept
            case "replace":
                replace = true
            case "merge":
                throw Failure(.other, "merging lists cannot yet be specified in the patch")
            default:
                throw Failure.badPatchType(directive, map)
            }
        }
        if replace { return (rest.compactMap { clean($0) }, []) }
        return (current, rest)
    }

    /// Merges each patch item into the original item with the same key, or appends it.
    private static func mergeByKey(_ original: [JSONValue], _ patch: [JSONValue], mergeKey: String, element: SchemaNode) throws(Failure) -> [JSONValue] {
        var out = original
        for item in patch {
            guard let map = item.objectValue else { throw Failure.badArgType(expected: "map[string]interface {}", item) }
            guard let value = map[mergeKey] else { throw Failure.noMergeKey(map, mergeKey) }
            var found: Int?
            for (i, candidate) in out.enumerated() {
                guard let object = candidate.objectValue else { throw Failure(.other, "value for key \(i) is not a map.") }
                if object[mergeKey] == value {
                    found = i
                    break
                }
            }
            if let found, let existing = out[found].objectValue {
                out[found] = .object(try mergeMap(existing, map, element))
            } else if let cleaned = clean(item) {
                out.append(cleaned)
            }
        }
        return out
    }

    /// Splits merged items into those present in `list` and the rest, keeping their order.
    private static func partition(_ merged: [JSONValue], by list: [JSONValue], mergeKey: String?) throws(Failure) -> ([JSONValue], [JSONValue]) {
        var present: [JSONValue] = []
        var absent: [JSONValue] = []
        guard let mergeKey else {
            let members = Set(list)
            for item in merged {
                if members.contains(item) { present.append(item) } else { absent.append(item) }
            }
            return (present, absent)
        }
        for item in merged {
            guard let map = item.objectValue else { throw Failure.badArgType(expected: "map[string]interface {}", item) }
            guard let value = map[mergeKey] else { throw Failure.noMergeKey(map, mergeKey) }
            var found = false
            for candidate in list {
                guard let object = candidate.objectValue else { throw Failure(.other, "value for key \(mergeKey) is not a map.") }
                if object[mergeKey] == value {
                    found = true
                    break
                }
            }
            if found { present.append(item) } else { absent.append(item) }
        }
        return (present, absent)
    }

    /// Sorts patch items by the patch order and server-only items by the live
    /// order, then interleaves them, live order deciding where both are known.
    private static func normalizeOrder(_ patchItems: [JSONValue], _ serverOnly: [JSONValue], patchOrder: [JSONValue],
                                       serverOrder: [JSONValue], mergeKey: String?, kind: ElementKind) throws(Failure) -> [JSONValue] {
        let left = try sortByOrder(serverOnly, serverOrder, mergeKey: mergeKey, kind: kind)
        let right = try sortByOrder(patchItems, patchOrder, mergeKey: mergeKey, kind: kind)
        var out: [JSONValue] = []
        var i = 0
        var j = 0
        while i < left.count || j < right.count {
            if i >= left.count {
                out.append(right[j])
                j += 1
            } else if j >= right.count {
                out.append(left[i])
                i += 1
            } else {
                let li = index(of: left[i], in: serverOrder, mergeKey: mergeKey, kind: kind)
                let ri = index(of: right[j], in: serverOrder, mergeKey: mergeKey, kind: kind)
                if let li, let ri, li < ri {
                    out.append(left[i])
                    i += 1
                } else {
                    out.append(right[j])
                    j += 1
                }
            }
        }
        return out
    }

    private static func sortByOrder(_ items: [JSONValue], _ order: [JSONValue], mergeKey: String?, kind: ElementKind) throws(Failure) -> [JSONValue] {
        var toSort = items
        var deletions: [JSONValue] = []
        if kind == .map, let mergeKey {
            for item in items + order {
                guard let map = item.objectValue else { throw Failure.badArgType(expected: "map[string]interface {}", item) }
                if map[mergeKey] == nil { throw Failure.noMergeKey(map, mergeKey) }
            }
            (toSort, deletions) = try splitDeletions(items)
        }
        let positioned = toSort.enumerated().map { (offset, item) in
            (offset, index(of: item, in: order, mergeKey: mergeKey, kind: kind) ?? Int.max, item)
        }
        let sorted = positioned.sorted { a, b in a.1 != b.1 ? a.1 < b.1 : a.0 < b.0 }
        return sorted.map(\.2) + deletions
    }

    private static func index(of item: JSONValue, in list: [JSONValue], mergeKey: String?, kind: ElementKind) -> Int? {
        guard kind == .map, let mergeKey else { return list.firstIndex(of: item) }
        let value = item[mergeKey]
        return list.firstIndex { $0[mergeKey] == value }
    }

    private static func splitDeletions(_ items: [JSONValue]) throws(Failure) -> (keep: [JSONValue], delete: [JSONValue]) {
        var keep: [JSONValue] = []
        var delete: [JSONValue] = []
        for item in items {
            guard let map = item.objectValue else { throw Failure.badArgType(expected: "map[string]interface {}", item) }
            if map[directiveMarker] == "delete" { delete.append(item) } else { keep.append(item) }
        }
        return (keep, delete)
    }

    private static func isDirective(_ item: JSONValue) -> Bool {
        item.objectValue?[directiveMarker] != nil
    }

    // MARK: Values taken from the patch

    /// A patch value taken as is: `null` members and maps carrying `$patch` dropped,
    /// other directive keys removed (the typed object upstream cannot hold them).
    static func clean(_ value: JSONValue) -> JSONValue? {
        switch value {
        case .object(let map):
            if map[directiveMarker] != nil { return nil }
            var out = JSONObject()
            for (key, child) in map where !key.hasPrefix("$") && !child.isNull {
                if let kept = clean(child) { out[key] = kept }
            }
            return .object(out)
        case .array(let items):
            return .array(items.compactMap { clean($0) })
        default:
            return value
        }
    }

    private static func sameKind(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object, .object), (.array, .array): return true
        case (.object, _), (_, .object), (.array, _), (_, .array): return false
        default: return true
        }
    }
}

/// How Go's `%v` prints decoded JSON (`map[k:v]`, `[a b]`, bare strings) and
/// the Go type names of such values, for messages that quote patch content.
enum GoValue {
    static func render(_ value: JSONValue) -> String {
        switch value {
        case .null: return "<nil>"
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .double(let d): return d.rounded() == d && abs(d) < 1e21 ? String(Int64(d)) : String(d)
        case .string(let s): return s
        case .array(let items): return "[" + items.map(render).joined(separator: " ") + "]"
        case .object(let map):
            let keys = map.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            return "map[" + keys.map { "\($0):\(render(map[$0] ?? .null))" }.joined(separator: " ") + "]"
        }
    }

    static func typeName(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return "<nil>"
        case .bool?: return "bool"
        case .int?: return "int64"
        case .double?: return "float64"
        case .string?: return "string"
        case .array?: return "[]interface {}"
        case .object?: return "map[string]interface {}"
        }
    }

    static func jsonKind(_ value: JSONValue) -> String {
        switch value {
        case .array: return "array"
        case .string: return "string"
        case .bool: return "bool"
        case .int, .double: return "number"
        case .null: return "null"
        case .object: return "object"
        }
    }
}
