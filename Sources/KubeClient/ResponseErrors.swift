//! Turning failed responses into `APIError`: the server's `Status` when the
//! body is one, otherwise a Status synthesised from the HTTP code with
//! client-go's wording (`NewGenericServerResponse`). Also parses `Warning`
//! and `Retry-After` headers.
import Foundation
import KubeCore

public enum ResponseErrors {
    /// The most of a non-Status body quoted in a synthesised message (client-go's limit).
    static let maxUnstructuredBodyBytes = 2048

    /// The error for a non-2xx response.
    ///
    /// A `Status` body is kept intact (its code filled from the response if
    /// missing). Any other body yields client-go's generic message for the
    /// code, a cause of type `UnexpectedServerResponse` quoting text bodies,
    /// and `retryAfterSeconds` from a `Retry-After` header.
    /// - Parameters:
    ///   - resource: the resource addressed, for the `(verb resource name)` suffix.
    public static func apiError(
        status code: Int, headers: HTTPHeaders, body: Data, method: HTTPMethod,
        resource: GroupResource? = nil, name: String? = nil
    ) -> APIError {
        if let value = try? JSONValue.parse(body), var status = decodeStatus(value) {
            if status.code == 0 { status.code = code }
            return APIError(status)
        }
        let isText = headers["Content-Type"]?.lowercased().hasPrefix("text/") ?? false
        let serverMessage = isText
            ? String(decoding: body.prefix(maxUnstructuredBodyBytes), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            : "unknown"
        return genericServerResponse(
            code: code, method: method, resource: resource, name: name, serverMessage: serverMessage,
            retryAfterSeconds: retryAfterSeconds(headers))
    }

    /// Reads a `Status` object leniently: any JSON object of kind `Status`
    /// with missing fields defaulted. `nil` for anything else.
    public static func decodeStatus(_ value: JSONValue) -> APIStatus? {
        guard value["kind"]?.stringValue == "Status" else { return nil }
        var status = APIStatus(
            status: value["status"]?.stringValue ?? "Failure",
            message: value["message"]?.stringValue,
            reason: value["reason"]?.stringValue.map { StatusReason(rawValue: $0) ?? .unknown },
            details: try? value["details"]?.decode(StatusDetails.self),
            code: Int(value["code"]?.intValue ?? 0))
        status.apiVersion = value["apiVersion"]?.stringValue ?? "v1"
        status.metadata = value["metadata"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
        return status
    }

    /// client-go's `NewGenericServerResponse` for a response without a Status body.
    static func genericServerResponse(
        code: Int, method: HTTPMethod, resource: GroupResource?, name: String?, serverMessage: String,
        retryAfterSeconds: Int?
    ) -> APIError {
        var reason = StatusReason.unknown
        var message = "the server responded with the status code \(code) but did not return more information"
        switch code {
        case 409:
            reason = method == .post ? .alreadyExists : .conflict
            message = "the server reported a conflict"
        case 404:
            reason = .notFound
            message = "the server could not find the requested resource"
        case 400:
            reason = .badRequest
            message = "the server rejected our request for an unknown reason"
        case 401:
            reason = .unauthorized
            message = "the server has asked for the client to provide credentials"
        case 403:
            reason = .forbidden
            message = serverMessage
        case 406:
            reason = .notAcceptable
            message = serverMessage.isEmpty || serverMessage == "unknown"
                ? "the server was unable to respond with a content type that the client supports" : serverMessage
        case 415:
            reason = .unsupportedMediaType
            message = serverMessage
        case 405:
            reason = .methodNotAllowed
            message = "the server does not allow this method on the requested resource"
        case 422:
            reason = .invalid
            message = "the server rejected our request due to an error in our request"
        case 503:
            reason = .serviceUnavailable
            message = "the server is currently unable to handle the request"
        case 504:
            reason = .timeout
            message = "the server was unable to return a response in the time allotted, but may still be processing the request"
        case 429:
            reason = .tooManyRequests
            message = "the server has received too many requests and has asked us to try again later"
        default:
            if code >= 500 {
                reason = .internalError
                message = "an error on the server (\(serverMessage.goQuoted)) has prevented the request from succeeding"
            }
        }
        if let resource, !resource.resource.isEmpty {
            let verb = method.rawValue.lowercased()
            if let name, !name.isEmpty {
                message += " (\(verb) \(resource) \(name))"
            } else {
                message += " (\(verb) \(resource))"
            }
        }
        let details = StatusDetails(
            name: name, group: resource?.group, kind: resource?.resource,
            causes: [StatusCause(reason: "UnexpectedServerResponse", message: serverMessage)],
            retryAfterSeconds: retryAfterSeconds)
        return APIError(APIStatus(message: message, reason: reason, details: details, code: code))
    }


    /// The `Retry-After` header in whole seconds (the delay form only, as client-go reads it).
    public static func retryAfterSeconds(_ headers: HTTPHeaders) -> Int? {
        guard let raw = headers["Retry-After"]?.trimmingCharacters(in: .whitespaces), let seconds = Int(raw), seconds >= 0 else {
            return nil
        }
        return seconds
    }

    /// The text of a `Warning` header (`299 - "text"`, RFC 7234 §5.5), or the
    /// raw value when it does not have that shape.
    public static func warningText(_ value: String) -> String {
        let parts = value.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 3, parts[0].allSatisfy(\.isNumber) else { return value }
        var text = Substring(parts[2])
        guard text.first == "\"" else { return value }
        text.removeFirst()
        var out = ""
        var escaped = false
        for character in text {
            if escaped {
                out.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                return out
            } else {
                out.append(character)
            }
        }
        return value
    }
}
