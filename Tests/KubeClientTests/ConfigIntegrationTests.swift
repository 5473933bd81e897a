//! Loaded configurations against the real local API server: kubeconfig
//! files with certificate files, certificate data, a token and a token file;
//! token file rotation; exec plugins (expiry, 401 refresh, single flight,
//! client certificates); and the request metrics. The server's
//! SelfSubjectReview tells which user a request authenticated as.
import Foundation
import KubeCore
import LocalAPIServer
import MetricsTestKit
import Synchronization
import Testing
import TestSupport

@testable import KubeClient

private let selfSubjectReviews = GroupVersionResource(group: "authentication.k8s.io", version: "v1", resource: "selfsubjectreviews")

/// The user name the server sees for requests of `client`.
private func whoami(_ client: RESTClient) async throws -> String {
    let review = try await client.create(
        selfSubjectReviews, KubeObject(["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"]))
    return review.status?["userInfo"]?["username"]?.stringValue ?? ""
}

/// A temporary directory for one test's kubeconfig and files.
private struct TempDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("kubeconfig-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String, executable: Bool = false) throws {
        let file = (path as NSString).appendingPathComponent(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file) }
    }

    func read(_ name: String) -> String? {
        try? String(contentsOfFile: (path as NSString).appendingPathComponent(name), encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `config` (a kubeconfig whose cluster is `server`) and returns its path.
    func kubeconfig(_ server: TestSupport.TestServer, cluster: [String] = [], user: [String]) throws -> String {
        var lines = ["apiVersion: v1", "kind: Config", "clusters:", "- name: local", "  cluster:", "    server: \(server.url)"]
        lines += cluster.map { "    " + $0 }
        lines += ["users:", "- name: me", "  user:"] + user.map { "    " + $0 }
        lines += ["contexts:", "- name: local", "  context: {cluster: local, user: me, namespace: team}", "current-context: local"]
        try write("config", lines.joined(separator: "\n") + "\n")
        return (path as NSString).appendingPathComponent("config")
    }
}

/// Runs `body` with a temporary directory that is removed afterwards.
private func withTempDirectory<T>(_ body: (TempDirectory) async throws -> T) async throws -> T {
    let directory = try TempDirectory()
    defer { directory.remove() }
    return try await body(directory)
}

private func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

@Suite("Loaded configurations against the local API server")
struct ConfigIntegrationTests {
    enum Credential: String, CaseIterable, Sendable {
        case certificateFiles, certificateData, token, tokenFile
    }

    @Test("a kubeconfig authenticates the client", arguments: Credential.allCases)
    func kubeconfigCredentials(_ credential: Credential) async throws {
        try await TestSupport.TestServer.with(tokens: ["static-token": UserInfo(name: "token-user")]) { server in
            try await withTempDirectory { directory in
                let ca = server.credentials.authority.certificate.pem
                let alice = try server.credentials.clientCredentials(user: "alice")
                let user: [String]
                var cluster = ["certificate-authority-data: \(base64(ca))"]
                switch credential {
                case .certificateFiles:
                    try directory.write("ca.crt", ca)
                    try directory.write("alice.crt", alice.certificate.pem)
                    try directory.write("alice.key", alice.key.pemPKCS8)
                    cluster = ["certificate-authority: ca.crt"]
                    user = ["client-certificate: alice.crt", "client-key: ./alice.key"]
                case .certificateData:
                    user = ["client-certificate-data: \(base64(alice.certificate.pem))", "client-key-data: \(base64(alice.key.pemPKCS8))"]
                case .token:
                    user = ["token: static-token"]
                case .tokenFile:
                    try directory.write("token", "static-token\n")
                    user = ["tokenFile: token"]
                }
                let path = try directory.kubeconfig(server, cluster: cluster, user: user)
                let resolved = try ClientConfiguration.load(kubeconfig: path)
                #expect(resolved.namespace == "team")
                let client = try RESTClient(configuration: resolved.configuration)
                let expected = credential == .token || credential == .tokenFile ? "token-user" : "alice"
                #expect(try await whoami(client) == expected)
            }
        }
    }

    @Test("a rotated token file switches users after the reload interval")
    func tokenRotation() async throws {
        let tokens = ["token-a": UserInfo(name: "user-a"), "token-b": UserInfo(name: "user-b")]
        try await TestSupport.TestServer.with(tokens: tokens) { server in
            try await withTempDirectory { directory in
                try directory.write("token", "token-a\n")
                let path = try directory.kubeconfig(
                    server, cluster: ["certificate-authority-data: \(base64(server.credentials.authority.certificate.pem))"],
                    user: ["tokenFile: token"])
                let resolved = try ClientConfiguration.load(
                    kubeconfig: path, authentication: AuthenticationOptions(tokenReloadInterval: .milliseconds(200)))
                let client = try RESTClient(configuration: resolved.configuration)
                #expect(try await whoami(client) == "user-a")
                try directory.write("token", "token-b\n")
                try await eventually { try await whoami(client) == "user-b" }
                // A broken rotation keeps the last good token.
                try directory.write("token", "")
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await whoami(client) == "user-b")
            }
        }
    }

    /// A plugin that counts its runs in `count` and prints the credential in
    /// `credential-<run>.json`, or a token `exec-<run>` expiring on 1 January
    /// of the year 2029 + run.
    private static let plugin = """
        #!/bin/sh
        dir=$(dirname "$0")
        n=$(( $(cat "$dir/count" 2>/dev/null || echo 0) + 1 ))
        echo "$n" > "$dir/count"
        sleep 0.2
        if [ -f "$dir/credential-$n.json" ]; then cat "$dir/credential-$n.json"; exit 0; fi
        printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-%s","expirationTimestamp":"%s-01-01T00:00:00Z"}}' "$n" $(( 2029 + n ))
        """

    private static let execUser = [
        "exec:", "  apiVersion: client.authentication.k8s.io/v1", "  command: ./plugin.sh", "  interactiveMode: Never",
        "  provideClusterInfo: true",
    ]

    private func execClient(
        _ server: TestSupport.TestServer, _ directory: TempDirectory, clock: ManualWallClock, metrics: ClientMetrics = .disabled
    ) throws -> RESTClient {
        try directory.write("plugin.sh", Self.plugin, executable: true)
        let path = try directory.kubeconfig(
            server, cluster: ["certificate-authority-data: \(base64(server.credentials.authority.certificate.pem))"],
            user: Self.execUser)
        let resolved = try ClientConfiguration.load(kubeconfig: path, authentication: AuthenticationOptions(clock: clock))
        return try RESTClient(configuration: resolved.configuration, metrics: metrics)
    }

    @Test("an exec plugin runs once for concurrent requests and again after its credential expired")
    func execExpiry() async throws {
        let tokens = ["exec-1": UserInfo(name: "exec-user-1"), "exec-2": UserInfo(name: "exec-user-2")]
        try await TestSupport.TestServer.with(tokens: tokens) { server in
            try await withTempDirectory { directory in
                let clock = ManualWallClock(KubeTime.parse("2029-12-31T23:00:00Z") ?? Date())
                let client = try execClient(server, directory, clock: clock)
                let users = try await withThrowingTaskGroup(of: String.self) { group in
                    for _ in 0..<8 { group.addTask { try await whoami(client) } }
                    return try await group.reduce(into: [String]()) { $0.append($1) }
                }
                #expect(users == Array(repeating: "exec-user-1", count: 8))
                #expect(directory.read("count") == "1\n")
                clock.set(KubeTime.parse("2030-01-01T00:00:00Z") ?? Date())
                #expect(try await whoami(client) == "exec-user-2")
                #expect(directory.read("count") == "2\n")
            }
        }
    }

    @Test("a 401 makes the exec plugin run again and the request retried once, counted as a retry")
    func execUnauthorized() async throws {
        // The server does not know the first run's token.
        try await TestSupport.TestServer.with(tokens: ["exec-2": UserInfo(name: "exec-user-2")]) { server in
            try await withTempDirectory { directory in
                let metrics = TestMetrics()
                let client = try execClient(server, directory, clock: ManualWallClock(), metrics: ClientMetrics(factory: metrics))
                #expect(try await whoami(client) == "exec-user-2")
                #expect(directory.read("count") == "2\n")
                let host = ClientMetrics.hostLabel(server: server.url)
                #expect(metrics.counterTotal(
                    label: "rest_client_request_retries_total", dimensions: [("code", "401"), ("verb", "POST"), ("host", host)]) == 1)
                #expect(metrics.counterTotal(
                    label: "rest_client_requests_total", dimensions: [("code", "401"), ("method", "POST"), ("host", host)]) == 1)
                #expect(metrics.counterTotal(
                    label: "rest_client_requests_total", dimensions: [("code", "201"), ("method", "POST"), ("host", host)]) == 1)
            }
        }
    }

    @Test("a client certificate from an exec plugin is presented to the server")
    func execClientCertificate() async throws {
        try await TestSupport.TestServer.with { server in
            try await withTempDirectory { directory in
                let user = try server.credentials.clientCredentials(user: "exec-cert-user")
                let credential: JSONValue = [
                    "apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                    "status": ["clientCertificateData": .string(user.certificate.pem), "clientKeyData": .string(user.key.pemPKCS8)],
                ]
                try directory.write("credential-1.json", credential.jsonString())
                let client = try execClient(server, directory, clock: ManualWallClock())
                #expect(try await whoami(client) == "exec-cert-user")
            }
        }
    }

    @Test("requests are counted by code, method and host, and timed by verb and host")
    func requestMetrics() async throws {
        try await TestSupport.TestServer.with { server in
            let metrics = TestMetrics()
            let client = RESTClient(transport: server.client.transport, metrics: ClientMetrics(factory: metrics))
            _ = try await client.get(.init(group: "", version: "v1", resource: "namespaces"), name: "default")
            _ = await expectAPIError { _ = try await client.get(.init(group: "", version: "v1", resource: "namespaces"), name: "nope") }
            let host = ClientMetrics.hostLabel(server: server.url)
            #expect(host.hasPrefix("127.0.0.1:") || host.hasPrefix("localhost:"))
            for code in ["200", "404"] {
                #expect(metrics.counterTotal(
                    label: "rest_client_requests_total", dimensions: [("code", code), ("method", "GET"), ("host", host)]) == 1)
            }
            let timer = try metrics.expectTimer("rest_client_request_duration_seconds", [("verb", "GET"), ("host", host)])
            #expect(timer.values.count == 2)
        }
    }
}
