//! The `Status` object of `meta.k8s.io/v1`: how the API reports failures, and
//! the error type both the server and the client use to carry one.

/// Machine-readable reasons of a failed `Status` (`metav1.StatusReason`).
public enum StatusReason: String, Codable, Sendable, Hashable {
    case unknown = ""
    case unauthorized = "Unauthorized"
    case forbidden = "Forbidden"
    case notFound = "NotFound"
    case alreadyExists = "AlreadyExists"
    case conflict = "Conflict"
    case gone = "Gone"
    case invalid = "Invalid"
    case serverTimeout = "ServerTimeout"
    case timeout = "Timeout"
    case tooManyRequests = "TooManyRequests"
    case badRequest = "BadRequest"
    case methodNotAllowed = "MethodNotAllowed"
    case notAcceptable = "NotAcceptable"
    case requestEntityTooLarge = "RequestEntityTooLarge"
    case unsupportedMediaType = "UnsupportedMediaType"
    case internalError = "InternalError"
    case expired = "Expired"
    case serviceUnavailable = "ServiceUnavailable"

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        self = StatusReason(rawValue: raw) ?? .unknown
    }
}

/// One cause of an `Invalid` (or other) failure, naming the field.
public struct StatusCause: Codable, Sendable, Hashable {
    /// `FieldValueRequired`, `FieldValueInvalid`, `FieldValueNotSupported`, ...
    public var reason: String?
    public var message: String?
    public var field: String?

    public init(reason: String? = nil, message: String? = nil, field: String? = nil) {
        self.reason = reason
        self.message = message
        self.field = field
    }
}

/// `status.details`.
public struct StatusDetails: Codable, Sendable, Hashable {
    public var name: String?
    public var group: String?
    public var kind: String?
    public var uid: String?
    public var causes: [StatusCause]?
    public var retryAfterSeconds: Int?

    public init(name: String? = nil, group: String? = nil, kind: String? = nil, uid: String? = nil, causes: [StatusCause]? = nil, retryAfterSeconds: Int? = nil) {
        self.name = name
        self.group = group
        self.kind = kind
        self.uid = uid
        self.causes = causes
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// A `meta.k8s.io/v1` `Status`.
public struct APIStatus: Codable, Sendable, Hashable {
    public var kind: String = "Status"
    public var apiVersion: String = "v1"
    public var metadata: [String: String] = [:]
    /// `Success` or `Failure`.
    public var status: String
    public var message: String?
    public var reason: StatusReason?
    public var details: StatusDetails?
    public var code: Int

    public init(status: String = "Failure", message: String?, reason: StatusReason?, details: StatusDetails? = nil, code: Int) {
        self.status = status
        self.message = message
        self.reason = reason
        self.details = details
        self.code = code
    }

    /// A success status, as returned by some deletes.
    public static func success(details: StatusDetails? = nil) -> APIStatus {
        APIStatus(status: "Success", message: nil, reason: nil, details: details, code: 200)
    }
}

/// An API failure carrying the server's `Status` intact.
public struct APIError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: APIStatus

    public init(_ status: APIStatus) { self.status = status }

    public var code: Int { status.code }
    public var reason: StatusReason { status.reason ?? .unknown }
    public var message: String { status.message ?? "" }
    public var description: String { message.isEmpty ? "HTTP \(code) \(reason.rawValue)" : message }
}

// MARK: - Constructors with kube-apiserver's messages

extension APIError {
    public static func notFound(_ resource: GroupResource, name: String) -> APIError {
        APIError(APIStatus(
            message: "\(resource) \"\(name)\" not found", reason: .notFound,
            details: StatusDetails(name: name, group: resource.group, kind: resource.resource), code: 404))
    }

    public static func alreadyExists(_ resource: GroupResource, name: String) -> APIError {
        APIError(APIStatus(
            message: "\(resource) \"\(name)\" already exists", reason: .alreadyExists,
            details: StatusDetails(name: name, group: resource.group, kind: resource.resource), code: 409))
    }

    public static func conflict(_ resource: GroupResource, name: String, message: String) -> APIError {
        APIError(APIStatus(
            message: "Operation cannot be fulfilled on \(resource) \"\(name)\": \(message)", reason: .conflict,
            details: StatusDetails(name: name, group: resource.group, kind: resource.resource), code: 409))
    }

    /// The optimistic-concurrency conflict.
    public static func modified(_ resource: GroupResource, name: String) -> APIError {
        conflict(resource, name: name, message: "the object has been modified; please apply your changes to the latest version and try again")
    }

    public static func invalid(_ kind: GroupKind, name: String, causes: [StatusCause]) -> APIError {
        let rendered = causes.map { cause -> String in
            let field = cause.field ?? ""
            let message = cause.message ?? ""
            return field.isEmpty ? message : "\(field): \(message)"
        }
        let summary = rendered.count == 1 ? rendered[0] : "[" + rendered.joined(separator: ", ") + "]"
        return APIError(APIStatus(
            message: "\(kind) \"\(name)\" is invalid: \(summary)", reason: .invalid,
            details: StatusDetails(name: name, group: kind.group, kind: kind.kind, causes: causes), code: 422))
    }

    public static func badRequest(_ message: String) -> APIError {
        APIError(APIStatus(message: message, reason: .badRequest, code: 400))
    }

    public static func forbidden(_ message: String, resource: GroupResource? = nil, name: String? = nil) -> APIError {
        APIError(APIStatus(
            message: message, reason: .forbidden,
            details: resource.map { StatusDetails(name: name, group: $0.group, kind: $0.resource) }, code: 403))
    }

    public static func unauthorized() -> APIError {
        APIError(APIStatus(message: "Unauthorized", reason: .unauthorized, code: 401))
    }

    public static func gone(_ message: String) -> APIError {
        APIError(APIStatus(message: message, reason: .expired, code: 410))
    }

    public static func methodNotAllowed(_ message: String) -> APIError {
        APIError(APIStatus(message: message, reason: .methodNotAllowed, code: 405))
    }

    public static func notAcceptable(_ message: String) -> APIError {
        APIError(APIStatus(message: message, reason: .notAcceptable, code: 406))
    }

    public static func unsupportedMediaType(_ message: String) -> APIError {
        APIError(APIStatus(message: message, reason: .unsupportedMediaType, code: 415))
    }

    /// A request body over the server's limit (kube-apiserver: 3 MiB).
    public static func requestEntityTooLarge(limit: Int) -> APIError {
        APIError(APIStatus(message: "Request entity too large: limit is \(limit)", reason: .requestEntityTooLarge, code: 413))
    }

    public static func tooManyRequests(_ message: String = "Too many requests, please try again later.", retryAfterSeconds: Int) -> APIError {
        APIError(APIStatus(
            message: message, reason: .tooManyRequests,
            details: StatusDetails(retryAfterSeconds: retryAfterSeconds), code: 429))
    }

    public static func internalError(_ message: String) -> APIError {
        APIError(APIStatus(message: "Internal error occurred: \(message)", reason: .internalError, code: 500))
    }

    public static func serviceUnavailable(_ message: String) -> APIError {
        APIError(APIStatus(message: message, reason: .serviceUnavailable, code: 503))
    }

    /// A status for any HTTP code, as fault injection produces.
    public static func http(_ code: Int, message: String) -> APIError {
        let reason: StatusReason = switch code {
        case 400: .badRequest
        case 401: .unauthorized
        case 403: .forbidden
        case 404: .notFound
        case 409: .conflict
        case 410: .expired
        case 422: .invalid
        case 429: .tooManyRequests
        case 500: .internalError
        case 503: .serviceUnavailable
        case 504: .timeout
        default: .unknown
        }
        return APIError(APIStatus(message: message, reason: reason, code: code))
    }
}

/// Field error reasons as kube-apiserver names them in `StatusCause.reason`.
public enum FieldErrorReason {
    public static let required = "FieldValueRequired"
    public static let invalid = "FieldValueInvalid"
    public static let notSupported = "FieldValueNotSupported"
    public static let duplicate = "FieldValueDuplicate"
    public static let forbidden = "FieldValueForbidden"
    public static let tooLong = "FieldValueTooLong"
    public static let tooMany = "FieldValueTooMany"
    public static let typeInvalid = "FieldValueTypeInvalid"
    public static let unknownField = "FieldValueUnknown"
}
