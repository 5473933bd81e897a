//! When a failed request is tried again, as a pure decision: client-go's
//! rules (429 and 5xx responses that carry `Retry-After`, at most 10 retries)
//! plus connection failures, which are retried for any verb when nothing was
//! sent and for reads only when the connection broke midway.

/// What an attempt produced, as far as retrying is concerned.
public enum RetryOutcome: Sendable, Hashable {
    case response(status: Int, headers: HTTPHeaders)
    case transportError(TransportError)
}

/// Retry rules of buffered requests. Streams (watches) are never retried here.
public struct RetryPolicy: Sendable, Hashable {
    /// Retries after the first attempt; client-go's `maxRetries` is 10.
    public var maxRetries: Int
    /// The wait before retrying a connection failure.
    public var connectionFailureDelay: Duration

    public init(maxRetries: Int = 10, connectionFailureDelay: Duration = .seconds(1)) {
        self.maxRetries = maxRetries
        self.connectionFailureDelay = connectionFailureDelay
    }

    /// client-go's limits.
    public static let `default` = RetryPolicy()
    /// Never retry.
    public static let none = RetryPolicy(maxRetries: 0)

    /// How long to wait before retrying, or `nil` to stop.
    /// - Parameters:
    ///   - retriesSoFar: retries already made (0 after the first attempt).
    ///   - method: the request's method.
    ///   - outcome: what the last attempt produced.
    public func delay(retriesSoFar: Int, method: HTTPMethod, outcome: RetryOutcome) -> Duration? {
        guard retriesSoFar < maxRetries else { return nil }
        switch outcome {
        case .response(let status, let headers):
            guard status == 429 || (500...599).contains(status),
                let seconds = ResponseErrors.retryAfterSeconds(headers)
            else { return nil }
            return .seconds(seconds)
        case .transportError(let error):
            switch error.kind {
            case .connect:
                return connectionFailureDelay
            case .connectionLost where method.isSafeToRepeat:
                return connectionFailureDelay
            default:
                return nil
            }
        }
    }
}
