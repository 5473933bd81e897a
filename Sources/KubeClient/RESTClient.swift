//! `RESTClient`: the Kubernetes REST verbs over `CurlTransport`: GET, LIST,
//! CREATE, UPDATE, PATCH, DELETE, DELETE collection and WATCH, on objects as
//! `KubeObject`; failures as `APIError`; `Warning` headers to the logger;
//! one retry after a 401 when the credential provider can refresh; request
//! metrics.
import Foundation
import KubeCore
import Logging

/// A page of a LIST response.
public struct ObjectList: Sendable, Hashable {
    /// The whole list object as received.
    public var object: KubeObject
    /// The items. Items the server sent without `apiVersion`/`kind` (as
    /// built-in lists do) get them from the list (`PodList` → `Pod`).
    public var items: [KubeObject]

    public init(_ object: KubeObject) {
        self.object = object
        let listKind = object.kind
        let itemKind = listKind.hasSuffix("List") ? String(listKind.dropLast(4)) : ""
        self.items = (object.json["items"]?.arrayValue ?? []).compactMap { value -> KubeObject? in
            guard var item = KubeObject(value) else { return nil }
            if item.kind.isEmpty, !itemKind.isEmpty { item.kind = itemKind }
            if item.apiVersion.isEmpty, !object.apiVersion.isEmpty { item.apiVersion = object.apiVersion }
            return item
        }
    }

    /// `metadata.resourceVersion` of the list: where a following watch starts.
    public var resourceVersion: String { object.metadata["resourceVersion"]?.stringValue ?? "" }
    /// `metadata.continue`: the token of the next page, `nil` on the last page.
    public var continueToken: String? {
        guard let token = object.metadata["continue"]?.stringValue, !token.isEmpty else { return nil }
        return token
    }
    public var remainingItemCount: Int64? { object.metadata["remainingItemCount"]?.intValue }
}

/// A 2xx response whose body is not what the verb returns.
public struct ResponseDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The Kubernetes REST API of one server.
public struct RESTClient: Sendable {
    public let transport: CurlTransport
    public let retryPolicy: RetryPolicy
    /// Receives server warnings (at `.warning`) and retries (at `.debug`).
    /// Credentials are never logged.
    public let logger: Logger
    /// Request, latency and retry metrics.
    public let metrics: ClientMetrics
    /// The `host` label of the metrics.
    private let host: String

    /// A client over its own transport for `configuration`.
    /// - Parameter metrics: defaults to the process-wide `MetricsSystem.factory`.
    public init(
        configuration: ClientConfiguration, retryPolicy: RetryPolicy = .default, logger: Logger = Logger(label: "kube-client"),
        metrics: ClientMetrics = ClientMetrics()
    ) throws {
        self.init(
            transport: try CurlTransport(configuration: configuration), retryPolicy: retryPolicy, logger: logger, metrics: metrics)
    }

    /// A client sharing `transport` (and its connection pool).
    /// - Parameter metrics: defaults to the process-wide `MetricsSystem.factory`.
    public init(
        transport: CurlTransport, retryPolicy: RetryPolicy = .default, logger: Logger = Logger(label: "kube-client"),
        metrics: ClientMetrics = ClientMetrics()
    ) {
        self.transport = transport
        self.retryPolicy = retryPolicy
        self.logger = logger
        self.metrics = metrics
        self.host = ClientMetrics.hostLabel(server: transport.configuration.server)
    }

    // MARK: Raw requests

    /// Sends a request and returns the 2xx response, retrying as `retryPolicy` allows.
    ///
    /// - Parameters:
    ///   - path: the absolute path, e.g. `ResourcePath(...).path` or `/version`.
    ///   - contentType: the body's type; defaults to `application/json` when there is a body.
    ///   - accept: the `Accept` header; defaults to `application/json`.
    ///   - timeout: defaults to the transport's `requestTimeout`.
    /// - Throws: `APIError` for a non-2xx response (the server's `Status`, or
    ///   one synthesised from the HTTP code), `TransportError`, `CancellationError`.
    public func request(
        method: HTTPMethod, path: String, query: [URLQueryItem] = [], body: Data? = nil,
        contentType: String? = nil, accept: String = "application/json", timeout: Duration? = nil
    ) async throws -> TransportResponse {
        try await perform(
            method: method, path: path, query: query, body: body, contentType: contentType, accept: accept,
            timeout: timeout, resource: nil, name: nil)
    }

    // MARK: Verbs

    /// GET one object (or a subresource of it).
    public func get(
        _ resource: GroupVersionResource, namespace: String? = nil, name: String, subresource: String? = nil
    ) async throws -> KubeObject {
        let location = ResourcePath(resource, namespace: namespace, name: name, subresource: subresource)
        return try await object(method: .get, location, query: [], body: nil)
    }

    /// LIST a collection, in one namespace or (namespace `nil`) across all.
    public func list(
        _ resource: GroupVersionResource, namespace: String? = nil, options: ListOptions = ListOptions()
    ) async throws -> ObjectList {
        let location = ResourcePath(resource, namespace: namespace)
        return ObjectList(try await object(method: .get, location, query: options.queryItems, body: nil))
    }

    /// CREATE `object` in its collection (POST).
    public func create(
        _ resource: GroupVersionResource, namespace: String? = nil, _ object: KubeObject,
        options: WriteOptions = WriteOptions()
    ) async throws -> KubeObject {
        let location = ResourcePath(resource, namespace: namespace)
        return try await self.object(method: .post, location, query: options.queryItems, body: .json(object.value))
    }

    /// UPDATE (PUT) the object named by `object.name`, or its subresource.
    /// Send `metadata.resourceVersion` for optimistic concurrency.
    public func update(
        _ resource: GroupVersionResource, namespace: String? = nil, _ object: KubeObject, subresource: String? = nil,
        options: WriteOptions = WriteOptions()
    ) async throws -> KubeObject {
        let location = ResourcePath(resource, namespace: namespace, name: object.name, subresource: subresource)
        return try await self.object(method: .put, location, query: options.queryItems, body: .json(object.value))
    }

    /// PATCH the object `name` (or its subresource) with `patch` of `type`.
    /// For `.apply`, the field manager and `force` of the type are used and
    /// `options.fieldManager` is ignored.
    public func patch(
        _ resource: GroupVersionResource, namespace: String? = nil, name: String, subresource: String? = nil,
        type: PatchType, patch: JSONValue, options: WriteOptions = WriteOptions()
    ) async throws -> KubeObject {
        let location = ResourcePath(resource, namespace: namespace, name: name, subresource: subresource)
        var query = options.queryItems
        if case .apply(let fieldManager, let force) = type {
            query.removeAll { $0.name == "fieldManager" }
            query.append(URLQueryItem(name: "fieldManager", value: fieldManager))
            if force { query.append(URLQueryItem(name: "force", value: "true")) }
        }
        return try await object(method: .patch, location, query: query, body: .init(patch.serialized(), contentType: type.contentType))
    }

    /// DELETE the object `name`. Returns the object when deletion is pending
    /// (finalizers, graceful deletion) or the server returned it, otherwise
    /// the success `Status` (an object of kind `Status`).
    public func delete(
        _ resource: GroupVersionResource, namespace: String? = nil, name: String, options: DeleteOptions = DeleteOptions()
    ) async throws -> KubeObject {
        let location = ResourcePath(resource, namespace: namespace, name: name)
        return try await object(method: .delete, location, query: options.queryItems, body: options.body.map(RequestBody.json))
    }

    /// DELETE every object of a collection that matches `listOptions`.
    /// Returns the list of deleted objects or a `Status`.
    public func deleteCollection(
        _ resource: GroupVersionResource, namespace: String? = nil, listOptions: ListOptions = ListOptions(),
        options: DeleteOptions = DeleteOptions()
    ) async throws -> KubeObject {
        let location = ResourcePath(resource, namespace: namespace)
        return try await object(
            method: .delete, location, query: listOptions.queryItems + options.queryItems, body: options.body.map(RequestBody.json))
    }

    /// WATCH a collection. Returns once the server accepted the watch.
    ///
    /// The stream yields events as they arrive and finishes when the server
    /// ends the watch (e.g. after `timeoutSeconds`). It throws
    /// `WatchDecodingError` for a malformed line and `TransportError` when the
    /// connection fails; an `ERROR` event (e.g. 410 Expired) is yielded, not
    /// thrown. Cancelling the consuming task, or dropping the stream, closes
    /// the connection's stream.
    /// - Parameters:
    ///   - idleTimeout: end the watch with a `.timeout` error when nothing
    ///     (not even a bookmark) arrives for this long; `nil` waits forever.
    ///     When `options.timeoutSeconds` is set, the watch is also capped at
    ///     that plus 5 s, in case the server does not end it.
    /// - Throws: `APIError` when the server refuses the watch.
    public func watch(
        _ resource: GroupVersionResource, namespace: String? = nil, options: WatchOptions = WatchOptions(),
        idleTimeout: Duration? = nil
    ) async throws -> AsyncThrowingStream<WatchEvent, any Error> {
        let location = ResourcePath(resource, namespace: namespace)
        let request = TransportRequest(
            method: .get, path: location.path, query: options.queryItems, headers: ["Accept": "application/json"],
            timeout: options.timeoutSeconds.map { .seconds($0 + 5) }, idleTimeout: idleTimeout)
        var response = try await streamAttempt(request)
        if response.status == 401, invalidateCredentials() {
            logger.debug("retrying the watch after 401 with refreshed credentials", metadata: ["path": "\(location.path)"])
            _ = try? await response.collectBody()
            response = try await streamAttempt(request)
        }
        logWarnings(response.head, method: .get, path: location.path)
        guard response.head.isSuccess else {
            let body = try await response.collectBody()
            throw ResponseErrors.apiError(
                status: response.status, headers: response.headers, body: body, method: .get,
                resource: resource.groupResource, name: nil)
        }
        return Self.decodeEvents(response.body)
    }

    /// Bridges a watch body to events. The decoding task ends with the
    /// body, and is cancelled (closing the body) when the events stream is
    /// cancelled or dropped.
    static func decodeEvents(_ body: AsyncThrowingStream<Data, any Error>) -> AsyncThrowingStream<WatchEvent, any Error> {
        let (events, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream()
        let decoding = Task {
            var decoder = WatchEventDecoder()
            do {
                for try await chunk in body {
                    for event in try decoder.decode(chunk) {
                        if case .terminated = continuation.yield(event) { return }
                    }
                }
                for event in try decoder.finish() { continuation.yield(event) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in decoding.cancel() }
        return events
    }

    // MARK: Plumbing

    /// A request body and its content type.
    struct RequestBody {
        var data: Data
        var contentType: String

        init(_ data: Data, contentType: String) {
            self.data = data
            self.contentType = contentType
        }

        static func json(_ value: JSONValue) -> RequestBody { RequestBody(value.serialized(), contentType: "application/json") }
    }

    /// Performs a verb on `location` and decodes the object it returns.
    private func object(method: HTTPMethod, _ location: ResourcePath, query: [URLQueryItem], body: RequestBody?) async throws -> KubeObject {
        let response = try await perform(
            method: method, path: location.path, query: query, body: body?.data, contentType: body?.contentType,
            accept: "application/json", timeout: nil, resource: location.resource.groupResource, name: location.name)
        guard let value = try? JSONValue.parse(response.body), let object = KubeObject(value) else {
            throw ResponseDecodingError(
                message: "\(method) \(location.path): the server returned HTTP \(response.status) with a body that is not a JSON object")
        }
        return object
    }

    private func perform(
        method: HTTPMethod, path: String, query: [URLQueryItem], body: Data?, contentType: String?, accept: String,
        timeout: Duration?, resource: GroupResource?, name: String?
    ) async throws -> TransportResponse {
        var headers: HTTPHeaders = ["Accept": accept]
        if body != nil { headers.add(name: "Content-Type", value: contentType ?? "application/json") }
        let request = TransportRequest(method: method, path: path, query: query, headers: headers, body: body, timeout: timeout)

        var retries = 0
        var refreshedCredentials = false
        while true {
            let response: TransportResponse
            let started = ContinuousClock.now
            do {
                response = try await transport.send(request)
            } catch let error as TransportError {
                metrics.attempt(code: ClientMetrics.errorCode, method: method, host: host, duration: ContinuousClock.now - started)
                guard let delay = retryPolicy.delay(retriesSoFar: retries, method: method, outcome: .transportError(error)) else {
                    throw error
                }
                logger.debug("retrying after transport error", metadata: ["method": "\(method)", "path": "\(path)", "error": "\(error)"])
                metrics.retry(code: ClientMetrics.errorCode, method: method, host: host)
                retries += 1
                try await Task.sleep(for: delay)
                continue
            }
            metrics.attempt(code: String(response.status), method: method, host: host, duration: ContinuousClock.now - started)
            logWarnings(response.head, method: method, path: path)
            if response.head.isSuccess { return response }
            if response.status == 401, !refreshedCredentials, invalidateCredentials() {
                logger.debug("retrying after 401 with refreshed credentials", metadata: ["method": "\(method)", "path": "\(path)"])
                metrics.retry(code: "401", method: method, host: host)
                refreshedCredentials = true
                continue
            }
            if let delay = retryPolicy.delay(retriesSoFar: retries, method: method, outcome: .response(status: response.status, headers: response.headers)) {
                logger.debug("retrying after HTTP \(response.status)", metadata: ["method": "\(method)", "path": "\(path)", "delay": "\(delay)"])
                metrics.retry(code: String(response.status), method: method, host: host)
                retries += 1
                try await Task.sleep(for: delay)
                continue
            }
            throw ResponseErrors.apiError(
                status: response.status, headers: response.headers, body: response.body, method: method,
                resource: resource, name: name)
        }
    }

    /// Opens a stream and records the attempt (until the head arrived).
    private func streamAttempt(_ request: TransportRequest) async throws -> TransportStreamResponse {
        let started = ContinuousClock.now
        do {
            let response = try await transport.stream(request)
            metrics.attempt(code: String(response.status), method: request.method, host: host, duration: ContinuousClock.now - started)
            return response
        } catch let error as TransportError {
            metrics.attempt(code: ClientMetrics.errorCode, method: request.method, host: host, duration: ContinuousClock.now - started)
            throw error
        }
    }

    /// After a 401: asks the credential providers to drop what they cached.
    /// Returns whether a retry may present a different credential.
    private func invalidateCredentials() -> Bool {
        let configuration = transport.configuration
        let token = configuration.bearerToken?.invalidate() ?? false
        // The same object may provide both; asking twice is harmless.
        let certificate = configuration.clientCertificate?.invalidate() ?? false
        return token || certificate
    }

    private func logWarnings(_ head: ResponseHead, method: HTTPMethod, path: String) {
        for value in head.headers.values(for: "Warning") {
            logger.warning("\(ResponseErrors.warningText(value))", metadata: ["method": "\(method)", "path": "\(path)"])
        }
    }
}
