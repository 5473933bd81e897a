//! The REST client's metrics under client-go's names, emitted through
//! swift-metrics so the process decides the backend (Prometheus in the
//! operator, a test factory in tests).
import CoreMetrics
import Foundation

/// Request metrics of a `RESTClient`, named as client-go names them:
///
/// - `rest_client_requests_total{code,method,host}`: every attempt, by HTTP
///   status code (`<error>` when no response arrived);
/// - `rest_client_request_duration_seconds{verb,host}`: attempt latency (a timer);
/// - `rest_client_request_retries_total{code,verb,host}`: retries, by the
///   code of the attempt that is retried.
///
/// `host` is the server's `host:port`.
public struct ClientMetrics: Sendable {
    private let factory: (any MetricsFactory)?

    /// Emits through `factory`; defaults to the process-wide `MetricsSystem.factory`.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    private init(disabled: Void) { self.factory = nil }

    /// Emits nothing.
    public static let disabled = ClientMetrics(disabled: ())

    /// The `code` label of an attempt that got no response.
    public static let errorCode = "<error>"

    func attempt(code: String, method: HTTPMethod, host: String, duration: Duration) {
        guard let factory else { return }
        Counter(
            label: "rest_client_requests_total", dimensions: [("code", code), ("method", method.rawValue), ("host", host)],
            factory: factory
        ).increment()
        CoreMetrics.Timer(
            label: "rest_client_request_duration_seconds", dimensions: [("verb", method.rawValue), ("host", host)],
            factory: factory
        ).recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    func retry(code: String, method: HTTPMethod, host: String) {
        guard let factory else { return }
        Counter(
            label: "rest_client_request_retries_total", dimensions: [("code", code), ("verb", method.rawValue), ("host", host)],
            factory: factory
        ).increment()
    }

    /// The `host` label for a server URL: `host:port` (port included when given).
    static func hostLabel(server: String) -> String {
        guard let components = URLComponents(string: server), let host = components.host else { return server }
        // Foundation keeps the brackets of an IPv6 host on some platforms and drops them on others.
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return components.port.map { "\(bracketed):\($0)" } ?? bracketed
    }
}
