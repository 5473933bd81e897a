//! OperatorHTTPServer: the operator's HTTP endpoints as a ServiceLifecycle
//! service — `/metrics` (Prometheus text exposition) and the `/healthz`,
//! `/readyz` probes — on a configurable address.
//!
//! Layout choice: like controller-runtime, metrics and probes are separate
//! listeners by default (`:8080` metrics, `:8081` probes), each an
//! `OperatorHTTPServer` serving the endpoints it is given; one server given
//! both serves both (convenient in tests and single-port setups).
import Foundation
import HTTPTypes
import Hummingbird
import KubeCore
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// Where a server listens: controller-runtime's bind address syntax.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// controller-runtime's default metrics address, `:8080`.
    public static let defaultMetrics = ListenAddress(host: "0.0.0.0", port: 8080)
    /// controller-runtime's default health probe address, `:8081`.
    public static let defaultProbes = ListenAddress(host: "0.0.0.0", port: 8081)

    /// Parses `host:port` or `:port` (all interfaces). `0` means disabled and
    /// returns nil, as controller-runtime's `BindAddress: "0"`.
    /// - Throws: `ListenAddressError` for anything else.
    public static func parse(_ text: String) throws -> ListenAddress? {
        if text == "0" { return nil }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ListenAddressError(address: text)
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return ListenAddress(host: host.isEmpty ? "0.0.0.0" : host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

public struct ListenAddressError: Error, Sendable, Hashable, CustomStringConvertible {
    public var address: String
    public var description: String { "invalid bind address \"\(address)\": expected host:port, :port or 0" }
}

/// The operator's HTTP server (Hummingbird 2).
///
/// - `GET /metrics`: the registry in Prometheus text format 0.0.4.
/// - `GET /healthz`, `GET /readyz`: `ok` (200) when every check passes;
///   otherwise 500 with `[+]name ok` / `[-]name failed: reason withheld`
///   lines and `<endpoint> check failed`. `?verbose` lists the checks on
///   success too; `?exclude=name` skips a check. `GET /healthz/<name>` runs
///   one check and, on failure, answers 500 `internal server error: <reason>`.
///   Failure reasons are logged.
public struct OperatorHTTPServer: Service {
    public let address: ListenAddress
    public let metrics: PrometheusCollectorRegistry?
    public let healthz: HealthChecks?
    public let readyz: HealthChecks?
    private let logger: Logger
    private let listening = ListeningPort()

    /// - Parameters:
    ///   - address: where to listen; port 0 picks a free port (see `boundPort()`).
    ///   - metrics: serve `/metrics` from this registry; nil for no `/metrics`.
    ///   - healthz, readyz: serve the probes; nil to leave the endpoint out.
    public init(
        address: ListenAddress, metrics: PrometheusCollectorRegistry? = nil, healthz: HealthChecks? = nil,
        readyz: HealthChecks? = nil, logger: Logger = Logger(label: "http")
    ) {
        self.address = address
        self.metrics = metrics
        self.healthz = healthz
        self.readyz = readyz
        self.logger = logger
    }

    /// The port the server listens on, once it does.
    /// - Throws: the error `run()` failed with, if it failed before listening.
    public func boundPort() async throws -> Int {
        try await listening.wait()
    }

    public func run() async throws {
        let router = Router()
        if let metrics {
            router.get("/metrics") { _, _ -> Response in
                var buffer = ByteBuffer()
                buffer.writeBytes(metrics.emitToBuffer())
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: buffer))
            }
        }
        for checks in [healthz, readyz].compactMap({ $0 }) {
            let logger = logger
            router.get("/\(checks.endpoint)") { request, _ -> Response in
                let parameters = request.uri.queryParameters
                let report = await checks.evaluate(excluding: Set(parameters.getAll("exclude")))
                for failure in report.failures {
                    logger.info("\(checks.endpoint) check failed", metadata: ["checker": "\(failure.name)", "error": "\(failure.reason)"])
                }
                return Self.text(report.isHealthy ? .ok : .internalServerError, report.render(verbose: parameters.has("verbose")))
            }
            router.get("/\(checks.endpoint)/:name") { _, context -> Response in
                let name = context.parameters.get("name") ?? ""
                switch await checks.evaluate(check: name) {
                case nil:
                    return Self.text(.notFound, "404 page not found\n")
                case .passed, .excluded:
                    return Self.text(.ok, "ok")
                case .failed(let reason):
                    logger.info("\(checks.endpoint) check failed", metadata: ["checker": "\(name)", "error": "\(reason)"])
                    return Self.text(.internalServerError, "internal server error: \(reason)\n")
                }
            }
        }
        let listening = listening
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { channel in listening.set(channel.localAddress?.port ?? 0) },
            logger: logger)
        do {
            // `run()`, not `runService()`: the latter catches SIGTERM itself and
            // would stop the endpoints before the process's own shutdown order.
            try await application.run()
            listening.fail(CancellationError())
        } catch {
            listening.fail(error)
            throw error
        }
    }

    private static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        if let nosniff = HTTPField.Name("X-Content-Type-Options") { headers[nosniff] = "nosniff" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The bound port, for callers that wait for the server to listen.
final class ListeningPort: Sendable {
    private enum State: Sendable {
        case waiting([CheckedContinuation<Int, any Error>])
        case listening(Int)
        case failed(any Error)
    }

    private let state = Locked<State>(.waiting([]))

    func set(_ port: Int) {
        let waiters = state.withLock { state -> [CheckedContinuation<Int, any Error>] in
            guard case .waiting(let waiters) = state else { return [] }
            state = .listening(port)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    func fail(_ error: any Error) {
        let waiters = state.withLock { state -> [CheckedContinuation<Int, any Error>] in
            guard case .waiting(let waiters) = state else { return [] }
            state = .failed(error)
            return waiters
        }
        for waiter in waiters { waiter.resume(throwing: error) }
    }

    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<Int, any Error>? in
                switch state {
                case .waiting(var waiters):
                    waiters.append(continuation)
                    state = .waiting(waiters)
                    return nil
                case .listening(let port): return .success(port)
                case .failed(let error): return .failure(error)
                }
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
