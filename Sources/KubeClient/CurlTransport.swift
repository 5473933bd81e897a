//! `CurlTransport`: the asynchronous HTTP(S) transport of the client, over
//! two libcurl multi handles and their connection pools (keep-alive reuse,
//! HTTP/2 multiplexing when the server offers h2 through ALPN): one for
//! buffered requests, one for long-lived streams such as watches.
import Foundation

/// Sends HTTP requests to the server of a `ClientConfiguration`.
///
/// Buffered requests (`send`) share one connection pool driven by one
/// dedicated thread; streams (`stream`) share a second pool and thread.
/// The split keeps idle watches away from the request path: libcurl 7.88's
/// `curl_multi_perform` and `curl_multi_poll` visit every transfer of a
/// multi handle on each pass, so a hundred idle watches in the same multi
/// handle made every request pay for them. Cancelling the calling task
/// aborts the transfer. The transport shuts down when the last reference to
/// it goes (or on `shutdown()`); an open `stream` body keeps it alive.
public final class CurlTransport: Sendable {
    public let configuration: ClientConfiguration
    private let endpoint: ServerEndpoint
    private let settings: EasySettings
    /// Runs `send` transfers.
    private let driver: CurlDriver
    /// Runs `stream` transfers (watches), which may stay open for minutes.
    private let streamDriver: CurlDriver

    /// Validates the configuration and starts the driver thread.
    /// - Throws: `TransportError` (kind `.invalidRequest`) for an unusable server URL or TLS server name.
    public init(configuration: ClientConfiguration) throws {
        self.configuration = configuration
        self.endpoint = try ServerEndpoint(server: configuration.server, serverName: configuration.tls.serverName)
        self.settings = EasySettings(
            tls: configuration.tls, userAgent: configuration.userAgent,
            connectTimeout: configuration.connectTimeout, tcpKeepAlive: configuration.tcpKeepAlive,
            proxyURL: configuration.proxyURL, connectTo: endpoint.connectTo)
        self.driver = try CurlDriver(maxIdleConnections: configuration.maxIdleConnections)
        self.streamDriver = try CurlDriver(maxIdleConnections: configuration.maxIdleConnections)
        driver.start()
        streamDriver.start()
    }

    deinit {
        driver.shutdown()
        streamDriver.shutdown()
    }

    /// Stops the driver threads. Requests in flight and later requests fail
    /// with `TransportError.Kind.shutdown`. Idempotent.
    public func shutdown() {
        driver.shutdown()
        streamDriver.shutdown()
    }

    /// The absolute URL a request goes to (for messages; never contains credentials).
    public func url(for request: TransportRequest) -> String {
        endpoint.url(path: request.path, query: request.query)
    }

    /// Performs `request` and reads the whole response.
    ///
    /// Any HTTP status is a response, not an error. The request times out
    /// after `request.timeout`, or `configuration.requestTimeout` when that is nil.
    /// - Throws: `TransportError` when no complete response arrived,
    ///   `CancellationError` when the task was cancelled, or the token
    ///   provider's error.
    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        let id = driver.makeID()
        let prepared = try await prepare(request, id: id, timeout: request.timeout ?? configuration.requestTimeout)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                submit(TransferJob(request: prepared, sink: .buffered(continuation)), to: driver)
            }
        } onCancel: {
            driver.cancel(id)
        }
    }

    /// Performs `request` and returns once the response head arrived; the
    /// body follows as a stream of chunks.
    ///
    /// There is no overall time limit unless `request.timeout` sets one; set
    /// `request.idleTimeout` to detect a silent peer. The transfer is aborted
    /// when the task is cancelled while waiting for the head, or when the
    /// body stream is cancelled or dropped before its end.
    /// - Throws: as `send`, for failures before the head arrived.
    public func stream(_ request: TransportRequest) async throws -> TransportStreamResponse {
        let id = streamDriver.makeID()
        let prepared = try await prepare(request, id: id, timeout: request.timeout)
        let (body, bodyContinuation) = AsyncThrowingStream<Data, any Error>.makeStream()
        // Captures the transport on purpose: an open body keeps the connection pool alive.
        bodyContinuation.onTermination = { termination in
            if case .cancelled = termination { self.streamDriver.cancel(id) }
        }
        let head = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                submit(TransferJob(request: prepared, sink: .streaming(head: continuation, body: bodyContinuation)), to: streamDriver)
            }
        } onCancel: {
            streamDriver.cancel(id)
        }
        return TransportStreamResponse(head: head, body: body)
    }

    /// Hands a job to the driver. A cancellation that raced ahead of the
    /// submission found no transfer to abort, so it is repeated afterwards.
    private func submit(_ job: TransferJob, to driver: CurlDriver) {
        driver.submit(job)
        if Task.isCancelled { driver.cancel(job.id) }
    }

    /// Resolves `request` into what libcurl needs: URL, header lines
    /// (credentials included), timeouts.
    private func prepare(_ request: TransportRequest, id: UInt64, timeout: Duration?) async throws -> PreparedRequest {
        let url = endpoint.url(path: request.path, query: request.query)
        var headers = request.headers
        for header in headers where !HeaderValidation.isValid(header) {
            throw TransportError(kind: .invalidRequest, message: "\(request.method) \(url): invalid header \"\(header.name)\"")
        }
        if let hostHeader = endpoint.hostHeader, !headers.contains(name: "Host") {
            headers.add(name: "Host", value: hostHeader)
        }
        if request.body != nil, !headers.contains(name: "Content-Type") {
            headers.add(name: "Content-Type", value: "application/json")
        }
        // libcurl would otherwise wait for `100 Continue` before large bodies.
        var lines = headers.map { "\($0.name): \($0.value)" } + ["Expect:"]
        if let provider = configuration.bearerToken, !headers.contains(name: "Authorization") {
            let token = try await provider.token()
            guard HeaderValidation.isValid(HTTPHeader(name: "Authorization", value: token)) else {
                throw TransportError(kind: .invalidRequest, message: "\(request.method) \(url): the bearer token contains a line break")
            }
            if !token.isEmpty { lines.append("Authorization: Bearer \(token)") }
        }
        var settings = self.settings
        if let provider = configuration.clientCertificate, let certificate = try await provider.clientCertificate() {
            settings.tls.clientCertificatePEM = certificate.certificatePEM
            settings.tls.clientKeyPEM = certificate.keyPEM
        }
        return PreparedRequest(
            id: id, method: request.method, url: url, headerLines: lines, body: request.body,
            timeout: timeout, idleTimeout: request.idleTimeout, settings: settings)
    }
}
