//! Secret hygiene of the real operator binary: every Secret the sandbox and
//! gateway scenarios use holds a distinct random canary (sandbox env,
//! provider and inference key Secrets, the gateway's key-encryption key,
//! external database and proxy credentials, invalid TLS, JWT and KEK Secrets
//! for the error paths) and the gateway's generated private keys are read
//! back as canaries too. After create → Ready/Available, a spec change, a
//! Secret rotation, invalid references and deletion, run at trace level in
//! both log formats, no canary — nor its base64 — appears in the operator's
//! output, in any object the server holds other than the Secrets (Events
//! and statuses included), in the queue database or its WAL, or in /metrics.
import Foundation
import KubeClient
import KubeCore
import OpenShellAPI
import SandboxController
import Testing
import TestSupport

/// Secret values to look for, each with the forms a leak could take.
struct Canaries: Sendable {
    /// (what it is, the text that must not appear).
    private(set) var needles: [(label: String, text: String)] = []

    /// A distinct random value, remembered.
    mutating func make(_ label: String) -> String {
        let value = "canary-\(label)-\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        add(label, value)
        return value
    }

    /// Remembers `value` (and the base64 of it); a multi-line value (a PEM key)
    /// also by each line of 16 characters or more.
    mutating func add(_ label: String, _ value: String) {
        var forms = [value, Data(value.utf8).base64EncodedString()]
        let lines = value.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        if lines.count > 1 { forms += lines.filter { $0.count >= 16 && !$0.hasPrefix("-----") } }
        for form in forms where !needles.contains(where: { $0.text == form }) {
            needles.append((label, form))
        }
    }

    /// Every needle found in `text`, as `label in source`.
    func leaks(in text: String, source: String) -> [String] {
        needles.filter { text.contains($0.text) }.map { "\($0.label) in \(source)" }
    }
}

@Suite("No Secret value leaves the operator", .serialized)
struct SecretHygieneTests {
    static let gatewayNamespace = "openshell-system"
    static let badGatewayNamespace = "openshell-bad"

    @Test("canaries in every Secret never appear in logs (trace, logfmt and JSON), Events, statuses, objects, the database or /metrics")
    func noCanaryLeaks() async throws {
        try await OperatorCluster.with(namespaces: [OperatorCluster.sandboxNamespace, Self.gatewayNamespace, Self.badGatewayNamespace]) { cluster in
            let client = cluster.client
            let ns = OperatorCluster.sandboxNamespace
            var canaries = Canaries()

            // Sandbox Secrets: env, provider (every key), inference API key; one
            // Secret is referenced with a key it does not have (the error path).
            try await cluster.createSecret("sb-env", namespace: ns, data: ["token": canaries.make("sandbox-env")])
            try await cluster.createSecret("sb-provider", namespace: ns, data: [
                "API_KEY": canaries.make("provider-key"), "API_SECRET": canaries.make("provider-secret"),
            ])
            try await cluster.createSecret("sb-inference", namespace: ns, data: ["api-key": canaries.make("inference-key")])
            try await cluster.createSecret("sb-wrong-key", namespace: ns, data: ["present": canaries.make("wrong-key-secret")])

            // Gateway Secrets: a key-encryption key the operator finds and keeps, an
            // external database URL and proxy credentials (referenced, never read).
            let gw = Self.gatewayNamespace
            try await cluster.createSecret("gw-credential-storage-key-encryption-key", namespace: gw, data: [
                GatewayDefaults.keyEncryptionKeySecretKey: canaries.make("kek"),
            ])
            let databasePassword = canaries.make("database-password")
            try await cluster.createSecret("gw-database", namespace: gw, data: [
                GatewayDefaults.databaseSecretKey: "postgres://openshell:\(databasePassword)@db.example:5432/openshell",
            ])
            canaries.add("database-url", "postgres://openshell:\(databasePassword)@db.example:5432/openshell")
            let proxyPassword = canaries.make("proxy-password")
            canaries.add("proxy-auth", "user:" + proxyPassword)
            try await cluster.createSecret("gw-proxy", namespace: gw, data: ["auth": "user:" + proxyPassword])

            // A second gateway whose Secrets are all unusable: TLS and JWT Secrets
            // holding garbage, a KEK Secret without its key.
            let bad = Self.badGatewayNamespace
            for name in [GatewayDefaults.certManagerCASecretName, GatewayDefaults.serverSecretName, GatewayDefaults.clientSecretName] {
                try await cluster.createSecret(name, namespace: bad, data: [
                    "tls.crt": canaries.make("bad-crt-\(name)"), "tls.key": canaries.make("bad-key-\(name)"),
                    "ca.crt": canaries.make("bad-ca-\(name)"),
                ])
            }
            try await cluster.createSecret("gw-bad-jwt-keys", namespace: bad, data: [
                "signing.pem": canaries.make("bad-signing"), "public.pem": canaries.make("bad-public"), "kid": "kid-1",
            ])
            try await cluster.createSecret("gw-bad-credential-storage-key-encryption-key", namespace: bad, data: [
                "wrong-key": canaries.make("bad-kek"),
            ])
            // The operator's own client key, from its kubeconfig.
            if let kubeconfig = try? String(contentsOfFile: cluster.kubeconfig, encoding: .utf8),
               let line = kubeconfig.split(separator: "\n").first(where: { $0.contains("client-key-data:") }),
               let encoded = line.split(separator: ":").last.map({ $0.trimmingCharacters(in: .whitespaces) }),
               let pem = Data(base64Encoded: encoded).map({ String(decoding: $0, as: UTF8.self) }) {
                canaries.add("kubeconfig-client-key", pem)
            }

            // Run 1: logfmt at trace level.
            let database1 = cluster.directory.appendingPathComponent("queue-1.db").path
            let first = try cluster.start(name: "run-1", database: database1, logFormat: "logfmt", logLevel: "trace")
            try await cluster.waitUntilServing(first)

            try await cluster.createSandbox("hygiene", spec: [
                "env": [["name": "TOKEN", "valueFrom": ["secretKeyRef": ["name": "sb-env", "key": "token"]]]],
                "providers": [["name": "vendor", "secretRef": ["name": "sb-provider"]]],
                "inference": ["routes": [[
                    "name": "inference.local", "endpoint": "https://llm.example/v1", "model": "model-1", "providerType": "openai",
                    "apiKeySecretRef": ["name": "sb-inference", "key": "api-key"],
                ]]],
            ])
            try await cluster.createSandbox("hygiene-bad-env", spec: [
                "env": [["name": "TOKEN", "valueFrom": ["secretKeyRef": ["name": "sb-env", "key": "no-such-key"]]]],
            ])
            try await cluster.createSandbox("hygiene-bad-provider", spec: [
                "providers": [["name": "vendor", "secretRef": ["name": "sb-wrong-key"], "env": [["name": "KEY", "key": "absent"]]]],
            ])
            _ = try await client.create(OpenShellAPIGroup.gateways, namespace: gw, gateway("gw", namespace: gw, spec: [
                "workload": ["externalDatabaseSecretRef": ["name": "gw-database"]],
                "sandboxes": [
                    "supervisor": ["topology": "Sidecar"],
                    "upstreamProxy": ["url": "http://proxy.example:3128", "authSecretRef": ["name": "gw-proxy", "key": "auth"]],
                ],
            ]))
            _ = try await client.create(OpenShellAPIGroup.gateways, namespace: bad, gateway("gw-bad", namespace: bad))

            try await eventually(timeout: .seconds(40)) { await cluster.isReady("hygiene") }
            for name in ["hygiene-bad-env", "hygiene-bad-provider"] {
                try await eventually(timeout: .seconds(20)) {
                    await cluster.sandbox(name)?.conditions[type: "Ready"]?.reason == "SecretNotFound"
                }
            }
            try await eventually(timeout: .seconds(60)) { await condition(client, gw, "gw", "Available")?.isTrue == true }
            try await eventually(timeout: .seconds(30)) { await condition(client, bad, "gw-bad", "Degraded")?.isTrue == true }

            // Spec changes: a new env reference on the sandbox (a rollout), a new
            // server name on the gateway (the certificate is issued again).
            try await cluster.createSecret("sb-extra", namespace: ns, data: ["value": canaries.make("sandbox-extra")])
            _ = try await client.patch(OpenShellAPIGroup.sandboxes, namespace: ns, name: "hygiene", type: .merge, patch: ["spec": [
                "env": [
                    ["name": "TOKEN", "valueFrom": ["secretKeyRef": ["name": "sb-env", "key": "token"]]],
                    ["name": "EXTRA", "valueFrom": ["secretKeyRef": ["name": "sb-extra", "key": "value"]]],
                ],
            ]])
            _ = try await client.patch(OpenShellAPIGroup.gateways, namespace: gw, name: "gw", type: .merge, patch: [
                "spec": ["tls": ["extraDNSNames": ["gw.example.com"]]],
            ])
            // A rotated Secret value.
            var env = try await client.get(SandboxResources.secrets, namespace: ns, name: "sb-env")
            env.json["data"] = ["token": .string(Data(canaries.make("sandbox-env-rotated").utf8).base64EncodedString())]
            _ = try await client.update(SandboxResources.secrets, namespace: ns, env)
            try await eventually(timeout: .seconds(40)) { await cluster.isReady("hygiene") }
            try await eventually(timeout: .seconds(40)) {
                let reissued = await eventReasons(client, gw, "gw").contains("CertificateReissued")
                let available = await condition(client, gw, "gw", "Available")?.isTrue == true
                return reissued && available
            }
            try await first.waitUntilIdle()

            // The private keys the operator generated are canaries too.
            for secret in try await client.list(SandboxResources.secrets, namespace: gw).items {
                for key in ["tls.key", "signing.pem", GatewayDefaults.keyEncryptionKeySecretKey] {
                    guard let encoded = secret.json["data"]?[key]?.stringValue, let bytes = Data(base64Encoded: encoded) else { continue }
                    canaries.add("\(secret.name)/\(key)", String(decoding: bytes, as: UTF8.self))
                }
            }
            #expect(canaries.needles.contains { $0.label == "openshell-server-tls/tls.key" }, "the generated server key was read back")
            // The scan would see a leak: every canary is found in the Secrets that hold it
            // (the database and proxy passwords only inside longer values, the client key only in the kubeconfig,
            // the first env value was rotated away).
            let found = Set(canaries.leaks(in: cluster.secretsText(), source: "secrets").map { $0.split(separator: " ").first.map(String.init) ?? "" })
            let missed = Set(canaries.needles.map(\.label)).subtracting(found).subtracting(["kubeconfig-client-key", "database-password", "proxy-password", "sandbox-env"])
            #expect(missed.isEmpty, "canaries the scan does not find in their own Secrets: \(missed.sorted())")

            var leaks: [String] = []
            var scanned: [String: Int] = [:]
            func scan(_ text: String, _ source: String) {
                scanned[source.split(separator: " ").first.map(String.init) ?? source, default: 0] += 1
                leaks += canaries.leaks(in: text, source: source)
            }
            func scanDatabase(_ path: String, _ moment: String) {
                for file in [path, path + "-wal"] {
                    guard let data = FileManager.default.contents(atPath: file) else { continue }
                    scan(String(decoding: data, as: UTF8.self), "database \(file) (\(moment))")
                }
            }
            func scanObjects(_ moment: String) {
                for (source, text) in cluster.everyObjectButSecrets() { scan(text, "object \(source) (\(moment))") }
            }

            scan(try await first.metrics(), "metrics run-1")
            scanDatabase(database1, "run-1 running")
            scanObjects("everything created")
            #expect(await first.stop() == 0)
            scanDatabase(database1, "run-1 stopped")
            let log1 = first.log
            scan(log1, "log run-1")

            // Run 2: JSON at trace level, on a fresh database, so every object is
            // reconciled again (the error paths too); then everything is deleted.
            let database2 = cluster.directory.appendingPathComponent("queue-2.db").path
            let second = try cluster.start(name: "run-2", database: database2, logFormat: "json", logLevel: "trace")
            try await cluster.waitUntilServing(second)
            try await second.waitUntilIdle()
            #expect(await cluster.isReady("hygiene"))
            for name in ["hygiene", "hygiene-bad-env", "hygiene-bad-provider"] {
                _ = try await client.delete(OpenShellAPIGroup.sandboxes, namespace: ns, name: name)
            }
            _ = try await client.delete(OpenShellAPIGroup.gateways, namespace: gw, name: "gw")
            _ = try await client.delete(OpenShellAPIGroup.gateways, namespace: bad, name: "gw-bad")
            try await eventually(timeout: .seconds(40)) {
                let sandboxes = try await client.list(OpenShellAPIGroup.sandboxes, namespace: ns).items
                let gateways = try await client.list(OpenShellAPIGroup.gateways, namespace: nil).items
                return sandboxes.isEmpty && gateways.isEmpty
            }
            try await second.waitUntilIdle()
            scan(try await second.metrics(), "metrics run-2")
            scanDatabase(database2, "run-2 running")
            scanObjects("everything deleted")
            #expect(await second.stop() == 0)
            scanDatabase(database2, "run-2 stopped")
            let log2 = second.log
            scan(log2, "log run-2")

            // The scenarios ran the paths they are meant to cover, at trace level, in both formats.
            #expect(log1.contains("level=trace") || log1.contains("level=debug"), "run 1 logged below info")
            #expect(log2.contains("\"level\":\"debug\"") || log2.contains("\"level\":\"trace\""), "run 2 logged JSON below info")
            #expect(try await sandboxEventReasons(client, ns).contains("SecretNotFound"))
            let badReasons = await eventReasons(client, bad, "gw-bad")
            #expect(badReasons.contains { $0.hasPrefix("Invalid") || $0 == "PartialTLSSecrets" }, "gw-bad: \(badReasons)")
            for source in ["metrics", "database", "object", "log"] {
                #expect(scanned[source, default: 0] > 0, "scanned no \(source)")
            }
            #expect(canaries.needles.count > 30)
            #expect(leaks.isEmpty, "leaked: \(leaks.prefix(20))")
        }
    }
}

private func gateway(_ name: String, namespace: String, spec: JSONObject = [:]) -> KubeObject {
    KubeObject([
        "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellGateway",
        "metadata": ["name": .string(name), "namespace": .string(namespace)], "spec": .object(spec),
    ])
}

private func condition(_ client: RESTClient, _ namespace: String, _ name: String, _ type: String) async -> Condition? {
    (try? await client.get(OpenShellAPIGroup.gateways, namespace: namespace, name: name))?.conditions[type: type]
}

private func eventReasons(_ client: RESTClient, _ namespace: String, _ name: String) async -> [String] {
    let list = try? await client.list(EventV1.resource, namespace: namespace)
    return (list?.items ?? []).filter { $0.json["regarding"]?["name"]?.stringValue == name }.compactMap { $0.json["reason"]?.stringValue }
}

private func sandboxEventReasons(_ client: RESTClient, _ namespace: String) async throws -> [String] {
    try await client.list(EventV1.resource, namespace: namespace).items.compactMap { $0.json["reason"]?.stringValue }
}
