//! JSON Patch (RFC 6902, `application/json-patch+json`) and JSON Pointer
//! (RFC 6901): decoding a patch document, applying it atomically, and the
//! `Status` kube-apiserver answers when a patch is malformed or does not apply.
import Foundation

/// Why a JSON patch was rejected. `kind` decides the HTTP status (see `apiError`);
/// `message` describes the problem (modelled on `evanphx/json-patch`, which
/// kube-apiserver uses).
public struct JSONPatchError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The patch document is not a JSON array of objects: 400 Bad Request.
        case malformed
        /// More than `JSONPatch.maxOperations` operations: 413 Request Entity Too Large.
        case tooManyOperations
        /// An operation is incomplete or does not apply (missing path, bad
        /// index, failed `test`, ...): 422 Unprocessable Entity.
        case unprocessable
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// The `Status` kube-apiserver returns for this error:
    /// - malformed: 400 `BadRequest` with the decoding message;
    /// - too many operations: 413 `RequestEntityTooLarge`,
    ///   `Request entity too large: The allowed maximum operations in a JSON patch is 10000, got N`;
    /// - does not apply (including a failed `test`): 422 `Invalid` with the
    ///   generic message `the server rejected our request due to an error in our request`
    ///   and empty details (kube-apiserver does not pass the patch library's message on).
    public var apiError: APIError {
        switch kind {
        case .malformed:
            return .badRequest(message)
        case .tooManyOperations:
            return APIError(APIStatus(message: "Request entity too large: \(message)", reason: .requestEntityTooLarge, code: 413))
        case .unprocessable:
            return APIError(APIStatus(
                message: "the server rejected our request due to an error in our request",
                reason: .invalid, details: StatusDetails(), code: 422))
        }
    }
}

// MARK: - JSON Pointer

/// An RFC 6901 JSON Pointer: `""` is the whole document, `/a/0/b~1c` has the
/// tokens `a`, `0`, `b/c` (`~1` is `/`, `~0` is `~`).
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    public let tokens: [String]

    public init(tokens: [String]) { self.tokens = tokens }

    /// The root pointer `""`.
    public static let root = JSONPointer(tokens: [])

    /// Parses a pointer; it must be empty or start with `/`, and `~` must be followed by `0` or `1`.
    public init(parsing text: String) throws(JSONPatchError) {
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else {
            throw JSONPatchError(.unprocessable, "JSON pointer must be empty or start with '/': \(text.goQuoted)")
        }
        var result: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var escape = false
            for character in raw {
                if escape {
                    switch character {
                    case "0": token.append("~")
                    case "1": token.append("/")
                    default: throw JSONPatchError(.unprocessable, "invalid escape in JSON pointer \(text.goQuoted): '~' must be followed by '0' or '1'")
                    }
                    escape = false
                } else if character == "~" {
                    escape = true
                } else {
                    token.append(character)
                }
            }
            if escape { throw JSONPatchError(.unprocessable, "invalid escape in JSON pointer \(text.goQuoted): '~' must be followed by '0' or '1'") }
            result.append(token)
        }
        tokens = result
    }

    /// Escapes one token (`~` → `~0`, `/` → `~1`).
    public static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// A pointer one level deeper.
    public func appending(_ token: String) -> JSONPointer { JSONPointer(tokens: tokens + [token]) }

    /// The pointer text, e.g. `/metadata/labels/app.kubernetes.io~1name`.
    public var description: String { tokens.map { "/" + Self.escape($0) }.joined() }

    /// The value the pointer refers to, or nil when it does not exist.
    public func resolve(in document: JSONValue) -> JSONValue? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Self.arrayIndex(token), index < elements.count else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// An array index token: `0` or digits without a leading zero.
    static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              token == "0" || !token.hasPrefix("0") else { return nil }
        return Int(token)
    }
}

// MARK: - Operations

/// One RFC 6902 operation.
public struct JSONPatchOperation: Sendable, Hashable {
    public enum Op: String, Sendable, Hashable, CaseIterable {
        case add, remove, replace, move, copy, test
    }

    public var op: Op
    public var path: JSONPointer
    /// The source of `move` and `copy`.
    public var from: JSONPointer?
    /// The value of `add`, `replace` and `test`.
    public var value: JSONValue?

    public init(op: Op, path: JSONPointer, from: JSONPointer? = nil, value: JSONValue? = nil) {
        self.op = op
        self.path = path
        self.from = from
        self.value = value
    }

    public static func add(_ path: JSONPointer, _ value: JSONValue) -> JSONPatchOperation { .init(op: .add, path: path, value: value) }
    public static func remove(_ path: JSONPointer) -> JSONPatchOperation { .init(op: .remove, path: path) }
    public static func replace(_ path: JSONPointer, _ value: JSONValue) -> JSONPatchOperation { .init(op: .replace, path: path, value: value) }
    public static func move(from: JSONPointer, to path: JSONPointer) -> JSONPatchOperation { .init(op: .move, path: path, from: from) }
    public static func copy(from: JSONPointer, to path: JSONPointer) -> JSONPatchOperation { .init(op: .copy, path: path, from: from) }
    public static func test(_ path: JSONPointer, _ value: JSONValue) -> JSONPatchOperation { .init(op: .test, path: path, value: value) }

    /// The operation as a JSON object.
    public var json: JSONValue {
        var object: JSONObject = ["op": .string(op.rawValue), "path": .string(path.description)]
        if let from { object["from"] = .string(from.description) }
        if let value { object["value"] = value }
        return .object(object)
    }
}

// MARK: - Patch

/// An RFC 6902 JSON patch: a list of operations applied in order, all or nothing.
public struct JSONPatch: Sendable, Hashable {
    /// kube-apiserver's limit on the number of operations in one patch.
    public static let maxOperations = 10_000

    public var operations: [JSONPatchOperation]

    public init(_ operations: [JSONPatchOperation]) { self.operations = operations }

    /// Decodes a patch document. A document that is not an array of objects is
    /// `malformed` (`null` is the empty patch); more than 10000 operations is
    /// `tooManyOperations`; an unknown `op` (`Unexpected kind: <op>`), a missing
    /// or invalid `path`/`from`, or a missing `value` is `unprocessable`.
    public init(json: JSONValue) throws(JSONPatchError) {
        let items: [JSONValue]
        switch json {
        case .null: items = []
        case .array(let a): items = a
        default: throw JSONPatchError(.malformed, "json: cannot unmarshal \(Self.goKind(json)) into Go value of type jsonpatch.Patch")
        }
        if items.count > Self.maxOperations {
            throw JSONPatchError(.tooManyOperations, "The allowed maximum operations in a JSON patch is \(Self.maxOperations), got \(items.count)")
        }
        var operations: [JSONPatchOperation] = []
        for item in items {
            guard case .object(let fields) = item else {
                throw JSONPatchError(.malformed, "json: cannot unmarshal \(Self.goKind(item)) into Go value of type jsonpatch.Operation")
            }
            guard let name = fields["op"]?.stringValue, let op = JSONPatchOperation.Op(rawValue: name) else {
                throw JSONPatchError(.unprocessable, "Unexpected kind: \(fields["op"]?.stringValue ?? "unknown")")
            }
            func pointer(_ field: String) throws(JSONPatchError) -> JSONPointer {
                guard let text = fields[field]?.stringValue else {
                    throw JSONPatchError(.unprocessable, "\(op.rawValue) operation failed to decode \(field): operation missing \(field) field: missing value")
                }
                return try JSONPointer(parsing: text)
            }
            let path = try pointer("path")
            var operation = JSONPatchOperation(op: op, path: path)
            switch op {
            case .move, .copy:
                operation.from = try pointer("from")
            case .add, .replace, .test:
                guard let value = fields["value"] else {
                    throw JSONPatchError(.unprocessable, "\(op.rawValue) operation missing value")
                }
                operation.value = value
            case .remove:
                break
            }
            operations.append(operation)
        }
        self.operations = operations
    }

    /// Decodes a patch from request bytes; invalid JSON is `malformed`.
    public init(data: Data) throws(JSONPatchError) {
        let json: JSONValue
        do {
            json = try JSONValue.parse(data)
        } catch {
            throw JSONPatchError(.malformed, "invalid JSON patch document: \(error.localizedDescription)")
        }
        try self.init(json: json)
    }

    /// The patch as a JSON array.
    public var json: JSONValue { .array(operations.map(\.json)) }

    /// Applies the operations in order to a copy of `document` and returns it.
    /// Atomic: on any failure the error is thrown and nothing is returned
    /// (the input, a value, is never modified). `test` compares numbers by value
    /// (`1` equals `1.0`) and objects regardless of member order.
    public func apply(to document: JSONValue) throws(JSONPatchError) -> JSONValue {
        var result = document
        for operation in operations {
            try Self.apply(operation, to: &result)
        }
        return result
    }

    // MARK: Operation semantics

    private static func apply(_ operation: JSONPatchOperation, to document: inout JSONValue) throws(JSONPatchError) {
        let path = operation.path
        switch operation.op {
        case .add:
            try add(operation.value ?? .null, at: path, in: &document, op: "add")
        case .remove:
            _ = try remove(at: path, in: &document, op: "remove")
        case .replace:
            guard path.resolve(in: document) != nil else {
                throw JSONPatchError(.unprocessable, "replace operation does not apply: doc is missing key: \(path): missing value")
            }
            if path.tokens.isEmpty {
                document = operation.value ?? .null
            } else {
                _ = try remove(at: path, in: &document, op: "replace")
                try add(operation.value ?? .null, at: path, in: &document, op: "replace")
            }
        case .move:
            let from = operation.from ?? .root
            guard from.resolve(in: document) != nil else {
                throw JSONPatchError(.unprocessable, "move operation does not apply: doc is missing from path: \(from): missing value")
            }
            if from == path { return }
            if path.tokens.count > from.tokens.count && Array(path.tokens.prefix(from.tokens.count)) == from.tokens {
                throw JSONPatchError(.unprocessable, "move operation does not apply: cannot move \(from.description.goQuoted) into its own child \(path.description.goQuoted)")
            }
            let value = try remove(at: from, in: &document, op: "move", missing: "from path")
            try add(value, at: path, in: &document, op: "move")
        case .copy:
            let from = operation.from ?? .root
            guard let value = from.resolve(in: document) else {
                throw JSONPatchError(.unprocessable, "copy operation does not apply: doc is missing from path: \(from.description.goQuoted): missing value")
            }
            try add(value, at: path, in: &document, op: "copy")
        case .test:
            let actual = path.resolve(in: document)
            guard let actual, jsonEqual(actual, operation.value ?? .null) else {
                throw JSONPatchError(.unprocessable, "testing value \(path) failed: test failed")
            }
        }
    }

    private static func missing(_ op: String, _ what: String, _ path: JSONPointer) -> JSONPatchError {
        JSONPatchError(.unprocessable, "\(op) operation does not apply: doc is missing \(what): \(path.description.goQuoted): missing value")
    }

    /// RFC 6902 `add`: sets a member, inserts into an array (`-` appends), or replaces the root.
    private static func add(_ value: JSONValue, at path: JSONPointer, in document: inout JSONValue, op: String) throws(JSONPatchError) {
        guard let last = path.tokens.last else {
            document = value
            return
        }
        try withParent(of: path, in: &document, error: missing(op, "path", path)) { (parent: inout JSONValue) throws(JSONPatchError) in
            switch parent {
            case .object(var members):
                parent = .null
                members[last] = value
                parent = .object(members)
            case .array(var elements):
                let index: Int
                if last == "-" {
                    index = elements.count
                } else if let i = JSONPointer.arrayIndex(last), i <= elements.count {
                    index = i
                } else {
                    throw JSONPatchError(.unprocessable, "Unable to access invalid index: \(last): invalid index referenced")
                }
                parent = .null
                elements.insert(value, at: index)
                parent = .array(elements)
            default:
                throw missing(op, "path", path)
            }
        }
    }

    /// RFC 6902 `remove`: the target must exist; returns the removed value.
    private static func remove(at path: JSONPointer, in document: inout JSONValue, op: String, missing what: String = "path") throws(JSONPatchError) -> JSONValue {
        guard let last = path.tokens.last else {
            throw JSONPatchError(.unprocessable, "\(op) operation does not apply: cannot remove the whole document")
        }
        var removed: JSONValue = .null
        let notFound = missing(op, what, path)
        try withParent(of: path, in: &document, error: notFound) { (parent: inout JSONValue) throws(JSONPatchError) in
            switch parent {
            case .object(var members):
                guard let value = members[last] else { throw notFound }
                removed = value
                parent = .null
                members[last] = nil
                parent = .object(members)
            case .array(var elements):
                guard let index = JSONPointer.arrayIndex(last), index < elements.count else {
                    throw JSONPatchError(.unprocessable, "Unable to access invalid index: \(last): invalid index referenced")
                }
                removed = elements[index]
                parent = .null
                elements.remove(at: index)
                parent = .array(elements)
            default:
                throw notFound
            }
        }
        return removed
    }

    /// Runs `body` on the container holding the pointer's last token, writing changes back up.
    private static func withParent(
        of path: JSONPointer, in document: inout JSONValue, error: JSONPatchError,
        _ body: (inout JSONValue) throws(JSONPatchError) -> Void
    ) throws(JSONPatchError) {
        try descend(path.tokens.dropLast(), in: &document, error: error, body)
    }

    private static func descend(
        _ tokens: ArraySlice<String>, in node: inout JSONValue, error: JSONPatchError,
        _ body: (inout JSONValue) throws(JSONPatchError) -> Void
    ) throws(JSONPatchError) {
        guard let head = tokens.first else {
            try body(&node)
            return
        }
        switch node {
        case .object(var members):
            guard var child = members[head] else { throw error }
            node = .null  // release the storage so the child is uniquely referenced
            members[head] = nil
            defer {
                members[head] = child
                node = .object(members)
            }
            try descend(tokens.dropFirst(), in: &child, error: error, body)
        case .array(var elements):
            guard let index = JSONPointer.arrayIndex(head), index < elements.count else { throw error }
            var child = elements[index]
            node = .null
            elements[index] = .null
            defer {
                elements[index] = child
                node = .array(elements)
            }
            try descend(tokens.dropFirst(), in: &child, error: error, body)
        default:
            throw error
        }
    }

    /// JSON equality: numbers by value, arrays in order, objects by members.
    static func jsonEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y
        case (.int, .double), (.double, .int), (.double, .double): return a.doubleValue == b.doubleValue
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { jsonEqual($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { jsonEqual(value, $0) } ?? false }
        default:
            return a == b
        }
    }

    private static func goKind(_ value: JSONValue) -> String {
        switch value {
        case .object: return "object"
        case .array: return "array"
        case .string: return "string"
        case .int, .double: return "number"
        case .bool: return "bool"
        case .null: return "null"
        }
    }
}
