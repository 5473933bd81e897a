//! How the client reaches and authenticates to an API server: the server URL,
//! TLS trust and client certificates, bearer tokens and connection tuning.
import Foundation

/// Everything the transport needs to talk to one API server.
public struct ClientConfiguration: Sendable {
    /// The server base URL, `https://host:port`, optionally with a path prefix
    /// (`https://host/k8s`). Request paths are appended to it.
    public var server: String
    public var tls: TLSOptions
    /// Supplies the bearer token for each request; `nil` sends no
    /// `Authorization` header. Asked before every request, so a provider may
    /// re-read a rotated token file.
    public var bearerToken: (any BearerTokenProvider)?
    /// Supplies a client certificate per request that replaces
    /// `tls.clientCertificatePEM`/`clientKeyPEM` (an exec credential plugin
    /// that returns certificates); `nil` uses `tls` only. libcurl does not
    /// reuse a connection made with a different client certificate, so a
    /// rotated certificate takes effect on the next request.
    public var clientCertificate: (any ClientCertificateProvider)?
    /// The `User-Agent` header.
    public var userAgent: String
    /// The limit on a whole buffered exchange (`send`) when the request sets none.
    public var requestTimeout: Duration
    /// The limit on establishing a connection, TLS handshake included.
    public var connectTimeout: Duration
    /// The idle time before TCP keepalive probes start, and their interval;
    /// `nil` disables keepalive probes.
    public var tcpKeepAlive: Duration?
    /// An HTTP(S) proxy URL. `nil` connects directly and ignores `*_proxy`
    /// environment variables.
    public var proxyURL: String?
    /// How many idle connections the pool keeps open for reuse.
    public var maxIdleConnections: Int

    /// The user agent of this client: `openshell-operator/<version>`.
    public static let defaultUserAgent = "openshell-operator/\(KubeClientVersion.current)"

    /// - Parameters:
    ///   - server: the base URL, e.g. `https://127.0.0.1:6443`.
    ///   - tls: trust, client certificate and server name options (defaults: system trust, verification on).
    ///   - bearerToken: the token provider, if any.
    ///   - clientCertificate: the dynamic client certificate provider, if any.
    ///   - userAgent: defaults to ``defaultUserAgent``.
    ///   - requestTimeout: defaults to 30 s.
    ///   - connectTimeout: defaults to 30 s (client-go's dial timeout).
    ///   - tcpKeepAlive: defaults to 30 s (client-go's dial keepalive).
    ///   - proxyURL: defaults to `nil` (direct connections).
    ///   - maxIdleConnections: defaults to 25 (client-go's idle connections per host).
    public init(
        server: String,
        tls: TLSOptions = TLSOptions(),
        bearerToken: (any BearerTokenProvider)? = nil,
        clientCertificate: (any ClientCertificateProvider)? = nil,
        userAgent: String = ClientConfiguration.defaultUserAgent,
        requestTimeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(30),
        tcpKeepAlive: Duration? = .seconds(30),
        proxyURL: String? = nil,
        maxIdleConnections: Int = 25
    ) {
        self.server = server
        self.tls = tls
        self.bearerToken = bearerToken
        self.clientCertificate = clientCertificate
        self.userAgent = userAgent
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.tcpKeepAlive = tcpKeepAlive
        self.proxyURL = proxyURL
        self.maxIdleConnections = maxIdleConnections
    }
}

/// The version this client reports in its user agent.
public enum KubeClientVersion {
    public static let current = "0.1.0"
}

/// TLS settings for the connection to the API server.
public struct TLSOptions: Sendable, Hashable {
    /// PEM certificates of the authorities trusted to sign the server
    /// certificate (kubeconfig `certificate-authority-data`). When set, only
    /// these are trusted; when `nil`, the system trust store is used.
    public var caCertificatesPEM: Data?
    /// The PEM client certificate (chain) presented to the server.
    public var clientCertificatePEM: Data?
    /// The PEM private key of `clientCertificatePEM`.
    public var clientKeyPEM: Data?
    /// Skips verification of the server certificate and host name. For tests only.
    public var insecureSkipTLSVerify: Bool
    /// The name to verify the server certificate against (and to send as SNI)
    /// instead of the host of the server URL. Implemented by addressing the
    /// request to this name and pointing libcurl's `CONNECT_TO` at the real
    /// host; the `Host` header keeps the server URL's authority.
    public var serverName: String?

    public init(
        caCertificatesPEM: Data? = nil, clientCertificatePEM: Data? = nil, clientKeyPEM: Data? = nil,
        insecureSkipTLSVerify: Bool = false, serverName: String? = nil
    ) {
        self.caCertificatesPEM = caCertificatesPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.serverName = serverName
    }
}

/// A source of bearer tokens, asked once per request.
///
/// Implementations must never log or print the token they return.
public protocol BearerTokenProvider: Sendable {
    /// The token to send as `Authorization: Bearer <token>`. An empty token
    /// sends no `Authorization` header.
    func token() async throws -> String

    /// Called when the server answered 401 Unauthorized to a request made
    /// with the current credential. A provider that can fetch a fresh one
    /// drops what it cached and returns `true`; the client then retries the
    /// request once. The default does nothing and returns `false` (no retry).
    @discardableResult
    func invalidate() -> Bool
}

extension BearerTokenProvider {
    @discardableResult
    public func invalidate() -> Bool { false }
}

/// A PEM client certificate and its key. Its description never shows the key.
public struct ClientCertificate: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public var certificatePEM: Data
    public var keyPEM: Data

    public init(certificatePEM: Data, keyPEM: Data) {
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
    }

    public var description: String { "ClientCertificate(<redacted>)" }
    public var debugDescription: String { description }
}

/// A source of client certificates, asked once per request (for example an
/// exec credential plugin that returns `clientCertificateData`).
public protocol ClientCertificateProvider: Sendable {
    /// The certificate to present, or `nil` for the transport's static `tls` settings.
    func clientCertificate() async throws -> ClientCertificate?

    /// As `BearerTokenProvider.invalidate()`.
    @discardableResult
    func invalidate() -> Bool
}

extension ClientCertificateProvider {
    @discardableResult
    public func invalidate() -> Bool { false }
}

/// A fixed bearer token. Its description never shows the token.
public struct StaticBearerToken: BearerTokenProvider, CustomStringConvertible, CustomDebugStringConvertible {
    private let value: String

    public init(_ value: String) { self.value = value }

    public func token() async throws -> String { value }

    public var description: String { "StaticBearerToken(<redacted>)" }
    public var debugDescription: String { description }
}
