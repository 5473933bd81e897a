//! LocalAPIServer: the local Kubernetes API server as a `Service` — the
//! HTTPS listener (and optional plain-HTTP loopback listener) in front of
//! `APIServerCore`, plus the CRD controller that serves custom resources and
//! the ClusterRole aggregation controller.
import Foundation
import Hummingbird
import HummingbirdTLS
import KubeCore
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization

public final class LocalAPIServer: Service, Sendable {
    public struct Configuration: Sendable {
        /// Address to listen on for HTTPS.
        public var host = "127.0.0.1"
        /// HTTPS port; 0 picks a free one.
        public var port = 0
        /// Also serve plain HTTP on loopback at this port (0 picks one); nil disables it.
        public var plainHTTPPort: Int?
        public var credentials: ClusterCredentials
        public var tokens: [String: UserInfo] = [:]
        public var options = APIServerOptions()
        /// How many changes are kept for watches to resume from; older ones answer 410 Gone.
        public var watchHistory = 100_000
        /// `--authorization-mode`: AlwaysAllow (the default) or RBAC.
        public var authorizationMode: AuthorizationMode = .alwaysAllow

        public init(credentials: ClusterCredentials) {
            self.credentials = credentials
        }
    }

    public let configuration: Configuration
    public let core: APIServerCore
    public let authenticator: Authenticator
    public let faults: FaultInjector
    public let requests: RequestLog
    let logger: Logger
    private let listening = ListeningPorts()

    /// - Parameter authorizer: replaces the authorizer `configuration.authorizationMode` selects.
    public init(configuration: Configuration, authorizer: (any Authorizer)? = nil, logger: Logger = Logger(label: "local-apiserver")) {
        self.configuration = configuration
        let store = ObjectStore(historyLimit: configuration.watchHistory)
        let authenticator = Authenticator(tokens: configuration.tokens)
        var accessControl = AccessControl.mode(configuration.authorizationMode, store: store, authenticator: authenticator)
        if let authorizer { accessControl.authorizer = authorizer }
        self.core = APIServerCore(store: store, options: configuration.options, logger: logger, accessControl: accessControl)
        self.authenticator = authenticator
        self.faults = FaultInjector()
        self.requests = RequestLog()
        self.logger = logger
    }

    private var authorizer: any Authorizer { core.accessControl.authorizer }

    /// The HTTPS port, once listening.
    public func httpsPort() async -> Int { await listening.wait(for: .https) }
    /// The plain-HTTP port, once listening (only when configured).
    public func plainHTTPPort() async -> Int { await listening.wait(for: .plain) }

    public func httpsURL() async -> String { "https://\(configuration.host):\(await httpsPort())" }

    public func run() async throws {
        try await bootstrap()
        let responder = APIResponder(core: core, authenticator: authenticator, authorizer: authorizer, faults: faults,
                                     requests: requests, admin: AdminEndpoints(core: core, faults: faults, requests: requests),
                                     logger: logger)
        let credentials = configuration.credentials
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(credentials.servingCertificate.pem.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(credentials.servingKey.pemPKCS8.utf8), format: .pem)))
        tls.certificateVerification = .optionalVerification
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(credentials.authority.certificate.pem.utf8), format: .pem)])
        let listening = self.listening
        var services: [any Service] = [CRDController(core: core, logger: logger), RBACAggregationController(core: core, logger: logger)]
        if let plain = configuration.plainHTTPPort {
            services.append(Application(
                responder: responder, server: .http1(),
                configuration: .init(address: .hostname("127.0.0.1", port: plain), serverName: nil),
                onServerRunning: { channel in listening.set(.plain, channel.localAddress?.port ?? 0) },
                logger: logger))
        }
        let https = Application(
            responder: responder, server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            services: services,
            onServerRunning: { channel in listening.set(.https, channel.localAddress?.port ?? 0) },
            logger: logger)
        try await https.run()
    }

    /// Creates what every cluster starts with: the system namespaces and the `kubernetes` Service.
    func bootstrap() async throws {
        let client = InProcessClient(core: core)
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"]
        where try await client.getIfPresent(.namespaces, name: name) == nil {
            try await client.create(.namespaces, KubeObject(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]))
        }
        if try await client.getIfPresent(.services, namespace: "default", name: "kubernetes") == nil {
            try await client.create(.services, KubeObject([
                "apiVersion": "v1", "kind": "Service",
                "metadata": ["name": "kubernetes", "namespace": "default", "labels": ["component": "apiserver", "provider": "kubernetes"]],
                "spec": ["clusterIP": "10.96.0.1", "ports": [["name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443]]],
            ]))
        }
        try await RBACBootstrapPolicy.install(into: core)
    }
}

/// Ports of the running listeners, for callers that wait for the server to come up.
final class ListeningPorts: Sendable {
    enum Listener: Hashable, Sendable { case https, plain }

    private struct State {
        var ports: [Listener: Int] = [:]
        var waiters: [(Listener, CheckedContinuation<Int, Never>)] = []
    }

    private let state = Mutex(State())

    func set(_ listener: Listener, _ port: Int) {
        let ready = state.withLock { s -> [CheckedContinuation<Int, Never>] in
            s.ports[listener] = port
            let matching = s.waiters.filter { $0.0 == listener }.map(\.1)
            s.waiters.removeAll { $0.0 == listener }
            return matching
        }
        for waiter in ready { waiter.resume(returning: port) }
    }

    func wait(for listener: Listener) async -> Int {
        await withCheckedContinuation { continuation in
            let port = state.withLock { s -> Int? in
                if let port = s.ports[listener] { return port }
                s.waiters.append((listener, continuation))
                return nil
            }
            if let port { continuation.resume(returning: port) }
        }
    }
}
