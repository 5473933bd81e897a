//! Kubeconfig parsing, merging, context selection, path resolution, the
//! loading order and in-cluster configuration, on an in-memory file system;
//! and every configuration error message.
import Foundation
import KubeCore
import Testing

@testable import KubeClient

private let caPEM = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"
private let certPEM = "-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n"
private let keyPEM = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n"

/// A kubeconfig with one cluster, user and context named `name`, plus extra YAML lines for the user.
private func kubeconfig(
    name: String = "dev", server: String = "https://dev.example:6443", current: String? = "dev", namespace: String? = nil,
    cluster: [String] = [], user: [String] = ["token: dev-token"]
) -> String {
    var lines = ["apiVersion: v1", "kind: Config", "clusters:", "- name: \(name)", "  cluster:", "    server: \(server)"]
    lines += cluster.map { "    " + $0 }
    lines += ["users:", "- name: \(name)-user", "  user:"] + user.map { "    " + $0 }
    lines += ["contexts:", "- name: \(name)", "  context:", "    cluster: \(name)", "    user: \(name)-user"]
    if let namespace { lines.append("    namespace: \(namespace)") }
    if let current { lines.append("current-context: \(current)") }
    return lines.joined(separator: "\n") + "\n"
}

private func token(_ configuration: ClientConfiguration) async throws -> String? {
    try await configuration.bearerToken?.token()
}

@Suite("Kubeconfig")
struct KubeconfigTests {
    // MARK: Parsing

    @Test("parses clusters, users and contexts with every supported field")
    func parsesFields() throws {
        let text = """
            clusters:
            - name: c
              cluster:
                server: https://c.example
                certificate-authority-data: \(caPEM.base64)
                tls-server-name: api.internal
                proxy-url: http://proxy:3128
            users:
            - name: u
              user:
                client-certificate-data: \(certPEM.base64)
                client-key-data: \(keyPEM.base64)
                token: t0
                tokenFile: tokens/t
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./bin/plugin
                  args: [a, b]
                  env:
                  - name: FOO
                    value: bar
                  interactiveMode: Never
                  provideClusterInfo: true
            contexts:
            - name: ctx
              context: {cluster: c, user: u, namespace: team}
            current-context: ctx
            """
        let config = try Kubeconfig.parse(text, file: "/cfg/dir/config")
        let cluster = try #require(config.clusters["c"])
        #expect(cluster.server == "https://c.example")
        #expect(cluster.certificateAuthorityData == Data(caPEM.utf8))
        #expect(cluster.tlsServerName == "api.internal")
        #expect(cluster.proxyURL == "http://proxy:3128")
        #expect(cluster.insecureSkipTLSVerify == false)
        let user = try #require(config.users["u"])
        #expect(user.clientCertificateData == Data(certPEM.utf8))
        #expect(user.clientKeyData == Data(keyPEM.utf8))
        #expect(user.token == "t0")
        #expect(user.tokenFile == "/cfg/dir/tokens/t")
        let exec = try #require(user.exec)
        #expect(exec.command == "/cfg/dir/bin/plugin")
        #expect(exec.args == ["a", "b"])
        #expect(exec.env == [.init(name: "FOO", value: "bar")])
        #expect(exec.interactiveMode == .never)
        #expect(exec.provideClusterInfo)
        #expect(config.contexts["ctx"] == Kubeconfig.Context(
            source: .init(file: "/cfg/dir/config", path: "contexts[name=ctx]"), cluster: "c", user: "u", namespace: "team"))
        #expect(config.currentContext == "ctx")
    }

    @Test("a user's description, debug description and dump never show its credentials")
    func userRedaction() throws {
        let config = try Kubeconfig.parse(
            kubeconfig(user: ["token: secret-token", "client-key-data: \(keyPEM.base64)"]), file: "/k")
        let user = try #require(config.users["dev-user"])
        var dumped = ""
        dump(config, to: &dumped)
        for text in ["\(user)", String(reflecting: user), dumped] {
            #expect(!text.contains("secret-token"))
            #expect(!text.contains(keyPEM.base64))
            #expect(!text.contains("KEY"))
        }
    }

    @Test("relative paths resolve against the kubeconfig's directory; absolute paths and PATH commands stay")
    func relativePaths() throws {
        let text = """
            clusters:
            - name: c
              cluster: {server: "https://c", certificate-authority: ../pki/ca.crt}
            - name: d
              cluster: {server: "https://d", certificate-authority: /etc/ca.crt}
            users:
            - name: u
              user: {client-certificate: u.crt, client-key: ./keys/u.key, exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws}}
            """
        let config = try Kubeconfig.parse(text, file: "/home/me/.kube/config")
        #expect(config.clusters["c"]?.certificateAuthority == "/home/me/pki/ca.crt")
        #expect(config.clusters["d"]?.certificateAuthority == "/etc/ca.crt")
        #expect(config.users["u"]?.clientCertificate == "/home/me/.kube/u.crt")
        #expect(config.users["u"]?.clientKey == "/home/me/.kube/keys/u.key")
        #expect(config.users["u"]?.exec?.command == "aws")
    }

    @Test("an empty file is an empty configuration")
    func emptyFile() throws {
        #expect(try Kubeconfig.parse("", file: "/x") == Kubeconfig())
    }

    // MARK: Merging and contexts

    @Test("merging: the first file that defines a name or sets current-context wins")
    func merging() throws {
        let first = try Kubeconfig.parse(kubeconfig(name: "dev", server: "https://first", current: nil), file: "/a")
        let second = try Kubeconfig.parse(kubeconfig(name: "dev", server: "https://second", current: "dev"), file: "/b")
        let third = try Kubeconfig.parse(kubeconfig(name: "prod", server: "https://prod", current: "prod"), file: "/c")
        let merged = Kubeconfig.merged([first, second, third])
        #expect(merged.clusters["dev"]?.server == "https://first")
        #expect(merged.clusters["dev"]?.source.file == "/a")
        #expect(merged.clusters["prod"]?.server == "https://prod")
        #expect(merged.currentContext == "dev")
        #expect(Set(merged.contexts.keys) == ["dev", "prod"])
    }

    @Test("KUBECONFIG lists several files: merged in order, missing files skipped, the explicit context picks another file's entry")
    func kubeconfigVariable() async throws {
        let files = FakeFiles([
            "/a": kubeconfig(name: "dev", server: "https://dev", current: nil, namespace: "dev-ns"),
            "/c": kubeconfig(name: "prod", server: "https://prod", current: "prod", user: ["token: prod-token"]),
        ])
        let environment = files.environment(["KUBECONFIG": "/a:/missing:/c"])
        let current = try ClientConfiguration.load(environment: environment)
        #expect(current.configuration.server == "https://prod")
        #expect(current.namespace == "default")
        #expect(try await token(current.configuration) == "prod-token")
        #expect(current.source == #"kubeconfig /a:/missing:/c, context "prod""#)
        let chosen = try ClientConfiguration.load(context: "dev", environment: environment)
        #expect(chosen.configuration.server == "https://dev")
        #expect(chosen.namespace == "dev-ns")
    }

    @Test("loading order: explicit path, then KUBECONFIG, then in-cluster, then ~/.kube/config")
    func loadingOrder() throws {
        let files = FakeFiles([
            "/explicit": kubeconfig(server: "https://explicit"),
            "/env": kubeconfig(server: "https://env"),
            "/home/u/.kube/config": kubeconfig(server: "https://home"),
            "/sa/token": "sa-token\n",
            "/sa/ca.crt": caPEM,
        ])
        let inCluster = ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        func server(_ path: String?, _ variables: [String: String]) throws -> String {
            var environment = files.environment(variables)
            // The in-cluster step reads the default mount; point it at the fake one.
            let readFile = environment.readFile
            environment.readFile = { path in
                try readFile(path.replacingOccurrences(of: InClusterConfig.serviceAccountDirectory, with: "/sa"))
            }
            return try ClientConfiguration.load(kubeconfig: path, environment: environment).configuration.server
        }
        var both = inCluster
        both["KUBECONFIG"] = "/env"
        #expect(try server("/explicit", both) == "https://explicit")
        #expect(try server(nil, both) == "https://env")
        #expect(try server(nil, inCluster) == "https://10.0.0.1:443")
        #expect(try server(nil, [:]) == "https://home")
    }

    // MARK: Resolution into a client configuration

    @Test("files named by the kubeconfig are read; data fields win over files")
    func readsFiles() throws {
        let files = FakeFiles([
            "/k/ca.crt": caPEM, "/k/u.crt": certPEM, "/k/u.key": keyPEM,
            "/k/config": kubeconfig(cluster: ["certificate-authority: ca.crt"], user: ["client-certificate: u.crt", "client-key: u.key"]),
            "/k/data": kubeconfig(
                cluster: ["certificate-authority: missing.crt", "certificate-authority-data: \(caPEM.base64)"],
                user: ["client-certificate-data: \(certPEM.base64)", "client-key-data: \(keyPEM.base64)"]),
        ])
        for path in ["/k/config", "/k/data"] {
            let tls = try ClientConfiguration.load(kubeconfig: path, environment: files.environment()).configuration.tls
            #expect(tls.caCertificatesPEM == Data(caPEM.utf8))
            #expect(tls.clientCertificatePEM == Data(certPEM.utf8))
            #expect(tls.clientKeyPEM == Data(keyPEM.utf8))
        }
    }

    @Test("cluster options: tls-server-name, insecure-skip-tls-verify and proxy-url reach the configuration")
    func clusterOptions() throws {
        let files = FakeFiles([
            "/k": kubeconfig(cluster: ["tls-server-name: api.internal", "insecure-skip-tls-verify: true", "proxy-url: http://proxy:3128"])
        ])
        let configuration = try ClientConfiguration.load(kubeconfig: "/k", environment: files.environment()).configuration
        #expect(configuration.tls.serverName == "api.internal")
        #expect(configuration.tls.insecureSkipTLSVerify)
        #expect(configuration.proxyURL == "http://proxy:3128")
    }

    @Test("token wins over tokenFile; tokenFile becomes a reloading provider")
    func tokens() async throws {
        let files = FakeFiles([
            "/k/both": kubeconfig(user: ["token: inline", "tokenFile: t"]),
            "/k/file": kubeconfig(user: ["tokenFile: t"]),
            "/k/t": "from-file\n",
        ])
        let both = try ClientConfiguration.load(kubeconfig: "/k/both", environment: files.environment()).configuration
        #expect(try await token(both) == "inline")
        let file = try ClientConfiguration.load(kubeconfig: "/k/file", environment: files.environment()).configuration
        #expect(try await token(file) == "from-file")
        #expect(file.bearerToken is TokenFileProvider)
    }

    @Test("an exec user gets one provider for tokens and certificates, with the plugin's environment")
    func execUser() throws {
        let files = FakeFiles([
            "/k": kubeconfig(user: [
                "exec:", "  apiVersion: client.authentication.k8s.io/v1", "  command: get-token", "  interactiveMode: IfAvailable",
            ])
        ])
        let configuration = try ClientConfiguration.load(kubeconfig: "/k", environment: files.environment()).configuration
        let provider = try #require(configuration.bearerToken as? ExecCredentialProvider)
        #expect(configuration.clientCertificate is ExecCredentialProvider)
        #expect(provider.config.command == "get-token")
        #expect(provider.userName == "dev-user")
    }

    // MARK: In-cluster

    struct InClusterCase: Sendable, CustomTestStringConvertible {
        var host: String
        var server: String
        var namespaceFile: String?
        var namespace: String
        var testDescription: String { "\(host) → \(server), namespace \(namespace)" }
    }

    @Test("in-cluster: service host and port (IPv6 bracketed), token, CA and namespace file", arguments: [
        InClusterCase(host: "10.96.0.1", server: "https://10.96.0.1:443", namespaceFile: "operators\n", namespace: "operators"),
        InClusterCase(host: "fd00::1", server: "https://[fd00::1]:443", namespaceFile: nil, namespace: "default"),
    ])
    func inCluster(_ example: InClusterCase) async throws {
        let files = FakeFiles(["/sa/token": "sa-token\n", "/sa/ca.crt": caPEM])
        if let namespace = example.namespaceFile { files.write("/sa/namespace", namespace) }
        let environment = files.environment(["KUBERNETES_SERVICE_HOST": example.host, "KUBERNETES_SERVICE_PORT": "443"])
        let resolved = try ClientConfiguration.inCluster(environment: environment, serviceAccountDirectory: "/sa")
        #expect(resolved.configuration.server == example.server)
        #expect(resolved.namespace == example.namespace)
        #expect(resolved.configuration.tls.caCertificatesPEM == Data(caPEM.utf8))
        #expect(try await token(resolved.configuration) == "sa-token")
        #expect(resolved.configuration.bearerToken is TokenFileProvider)
    }

    // MARK: Errors

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var name: String
        var files: [String: String]
        var kubeconfigPath: String?
        var context: String?
        var variables: [String: String] = [:]
        var message: String
        var testDescription: String { name }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(
            name: "missing client certificate file",
            files: ["/x/config": kubeconfig(user: ["client-certificate: missing.pem", "client-key: k.pem"]), "/x/k.pem": keyPEM],
            kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: users[name=dev-user].user.client-certificate: open /x/missing.pem: no such file or directory"),
        ErrorCase(
            name: "missing client key file",
            files: ["/x/config": kubeconfig(user: ["client-certificate-data: \(certPEM.base64)", "client-key: k.pem"])],
            kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: users[name=dev-user].user.client-key: open /x/k.pem: no such file or directory"),
        ErrorCase(
            name: "missing CA file",
            files: ["/x/config": kubeconfig(cluster: ["certificate-authority: /etc/none.crt"])], kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: clusters[name=dev].cluster.certificate-authority: open /etc/none.crt: no such file or directory"),
        ErrorCase(
            name: "missing token file",
            files: ["/x/config": kubeconfig(user: ["tokenFile: tok"])], kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: users[name=dev-user].user.tokenFile: open /x/tok: no such file or directory"),
        ErrorCase(
            name: "empty token file",
            files: ["/x/config": kubeconfig(user: ["tokenFile: tok"]), "/x/tok": "\n"], kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: users[name=dev-user].user.tokenFile: read token file /x/tok: the file is empty"),
        ErrorCase(
            name: "certificate without key",
            files: ["/x/config": kubeconfig(user: ["client-certificate-data: \(certPEM.base64)"])], kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: users[name=dev-user].user: client-key-data or client-key must be specified for dev-user to use the clientCert authentication method."),
        ErrorCase(
            name: "key without certificate",
            files: ["/x/config": kubeconfig(user: ["client-key-data: \(keyPEM.base64)"])], kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: users[name=dev-user].user: client-certificate-data or client-certificate must be specified for dev-user to use the clientCert authentication method."),
        ErrorCase(
            name: "invalid base64",
            files: ["/x/config": kubeconfig(user: ["client-key-data: '%%%'"])], kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: users[name=dev-user].user.client-key-data: illegal base64 data"),
        ErrorCase(
            name: "wrong type",
            files: ["/x/config": kubeconfig(cluster: ["insecure-skip-tls-verify: maybe"])], kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: clusters[name=dev].cluster.insecure-skip-tls-verify: expected a boolean, got string"),
        ErrorCase(
            name: "insecure with a CA",
            files: ["/x/config": kubeconfig(cluster: ["insecure-skip-tls-verify: true", "certificate-authority-data: \(caPEM.base64)"])],
            kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: clusters[name=dev].cluster.insecure-skip-tls-verify: specifying a root certificates file with the insecure flag is not allowed"),
        ErrorCase(
            name: "no server",
            files: ["/x/config": kubeconfig(server: "")], kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: clusters[name=dev].cluster.server: cluster has no server defined"),
        ErrorCase(
            name: "bad server URL",
            files: ["/x/config": kubeconfig(server: "ftp://x")], kubeconfigPath: "/x/config",
            message: #"kubeconfig /x/config: clusters[name=dev].cluster.server: invalid server URL "ftp://x""#),
        ErrorCase(
            name: "bad proxy URL",
            files: ["/x/config": kubeconfig(cluster: ["proxy-url: gopher://p"])], kubeconfigPath: "/x/config",
            message: #"kubeconfig /x/config: clusters[name=dev].cluster.proxy-url: unsupported proxy URL "gopher://p": the scheme must be http, https or socks5"#),
        ErrorCase(
            name: "unknown explicit context",
            files: ["/x/config": kubeconfig()], kubeconfigPath: "/x/config", context: "foo",
            message: #"context "foo" does not exist"#),
        ErrorCase(
            name: "current context names nothing",
            files: ["/x/config": kubeconfig(current: "gone")], kubeconfigPath: "/x/config",
            message: #"context "gone" does not exist"#),
        ErrorCase(
            name: "no current context",
            files: ["/x/config": kubeconfig(current: nil)], kubeconfigPath: "/x/config",
            message: "current-context is not set and no context was given"),
        ErrorCase(
            name: "context names a missing cluster",
            files: ["/x/config": kubeconfig().replacingOccurrences(of: "cluster: dev\n", with: "cluster: nope\n")],
            kubeconfigPath: "/x/config",
            message: #"kubeconfig /x/config: contexts[name=dev].context.cluster: cluster "nope" does not exist"#),
        ErrorCase(
            name: "context names a missing user",
            files: ["/x/config": kubeconfig().replacingOccurrences(of: "user: dev-user", with: "user: nobody")],
            kubeconfigPath: "/x/config",
            message: #"kubeconfig /x/config: contexts[name=dev].context.user: user "nobody" does not exist"#),
        ErrorCase(
            name: "entry without a name",
            files: ["/x/config": "clusters:\n- cluster: {server: https://x}\n"], kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: clusters[0].name: required"),
        ErrorCase(
            name: "clusters is not a list",
            files: ["/x/config": "clusters: {}\n"], kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: clusters: expected a list, got object"),
        ErrorCase(
            name: "not a mapping",
            files: ["/x/config": "- a\n"], kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: expected a YAML mapping, got array"),
        ErrorCase(
            name: "explicit file missing",
            files: [:], kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: open /x/config: no such file or directory"),
        ErrorCase(
            name: "exec without command",
            files: ["/x/config": kubeconfig(user: ["exec: {apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}"])],
            kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: users[name=dev-user].user.exec.command: required"),
        ErrorCase(
            name: "exec with an unknown apiVersion",
            files: ["/x/config": kubeconfig(user: ["exec: {apiVersion: client.authentication.k8s.io/v2, command: p}"])],
            kubeconfigPath: "/x/config",
            message: #"kubeconfig /x/config: users[name=dev-user].user.exec.apiVersion: exec plugin: invalid apiVersion "client.authentication.k8s.io/v2""#),
        ErrorCase(
            name: "exec v1 without interactiveMode",
            files: ["/x/config": kubeconfig(user: ["exec: {apiVersion: client.authentication.k8s.io/v1, command: p}"])],
            kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: users[name=dev-user].user.exec.interactiveMode: interactiveMode must be specified for dev-user to use exec authentication plugin"),
        ErrorCase(
            name: "exec that needs a terminal",
            files: ["/x/config": kubeconfig(user: ["exec: {apiVersion: client.authentication.k8s.io/v1, command: p, interactiveMode: Always}"])],
            kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: users[name=dev-user].user.exec.interactiveMode: exec plugin cannot support interactive mode"),
        ErrorCase(
            name: "exec with an invalid interactiveMode",
            files: ["/x/config": kubeconfig(user: ["exec: {apiVersion: client.authentication.k8s.io/v1, command: p, interactiveMode: Sometimes}"])],
            kubeconfigPath: "/x/config",
            message: #"kubeconfig /x/config: users[name=dev-user].user.exec.interactiveMode: invalid interactive mode "Sometimes" (expected Never, IfAvailable or Always)"#),
        ErrorCase(
            name: "exec combined with a token",
            files: ["/x/config": kubeconfig(user: ["token: t", "exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: p}"])],
            kubeconfigPath: "/x/config",
            message: "kubeconfig /x/config: users[name=dev-user].user: token or tokenFile cannot be combined with an exec plugin for dev-user"),
        ErrorCase(
            name: "not in a cluster and nothing else",
            files: [:], kubeconfigPath: nil,
            message: "no configuration has been provided: --kubeconfig and $KUBECONFIG are not set, in-cluster: \(InClusterConfig.notInClusterMessage), and open /home/u/.kube/config: no such file or directory"),
        ErrorCase(
            name: "KUBECONFIG lists only missing files",
            files: [:], kubeconfigPath: nil, variables: ["KUBECONFIG": "/a:/b"],
            message: "invalid configuration: no configuration has been provided"),
    ]

    @Test("errors name the file and the field", arguments: errorCases)
    func errors(_ example: ErrorCase) {
        let files = FakeFiles(example.files)
        do {
            _ = try ClientConfiguration.load(
                kubeconfig: example.kubeconfigPath, context: example.context, environment: files.environment(example.variables))
            Issue.record("expected: \(example.message)")
        } catch {
            #expect(error.description == example.message)
        }
    }

    @Test("in-cluster errors: outside a pod, and an unreadable token")
    func inClusterErrors() {
        let files = FakeFiles(["/sa/ca.crt": caPEM])
        #expect(throws: ClientConfigurationError(message: InClusterConfig.notInClusterMessage)) {
            try ClientConfiguration.inCluster(environment: files.environment(), serviceAccountDirectory: "/sa")
        }
        let environment = files.environment(["KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "1"])
        #expect(throws: ClientConfigurationError(
            message: "unable to load in-cluster configuration: open /sa/token: no such file or directory")) {
            try ClientConfiguration.inCluster(environment: environment, serviceAccountDirectory: "/sa")
        }
    }

    @Test("the real file reader words errors as Go does")
    func realReader() throws {
        #expect(throws: FileReadError(path: "/nonexistent/x", reason: "no such file or directory", isNotFound: true)) {
            try ConfigEnvironment.readFileFromDisk("/nonexistent/x")
        }
    }
}
