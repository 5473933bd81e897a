//! The HTTPS front end: Kubernetes REST over Hummingbird. It authenticates,
//! authorizes, applies injected faults, counts requests, and translates
//! between HTTP and `APIServerCore` (JSON bodies, Table negotiation, watch
//! streams as newline-delimited JSON, Status errors, Warning headers).
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import KubeCore
import Logging
import NIOCore
import NIOSSL

/// Per-request context that remembers the connection, for the client certificate.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    public var maxUploadSize: Int { 3 * 1024 * 1024 }

    /// The verified client certificate of this connection, if one was presented.
    func peerCertificateDER() async -> [UInt8]? {
        let channel = self.channel
        return try? await channel.eventLoop.submit { () -> [UInt8]? in
            let handler = try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
            return try handler.peerCertificate?.toDERBytes()
        }.get()
    }
}

/// The responder behind the listener.
struct APIResponder: HTTPResponder {
    typealias Context = APIRequestContext

    let core: APIServerCore
    let authenticator: Authenticator
    let authorizer: any Authorizer
    let faults: FaultInjector
    let requests: RequestLog
    let admin: AdminEndpoints
    let logger: Logger

    /// Paths anyone may read, like kube-apiserver's system:public-info-viewer.
    static let publicPaths: Set<String> = ["/healthz", "/livez", "/readyz", "/version"]

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let query = Self.parseQuery(request.uri.query ?? "")
        var user: UserInfo?
        if !Self.publicPaths.contains(path) {
            user = authenticator.authenticate(authorization: request.headers[.authorization],
                                              clientCertificateDER: await context.peerCertificateDER())
            guard user != nil else { return Self.error(.unauthorized()) }
        }
        switch path {
        case "/healthz", "/livez", "/readyz":
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
        default:
            break
        }
        if path.hasPrefix("/local/"), let user {
            return await admin.respond(path: path, method: request.method, body: try await request.body.collect(upTo: 1 << 20), user: user)
        }
        guard let user else { return Self.json(core.versionInfo) }
        let parsed = RequestPath.parse(method: request.method.rawValue, path: path, query: query)
        if parsed == nil {
            // A non-resource path (discovery, OpenAPI, /metrics, ...) is authorized by path and lower-cased method.
            let attributes = AuthorizationAttributes(user: user, verb: request.method.rawValue.lowercased(), path: path)
            let decision = authorizer.authorize(attributes)
            if !decision.isAllowed { return Self.error(attributes.forbidden(reason: decision.reason)) }
        }
        if request.method == .get {
            if let document = core.discovery(path: path) ?? core.openAPIv3(path: path) { return Self.json(document) }
        }
        guard var resourceRequest = parsed else {
            return Self.error(APIError(APIStatus(message: APIServerCore.notFoundMessage, reason: .notFound, details: StatusDetails(), code: 404)))
        }
        resourceRequest.user = user
        resourceRequest.contentType = request.headers[.contentType]
        resourceRequest.asTable = (request.headers[.accept] ?? "").contains("as=Table")
        resourceRequest.userAgent = request.headers[.userAgent]
        let attributes = AuthorizationAttributes(resourceRequest)
        let decision = authorizer.authorize(attributes)
        if !decision.isAllowed {
            requests.record(verb: resourceRequest.verb.rawValue, resource: resourceRequest.groupResource.description, user: user.name, code: 403)
            return Self.error(attributes.forbidden(reason: decision.reason))
        }
        if [.create, .update, .patch, .delete, .deletecollection].contains(resourceRequest.verb) {
            do {
                resourceRequest.body = Data(buffer: try await request.body.collect(upTo: context.maxUploadSize))
            } catch is NIOTooManyBytesError {
                let error = APIError.requestEntityTooLarge(limit: context.maxUploadSize)
                requests.record(verb: resourceRequest.verb.rawValue, resource: resourceRequest.groupResource.description, user: user.name, code: error.code)
                return Self.error(error)
            }
        }
        let faults = faults.decide(resourceRequest)
        if let latency = faults.latency { try await Task.sleep(for: latency) }
        if faults.dropConnection {
            try? await context.channel.close()
            return Response(status: .internalServerError)
        }
        if let failure = faults.failure {
            requests.record(verb: resourceRequest.verb.rawValue, resource: resourceRequest.groupResource.description, user: user.name, code: failure.code)
            return Self.error(failure)
        }
        do {
            let response = try await core.handle(resourceRequest)
            switch response {
            case .object(let value, let code, let warnings):
                requests.record(verb: resourceRequest.verb.rawValue, resource: resourceRequest.groupResource.description, user: user.name, code: code)
                var response = Self.json(value, code: code)
                for warning in warnings { response.headers.append(HTTPField(name: .warning, value: Self.warningValue(warning))) }
                return response
            case .watch(let session):
                requests.record(verb: "watch", resource: resourceRequest.groupResource.description, user: user.name, code: 200)
                return Self.stream(session, cutAfterEvents: faults.cutWatchAfterEvents, cutAfter: faults.cutWatchAfter, store: core.store)
            }
        } catch let error as APIError {
            requests.record(verb: resourceRequest.verb.rawValue, resource: resourceRequest.groupResource.description, user: user.name, code: error.code)
            return Self.error(error)
        } catch {
            logger.error("request failed", metadata: ["path": "\(path)", "error": "\(error)"])
            return Self.error(.internalError("\(error)"))
        }
    }

    // MARK: Encoding

    static func json(_ value: JSONValue, code: Int = 200) -> Response {
        var buffer = ByteBuffer(data: value.serialized())
        buffer.writeString("\n")
        return Response(status: HTTPResponse.Status(code: code), headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }

    static func error(_ error: APIError) -> Response {
        var response = json((try? JSONValue(encoding: error.status)) ?? .null, code: error.code)
        if let retry = error.status.details?.retryAfterSeconds {
            response.headers[.retryAfter] = String(retry)
        }
        return response
    }

    static func stream(_ session: WatchSession, cutAfterEvents: Int?, cutAfter: Duration?, store: ObjectStore) -> Response {
        let body = ResponseBody { writer in
            let sent = Locked(0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let cutAfter, let id = session.id {
                    group.addTask {
                        try await Task.sleep(for: cutAfter)
                        store.endWatch(id)
                    }
                }
                try await session.runLines { line in
                    try await writer.write(ByteBuffer(data: line))
                    if let cutAfterEvents, sent.withLock({ $0 += 1; return $0 }) >= cutAfterEvents, let id = session.id { store.endWatch(id) }
                }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache, private"], body: body)
    }

    /// A `Warning` header value as kube-apiserver writes it: code 299, agent `-`, quoted text.
    static func warningValue(_ text: String) -> String {
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "299 - \"\(escaped)\""
    }

    /// Parses a query string the way Go's url.ParseQuery does (`+` is a space; the last value wins here).
    static func parseQuery(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            guard let key = parts.first else { continue }
            result[decode(key)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }
}


extension HTTPField.Name {
    /// `Warning` is a valid field-name token, so the initializer cannot fail; the
    /// fallback only satisfies the type checker.
    static let warning = HTTPField.Name("Warning") ?? .retryAfter
}
