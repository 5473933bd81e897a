//! Test support shared by the integration test targets: a local API server on
//! an ephemeral port for one test, a real client (libcurl over HTTPS with a
//! client certificate) to talk to it, and polling helpers.
//! Used only by test targets; never linked into the shipped binaries.
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Logging
import PKI
import Testing

public struct TestServer: Sendable {
    public let server: LocalAPIServer
    /// A client authenticated as `admin` in `system:masters`.
    public let client: RESTClient
    public let url: String
    public let credentials: ClusterCredentials

    /// Runs `body` against a fresh server, then stops the server.
    public static func with<T: Sendable>(
        options: APIServerOptions = APIServerOptions(),
        tokens: [String: UserInfo] = [:],
        authorizationMode: AuthorizationMode = .alwaysAllow,
        _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        let credentials = try ClusterCredentials.generate()
        var configuration = LocalAPIServer.Configuration(credentials: credentials)
        configuration.options = options
        configuration.tokens = tokens
        configuration.authorizationMode = authorizationMode
        var logger = Logger(label: "test-apiserver")
        logger.logLevel = .warning
        let server = LocalAPIServer(configuration: configuration, logger: logger)
        return try await withRunningService(server, logger: logger) {
            let url = await server.httpsURL()
            let admin = try credentials.clientCredentials(user: "admin", groups: ["system:masters"])
            let client = try RESTClient(configuration: ClientConfiguration(
                server: url,
                tls: TLSOptions(caCertificatesPEM: Data(credentials.authority.certificate.pem.utf8),
                                clientCertificatePEM: Data(admin.certificate.pem.utf8),
                                clientKeyPEM: Data(admin.key.pemPKCS8.utf8))))
            let test = TestServer(server: server, client: client, url: url, credentials: credentials)
            try await test.waitForNamespace("default")
            return try await body(test)
        }
    }

    /// A client for `url` with the cluster CA and the given extra credentials.
    public func client(token: String? = nil, certificate: (Certificate, PrivateKey)? = nil, ca: String? = nil) throws -> RESTClient {
        try RESTClient(configuration: ClientConfiguration(
            server: url,
            tls: TLSOptions(caCertificatesPEM: Data((ca ?? credentials.authority.certificate.pem).utf8),
                            clientCertificatePEM: certificate.map { Data($0.0.pem.utf8) },
                            clientKeyPEM: certificate.map { Data($0.1.pemPKCS8.utf8) }),
            bearerToken: token.map { StaticBearerToken($0) }))
    }

    public func waitForNamespace(_ name: String) async throws {
        try await eventually { (try? await client.get(.namespaces, name: name)) != nil }
    }

    /// Creates a namespace for a test.
    @discardableResult
    public func namespace(_ name: String) async throws -> KubeObject {
        try await client.create(.namespaces, KubeObject(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]))
    }

    /// Installs a CRD and waits until it is Established and served.
    public func installCRD(_ crd: KubeObject, resource: GroupVersionResource) async throws {
        _ = try await client.create(.customResourceDefinitions, crd)
        try await eventually {
            guard let current = try? await client.get(.customResourceDefinitions, name: crd.name) else { return false }
            guard current.conditions[type: "Established"]?.isTrue == true else { return false }
            return (try? await client.list(resource, namespace: nil)) != nil
        }
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` every 20 ms until it holds, failing after `timeout`.
public func eventually(timeout: Duration = .seconds(10), _ condition: @Sendable () async throws -> Bool,
                sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("condition not met within \(timeout)", sourceLocation: sourceLocation)
    throw TestFailure("timed out")
}

/// Expects `body` to fail with an APIError and returns it.
public func expectAPIError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> APIError? {
    do {
        try await body()
        Issue.record("expected an APIError, but the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as APIError {
        return error
    } catch {
        Issue.record("expected an APIError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}


extension TestServer {
    /// Writes a kubeconfig for this server authenticating as `user` (in
    /// `groups`) with a client certificate, and returns its path.
    public func writeKubeconfig(
        in directory: URL, user: String = "admin", groups: [String] = ["system:masters"], namespace: String = "default"
    ) throws -> String {
        let credentials = try self.credentials.clientCredentials(user: user, groups: groups)
        let text = KubeconfigFile.render(
            server: url, caPEM: self.credentials.authority.certificate.pem, user: user,
            credential: .clientCertificate(certificatePEM: credentials.certificate.pem, keyPEM: credentials.key.pemPKCS8),
            namespace: namespace)
        let path = directory.appendingPathComponent("kubeconfig-\(user)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}
