//! An in-process HTTPS peer for the transport and REST tests: Hummingbird
//! with TLS (HTTP/1.1, or HTTP/2 through ALPN) serving a small fake API.
import Foundation
import Hummingbird
import HummingbirdHTTP2
import HummingbirdTLS
import KubeCore
import LocalAPIServer
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// A request context that keeps the channel, to read the TLS peer and the connection.
struct TestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// What the server observed, for tests to assert on.
final class ServerState: Sendable {
    private let counters = Mutex<[String: Int]>([:])
    let disconnects: AsyncStream<Void>
    private let disconnectContinuation: AsyncStream<Void>.Continuation

    init() {
        (disconnects, disconnectContinuation) = AsyncStream.makeStream(of: Void.self)
    }

    /// Increments and returns the counter `key`.
    func hit(_ key: String) -> Int {
        counters.withLock { counters in
            counters[key, default: 0] += 1
            return counters[key, default: 0]
        }
    }

    func count(_ key: String) -> Int { counters.withLock { $0[key, default: 0] } }

    func recordDisconnect() { disconnectContinuation.yield() }
}

enum ServerProtocol: Sendable {
    case http1
    /// HTTP/2 offered through ALPN, HTTP/1.1 as the fallback.
    case http2
}

/// The watch stream the fake API serves: four events (one with multi-byte
/// UTF-8), a blank line, and CRLF on one line.
let sampleWatchStream: String = [
    #"{"type":"ADDED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"café-🚀","namespace":"default","resourceVersion":"11"}}}"#,
    #"{"type":"MODIFIED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"naïve","namespace":"default","resourceVersion":"12"},"spec":{"note":"日本語のテキスト"}}}"#,
    "",
    #"{"type":"BOOKMARK","object":{"apiVersion":"v1","kind":"Pod","metadata":{"resourceVersion":"13"}}}"# + "\r",
    #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (13)","reason":"Expired","code":410}}"#,
].joined(separator: "\n") + "\n"

/// `{"compressed":true,"padding":"zzz…"}` (200 z's), gzip-compressed.
let gzippedJSON: [UInt8] = [
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56, 0x4a, 0xce, 0xcf, 0x2d, 0x28, 0x4a, 0x2d,
    0x2e, 0x4e, 0x4d, 0x51, 0xb2, 0x2a, 0x29, 0x2a, 0x4d, 0xd5, 0x51, 0x2a, 0x48, 0x4c, 0x49, 0xc9, 0xcc, 0x4b, 0x57,
    0xb2, 0x52, 0xaa, 0x1a, 0x26, 0x40, 0xa9, 0x16, 0x00, 0x34, 0x00, 0xbd, 0x7d, 0xe8, 0x00, 0x00, 0x00,
]

enum TestServer {
    static func tlsConfiguration(pki: TestPKI = .shared, requestClientCertificates: Bool = false) throws -> TLSConfiguration {
        let certificate = try NIOSSLCertificate(bytes: Array(pki.serverCertificate), format: .pem)
        let key = try NIOSSLPrivateKey(bytes: Array(pki.serverKey), format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
        if requestClientCertificates {
            tls.certificateVerification = .optionalVerification
            tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(pki.caCertificate), format: .pem)])
        }
        return tls
    }

    /// Runs the fake API on 127.0.0.1 (a free port) for the duration of `body`.
    static func run<T: Sendable>(
        protocol serverProtocol: ServerProtocol = .http1, requestClientCertificates: Bool = false,
        _ body: (_ baseURL: String, _ state: ServerState) async throws -> T
    ) async throws -> T {
        let state = ServerState()
        let router = Router(context: TestContext.self)
        addRoutes(to: router, state: state)
        let tls = try tlsConfiguration(requestClientCertificates: requestClientCertificates)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test-server")
        logger.logLevel = .critical
        let configuration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0))
        let onServerRunning: @Sendable (any Channel) async -> Void = { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        }
        let app = switch serverProtocol {
        case .http1:
            Application(
                router: router, server: try .tls(.http1(), tlsConfiguration: tls), configuration: configuration,
                onServerRunning: onServerRunning, logger: logger)
        case .http2:
            Application(
                router: router, server: try .http2Upgrade(tlsConfiguration: tls), configuration: configuration,
                onServerRunning: onServerRunning, logger: logger)
        }

        return try await withRunningService(app, logger: logger) {
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            return try await body("https://127.0.0.1:\(port)", state)
        }
    }

    // MARK: Routes

    private static func addRoutes(to router: Router<TestContext>, state: ServerState) {
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("/echo", method: method) { request, context in try await echo(request, context) }
            router.on("/api/v1/namespaces/:namespace/pods/:name", method: method) { request, context in
                guard request.method == .get else { return try await echo(request, context) }
                let name = context.parameters.get("name") ?? ""
                let namespace = context.parameters.get("namespace") ?? ""
                if name == "missing" {
                    return json(
                        [
                            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                            "message": "pods \"missing\" not found", "reason": "NotFound",
                            "details": ["name": "missing", "kind": "pods"], "code": 404,
                        ], status: .notFound)
                }
                return json(["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "namespace": .string(namespace)]])
            }
            router.on("/api/v1/namespaces/:namespace/pods/:name/:subresource", method: method) { request, context in
                try await echo(request, context)
            }
            router.on("/api/v1/namespaces/:namespace/pods", method: method) { request, context in
                guard request.method == .get else { return try await echo(request, context) }
                if request.uri.queryParameters["watch"] == "true" { return watchResponse() }
                return json([
                    "apiVersion": "v1", "kind": "PodList",
                    "metadata": ["resourceVersion": "42", "continue": "next-page"],
                    "items": [
                        ["metadata": ["name": "a", "namespace": "default"]],
                        ["metadata": ["name": "b", "namespace": "default"]],
                    ],
                ])
            }
        }
        router.get("/apis/apps/v1/namespaces/:namespace/deployments/:name/scale") { request, context in
            try await echo(request, context)
        }
        router.get("/bad-gateway") { _, _ in
            Response(
                status: .badGateway, headers: [.contentType: "text/html"],
                body: .init(byteBuffer: ByteBuffer(string: "<html>bad gateway</html>\n")))
        }
        router.get("/api/v1/notjson/:name") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "hello")))
        }
        router.get("/warnings") { _, _ in
            var headers: HTTPFields = [.contentType: "application/json"]
            headers[values: .init("Warning")!] = [#"299 - "first warning""#, #"299 - "second, with \"quotes\"""#]
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        router.get("/flaky") { _, _ in
            let attempt = state.hit("flaky")
            guard attempt > 2 else {
                var headers = HTTPFields()
                headers[.contentType] = "application/json"
                headers[.retryAfter] = "0"
                let status: JSONValue = [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message": "Too many requests, please try again later.", "reason": "TooManyRequests",
                    "details": ["retryAfterSeconds": 0], "code": 429,
                ]
                return Response(status: .tooManyRequests, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: status.serialized())))
            }
            return json(["apiVersion": "v1", "kind": "Flaky", "metadata": ["name": .string("attempt-\(attempt)")]])
        }
        router.get("/gzip") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json", .contentEncoding: "gzip"],
                body: .init(byteBuffer: ByteBuffer(bytes: gzippedJSON)))
        }
        router.get("/stall") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "{}\n"))
                    try await Task.sleep(for: .seconds(30))
                })
        }
        router.get("/slow") { _, _ in
            try await Task.sleep(for: .seconds(3))
            return json([:])
        }
        router.get("/stream-forever") { _, context in
            context.channel.closeFuture.whenComplete { _ in state.recordDisconnect() }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody { writer in
                    var counter = 0
                    while true {
                        counter += 1
                        let line = #"{"type":"ADDED","object":{"kind":"Tick","apiVersion":"v1","metadata":{"name":"tick-\#(counter)"}}}"# + "\n"
                        try await writer.write(ByteBuffer(string: line))
                        try await Task.sleep(for: .milliseconds(20))
                    }
                })
        }
    }

    /// The sample watch stream, written in pieces that split lines (and a
    /// multi-byte character) at odd places.
    private static func watchResponse() -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody { writer in
                let bytes = Array(sampleWatchStream.utf8)
                var offset = 0
                var size = 7
                while offset < bytes.count {
                    let end = min(bytes.count, offset + size)
                    try await writer.write(ByteBuffer(bytes: bytes[offset..<end]))
                    offset = end
                    size = size * 3 % 61 + 5
                    try await Task.sleep(for: .milliseconds(2))
                }
                try await writer.finish(nil)
            })
    }

    /// Describes the request back as an object of kind `Echo`.
    private static func echo(_ request: Request, _ context: TestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        let bodyData = Data(body.readableBytesView)
        var headers: JSONObject = [:]
        for field in request.headers {
            let name = field.name.canonicalName.lowercased()
            if let existing = headers[name]?.stringValue {
                headers[name] = .string(existing + ", " + field.value)
            } else {
                headers[name] = .string(field.value)
            }
        }
        // An HTTP/1 request's channel is the connection (its parent is the
        // listening socket); an HTTP/2 request's channel is a stream whose
        // parent is the connection.
        let connection = context.channel.parent?.parent != nil ? context.channel.parent! : context.channel
        let peer = try await connection.eventLoop.submit {
            try connection.pipeline.syncOperations.handler(type: NIOSSLHandler.self).peerCertificate?.description
        }.get()
        var object: JSONObject = [
            "apiVersion": "test/v1", "kind": "Echo", "metadata": ["name": "echo"],
            "method": .string(request.method.rawValue),
            "path": .string(request.uri.path),
            "query": .string(request.uri.query ?? ""),
            "authority": request.head.authority.map(JSONValue.string) ?? .null,
            "headers": .object(headers),
            "connection": .int(Int64(connection.remoteAddress?.port ?? 0)),
            "clientCertificate": peer.map(JSONValue.string) ?? .null,
        ]
        if !bodyData.isEmpty {
            object["body"] = (try? JSONValue.parse(bodyData)) ?? .string(String(decoding: bodyData, as: UTF8.self))
        }
        return json(.object(object))
    }

    private static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }
}

/// Fails with a clear message when `body` takes longer than `seconds`: a
/// guard against hangs, not a timing assertion.
func withDeadline<T: Sendable>(
    seconds: Int = 20, _ what: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw DeadlineExceeded(what: what)
        }
        return value
    }
}

struct DeadlineExceeded: Error, CustomStringConvertible {
    var what: String
    var description: String { "deadline exceeded: \(what)" }
}
