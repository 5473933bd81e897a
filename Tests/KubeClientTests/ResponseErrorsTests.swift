//! Pure response-side logic: Status bodies into APIError, client-go's
//! messages for other bodies, Warning and Retry-After headers, the retry
//! decision, and libcurl error classification.
import CCurl
import Foundation
import KubeCore
import Testing

@testable import KubeClient

private let pods = GroupResource(group: "", resource: "pods")

@Suite("Response errors")
struct ResponseErrorsTests {
    @Test("a Status body is kept intact")
    func statusBody() {
        let body = Data(#"""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web\" is forbidden: User \"u\" cannot get resource \"pods\"","reason":"Forbidden","details":{"name":"web","kind":"pods"},"code":403}
            """#.utf8)
        let error = ResponseErrors.apiError(status: 403, headers: ["Content-Type": "application/json"], body: body, method: .get, resource: pods, name: "web")
        #expect(error.code == 403)
        #expect(error.reason == .forbidden)
        #expect(error.message == #"pods "web" is forbidden: User "u" cannot get resource "pods""#)
        #expect(error.status.details == StatusDetails(name: "web", kind: "pods"))
    }

    @Test("a Status body without a code takes the response's")
    func statusWithoutCode() {
        let body = Data(#"{"kind":"Status","status":"Failure","message":"m","reason":"Conflict"}"#.utf8)
        let error = ResponseErrors.apiError(status: 409, headers: [:], body: body, method: .put)
        #expect(error.code == 409)
        #expect(error.reason == .conflict)
        #expect(error.message == "m")
    }

    @Test(
        "other bodies get client-go's generic message for the code",
        arguments: [
            (404, HTTPMethod.get, "the server could not find the requested resource (get pods web)", StatusReason.notFound),
            (409, .post, "the server reported a conflict (post pods web)", .alreadyExists),
            (409, .put, "the server reported a conflict (put pods web)", .conflict),
            (400, .get, "the server rejected our request for an unknown reason (get pods web)", .badRequest),
            (401, .get, "the server has asked for the client to provide credentials (get pods web)", .unauthorized),
            (405, .get, "the server does not allow this method on the requested resource (get pods web)", .methodNotAllowed),
            (422, .get, "the server rejected our request due to an error in our request (get pods web)", .invalid),
            (429, .get, "the server has received too many requests and has asked us to try again later (get pods web)", .tooManyRequests),
            (503, .get, "the server is currently unable to handle the request (get pods web)", .serviceUnavailable),
            (504, .get, "the server was unable to return a response in the time allotted, but may still be processing the request (get pods web)", .timeout),
            (502, .get, #"an error on the server ("unknown") has prevented the request from succeeding (get pods web)"#, .internalError),
            (418, .get, "the server responded with the status code 418 but did not return more information (get pods web)", .unknown),
        ])
    func genericMessages(code: Int, method: HTTPMethod, message: String, reason: StatusReason) {
        let error = ResponseErrors.apiError(status: code, headers: ["Content-Type": "application/octet-stream"], body: Data([0xFF]), method: method, resource: pods, name: "web")
        #expect(error.code == code)
        #expect(error.message == message)
        #expect(error.reason == reason)
        #expect(error.status.details?.causes == [StatusCause(reason: "UnexpectedServerResponse", message: "unknown")])
    }

    @Test("text bodies are quoted in the message, trimmed and capped")
    func textBody() {
        let error = ResponseErrors.apiError(
            status: 502, headers: ["Content-Type": "text/html; charset=utf-8"], body: Data("<html>\"bad\" gateway</html>\n".utf8), method: .get)
        #expect(error.message == #"an error on the server ("<html>\"bad\" gateway</html>") has prevented the request from succeeding"#)
        #expect(error.reason == .internalError)

        let long = ResponseErrors.apiError(status: 403, headers: ["Content-Type": "text/plain"], body: Data(String(repeating: "x", count: 5000).utf8), method: .get)
        #expect(long.message.count == 2048)
    }

    @Test("Retry-After becomes retryAfterSeconds of a synthesised Status")
    func retryAfterInStatus() {
        let error = ResponseErrors.apiError(status: 429, headers: ["Retry-After": "7"], body: Data(), method: .get)
        #expect(error.status.details?.retryAfterSeconds == 7)
        #expect(ResponseErrors.retryAfterSeconds(["Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"]) == nil)
        #expect(ResponseErrors.retryAfterSeconds([:]) == nil)
    }

    @Test(
        "warning header texts",
        arguments: [
            (#"299 - "unknown field \"spec.foo\"""#, #"unknown field "spec.foo""#),
            (#"299 - "plain""#, "plain"),
            (#"299 apiserver "with agent" "Wed, 21 Oct 2015 07:28:00 GMT""#, "with agent"),
            ("not a warning", "not a warning"),
            (#"299 - "unterminated"#, #"299 - "unterminated"#),
        ])
    func warnings(header: String, text: String) {
        #expect(ResponseErrors.warningText(header) == text)
    }

    @Test("decodeStatus ignores objects of other kinds")
    func decodeStatusKinds() {
        #expect(ResponseErrors.decodeStatus(["kind": "Pod"]) == nil)
        #expect(ResponseErrors.decodeStatus(["kind": "Status", "status": "Success", "code": 200])?.status == "Success")
    }
}

@Suite("Retry policy")
struct RetryPolicyTests {
    static let connect = TransportError(kind: .connect, message: "refused")
    static let lost = TransportError(kind: .connectionLost, message: "reset")
    static let tls = TransportError(kind: .tls, message: "bad cert")
    static let timeout = TransportError(kind: .timeout, message: "slow")

    @Test(
        "decisions",
        arguments: [
            (0, HTTPMethod.get, RetryOutcome.response(status: 429, headers: ["Retry-After": "3"]), Duration?.some(.seconds(3))),
            (0, .post, .response(status: 503, headers: ["Retry-After": "1"]), .seconds(1)),
            (0, .get, .response(status: 500, headers: ["Retry-After": "0"]), .seconds(0)),
            (0, .get, .response(status: 429, headers: [:]), nil),
            (0, .get, .response(status: 404, headers: ["Retry-After": "1"]), nil),
            (0, .get, .response(status: 200, headers: [:]), nil),
            (9, .get, .response(status: 429, headers: ["Retry-After": "1"]), .seconds(1)),
            (10, .get, .response(status: 429, headers: ["Retry-After": "1"]), nil),
            (0, .post, .transportError(connect), .seconds(1)),
            (0, .get, .transportError(lost), .seconds(1)),
            (0, .post, .transportError(lost), nil),
            (0, .delete, .transportError(lost), nil),
            (0, .get, .transportError(tls), nil),
            (0, .get, .transportError(timeout), nil),
            (10, .get, .transportError(connect), nil),
        ])
    func decisions(retries: Int, method: HTTPMethod, outcome: RetryOutcome, expected: Duration?) {
        #expect(RetryPolicy.default.delay(retriesSoFar: retries, method: method, outcome: outcome) == expected)
    }

    @Test("the none policy never retries")
    func none() {
        #expect(RetryPolicy.none.delay(retriesSoFar: 0, method: .get, outcome: .transportError(Self.connect)) == nil)
    }

    @Test(
        "libcurl codes are classified",
        arguments: [
            (CURLE_COULDNT_CONNECT, TransportError.Kind.connect), (CURLE_COULDNT_RESOLVE_HOST, .connect),
            (CURLE_OPERATION_TIMEDOUT, .timeout), (CURLE_PEER_FAILED_VERIFICATION, .tls), (CURLE_SSL_CONNECT_ERROR, .tls),
            (CURLE_RECV_ERROR, .connectionLost), (CURLE_GOT_NOTHING, .connectionLost), (CURLE_URL_MALFORMAT, .invalidRequest),
            (CURLE_WRITE_ERROR, .other),
        ])
    func curlCodes(code: CURLcode, kind: TransportError.Kind) {
        #expect(TransportError.Kind(curlCode: Int(code.rawValue)) == kind)
    }
}
