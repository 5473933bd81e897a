//! Failures below HTTP: a request that got no (complete) response because of
//! the network, TLS, a timeout or the transport shutting down.

/// A request that failed without a complete HTTP response.
///
/// HTTP error statuses are not transport errors: the REST layer turns them
/// into `APIError`. Task cancellation surfaces as `CancellationError`.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, coarsely, for retry decisions.
    public enum Kind: Sendable, Hashable {
        /// No connection could be made (name resolution, refused, proxy):
        /// the request was not sent.
        case connect
        /// The TLS handshake failed, e.g. the server certificate is not trusted.
        case tls
        /// The request or connect timeout, or the idle timeout, expired.
        case timeout
        /// The connection broke after the request may have been sent.
        case connectionLost
        /// The request could not be built (bad URL, unsupported option).
        case invalidRequest
        /// The transport was shut down before the request completed.
        case shutdown
        /// Any other libcurl failure.
        case other
    }

    public var kind: Kind
    /// The libcurl result code, when libcurl reported the failure.
    public var curlCode: Int?
    /// A human-readable account that names the request and libcurl's detail,
    /// e.g. `GET https://127.0.0.1:6443/api: SSL peer certificate or SSH
    /// remote key was not OK (SSL certificate problem: unable to get local
    /// issuer certificate)`.
    public var message: String

    public init(kind: Kind, curlCode: Int? = nil, message: String) {
        self.kind = kind
        self.curlCode = curlCode
        self.message = message
    }

    public var description: String { message }
}
