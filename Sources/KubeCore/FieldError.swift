//! Field errors with kube-apiserver's wording (`k8s.io/apimachinery/pkg/util/validation/field`).
//!
//! Validation code collects `FieldError`s; `APIError.invalid` turns them into
//! a 422 `Status` whose causes name each field.

/// A path to a field, rendered as `spec.containers[0].name` or `metadata.labels[app]`.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    public private(set) var description: String

    public init(_ root: String = "") { description = root }

    public func child(_ name: String) -> FieldPath {
        FieldPath(description.isEmpty ? name : "\(description).\(name)")
    }

    public func index(_ i: Int) -> FieldPath { FieldPath("\(description)[\(i)]") }

    public func key(_ k: String) -> FieldPath { FieldPath("\(description)[\(k)]") }
}

/// One invalid field.
public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var field: String
    /// The full message without the field prefix, e.g. `Required value`.
    public var message: String

    public init(reason: String, field: String, message: String) {
        self.reason = reason
        self.field = field
        self.message = message
    }

    public var description: String { field.isEmpty ? message : "\(field): \(message)" }

    public var cause: StatusCause { StatusCause(reason: reason, message: message, field: field) }

    // MARK: Constructors

    public static func required(_ path: FieldPath, _ detail: String = "") -> FieldError {
        FieldError(reason: FieldErrorReason.required, field: path.description, message: detail.isEmpty ? "Required value" : "Required value: \(detail)")
    }

    public static func invalid(_ path: FieldPath, _ value: JSONValue?, _ detail: String) -> FieldError {
        var message = "Invalid value"
        if let value { message += ": \(renderValue(value))" }
        if !detail.isEmpty { message += ": \(detail)" }
        return FieldError(reason: FieldErrorReason.invalid, field: path.description, message: message)
    }

    public static func notSupported(_ path: FieldPath, _ value: JSONValue, _ supported: [String]) -> FieldError {
        var message = "Unsupported value: \(renderValue(value))"
        if !supported.isEmpty {
            message += ": supported values: " + supported.map { "\"\($0)\"" }.joined(separator: ", ")
        }
        return FieldError(reason: FieldErrorReason.notSupported, field: path.description, message: message)
    }

    public static func forbidden(_ path: FieldPath, _ detail: String) -> FieldError {
        FieldError(reason: FieldErrorReason.forbidden, field: path.description, message: "Forbidden: \(detail)")
    }

    public static func duplicate(_ path: FieldPath, _ value: JSONValue) -> FieldError {
        FieldError(reason: FieldErrorReason.duplicate, field: path.description, message: "Duplicate value: \(renderValue(value))")
    }

    public static func tooLong(_ path: FieldPath, maxLength: Int) -> FieldError {
        FieldError(reason: FieldErrorReason.tooLong, field: path.description, message: "Too long: may not be more than \(maxLength) bytes")
    }

    public static func tooMany(_ path: FieldPath, actual: Int, max: Int) -> FieldError {
        FieldError(reason: FieldErrorReason.tooMany, field: path.description, message: "Too many: \(actual): must have at most \(max) items")
    }

    public static func typeInvalid(_ path: FieldPath, _ value: JSONValue, _ detail: String) -> FieldError {
        FieldError(reason: FieldErrorReason.typeInvalid, field: path.description, message: "Invalid value: \(renderValue(value)): \(detail)")
    }

    public static func unknownField(_ path: FieldPath) -> FieldError {
        FieldError(reason: FieldErrorReason.unknownField, field: path.description, message: "unknown field \"\(path.description)\"")
    }

    /// Values render as kube-apiserver renders them: strings quoted, numbers bare,
    /// objects and arrays abbreviated.
    static func renderValue(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return "\"\(s)\""
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return String(b)
        case .null: return "null"
        case .array: return "[]" + (value.jsonString().count > 2 ? "..." : "")
        case .object: return "\"object\""
        }
    }
}

extension APIError {
    /// A 422 Invalid from field errors.
    public static func invalid(_ kind: GroupKind, name: String, errors: [FieldError]) -> APIError {
        invalid(kind, name: name, causes: errors.map(\.cause))
    }
}
