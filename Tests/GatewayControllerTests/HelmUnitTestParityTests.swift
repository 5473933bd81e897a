//! The chart's helm unit tests (openshell-contract §2.10) restated for the
//! OpenShellGateway: one test per assertion, grouped by the chart's test file,
//! each named after what it asserts. The chart's render failures are admission
//! rules of the CRD here (their server-side behaviour is tested in
//! OpenShellAPITests); this file checks each is present with its message.
import Foundation
import KubeCore
import OpenShellAPI
import Testing
@testable import GatewayController

private typealias F = GatewayFixtures

// MARK: - agent_sandbox_preflight_test.yaml

@Suite("helm parity: agent sandbox preflight")
struct AgentSandboxPreflightParityTests {
    @Test("without a served agents.x-k8s.io v1beta1 or v1alpha1 Sandbox the gateway is held with the chart's message")
    func preflightFailsWithoutAgentSandbox() throws {
        let message = try #require(GatewayPreflight.agentSandboxProblem(servedSandboxVersions: []))
        #expect(message.hasPrefix("Agent Sandbox is required but neither agents.x-k8s.io/v1beta1 nor agents.x-k8s.io/v1alpha1 Sandbox is served"))
        #expect(GatewayPreflight.agentSandboxProblem(servedSandboxVersions: ["agents.x-k8s.io/v1beta1"]) == nil)
        #expect(GatewayPreflight.agentSandboxProblem(servedSandboxVersions: ["agents.x-k8s.io/v1alpha1"]) == nil)
    }
}

// MARK: - cert_manager_pki_test.yaml

@Suite("helm parity: cert-manager PKI")
struct CertManagerParityTests {
    static let certManager = OpenShellGatewaySpec(tls: GatewayTLS(mode: "CertManager"))
    static let external = OpenShellGatewaySpec(tls: GatewayTLS(mode: "CertManager", certManager: GatewayCertManager(
        externalIssuer: GatewayExternalIssuer(issuerRef: IssuerReference(name: "letsencrypt-prod", kind: "ClusterIssuer"),
                                              dnsNames: ["openshell.example.com", "grpc.example.com"]))))

    private func documents(_ spec: OpenShellGatewaySpec) -> [KubeObject] { F.render(spec).rendered.certManager }

    @Test("the chain is self-signed Issuer, CA Certificate, CA Issuer, server Certificate, client Certificate")
    func documentOrder() {
        #expect(documents(Self.certManager).map { "\($0.kind)/\($0.name)" } == [
            "Issuer/openshell-selfsigned", "Certificate/openshell-ca", "Issuer/openshell-ca-issuer",
            "Certificate/openshell-server", "Certificate/openshell-client",
        ])
    }

    @Test("the server (document 3) and client Certificates are issued by openshell-ca-issuer, kind Issuer")
    func serverAndClientUseCAIssuer() throws {
        let docs = documents(Self.certManager)
        let server = docs[3], client = try #require(docs.last)
        for certificate in [server, client] {
            #expect(certificate.spec?[path: ["issuerRef", "name"]] == "openshell-ca-issuer")
            #expect(certificate.spec?[path: ["issuerRef", "kind"]] == "Issuer")
        }
        #expect(client.name == "openshell-client")
        #expect(client.spec?["commonName"] == "openshell-client")
        #expect(client.spec?["secretName"] == "openshell-client-tls")
    }

    @Test("the server Certificate has CN openshell, the namespace's service names and localhost, and 127.0.0.1 first")
    func serverCertificateNames() throws {
        let server = documents(Self.certManager)[3]
        #expect(server.spec?["commonName"] == "openshell")
        let dnsNames = server.spec?["dnsNames"]?.strings ?? []
        #expect(dnsNames.contains("openshell.my-namespace.svc.cluster.local"))
        #expect(dnsNames.contains("localhost"))
        #expect(server.spec?["ipAddresses"]?.strings.first == "127.0.0.1")
        #expect(server.spec?["secretName"] == "openshell-server-tls")
    }

    @Test("with an external issuer the internal server Certificate keeps the chart CA and internal names, without the external names")
    func externalIssuerKeepsInternalCertificate() {
        let server = documents(Self.external)[3]
        #expect(server.name == "openshell-server")
        #expect(server.spec?[path: ["issuerRef", "name"]] == "openshell-ca-issuer")
        let dnsNames = server.spec?["dnsNames"]?.strings ?? []
        #expect(dnsNames == GatewayNames(name: "openshell", namespace: "my-namespace").defaultServerDNSNames)
        #expect(!dnsNames.contains("openshell.example.com"))
    }

    @Test("the external Certificate (document 4) uses letsencrypt-prod, ClusterIssuer, cert-manager.io; external names only, no IPs")
    func externalCertificate() {
        let external = documents(Self.external)[4]
        #expect(external.name == "openshell-server-external")
        #expect(external.spec?["issuerRef"] == ["name": "letsencrypt-prod", "kind": "ClusterIssuer", "group": "cert-manager.io"])
        #expect(external.spec?["commonName"] == "openshell.example.com")
        #expect(external.spec?["dnsNames"]?.strings == ["openshell.example.com", "grpc.example.com"])
        #expect(external.spec?["ipAddresses"] == nil)
        #expect(external.spec?["secretName"] == "openshell-server-external-tls")
    }

    @Test("with an external issuer the client Certificate becomes document 5")
    func clientBecomesDocumentFive() {
        let docs = documents(Self.external)
        #expect(docs.count == 6)
        #expect(docs[5].name == "openshell-client")
    }

    @Test("server, external and client Certificates use the configured duration and renewBefore")
    func certificateLifetimes() {
        var spec = Self.external
        spec.tls?.duration = "2160h"
        spec.tls?.renewBefore = "360h"
        let certificates = documents(spec).filter { $0.kind == "Certificate" && $0.name != "openshell-ca" }
        #expect(certificates.count == 3)
        for certificate in certificates {
            #expect(certificate.spec?["duration"] == "2160h")
            #expect(certificate.spec?["renewBefore"] == "360h")
        }
    }

    @Test("the external certificate is mounted and named in the tls table")
    func externalCertificateMounted() {
        let view = F.render(Self.external)
        #expect(view.volumeNames.contains("tls-external-cert"))
        #expect(view.rendered.config.value("openshell.gateway.tls", "external_cert_path") == .string("/etc/openshell-tls/server-external/tls.crt"))
        #expect(view.rendered.config.value("openshell.gateway.tls", "external_server_names")
            == .array([.string("openshell.example.com"), .string("grpc.example.com")]))
    }
}

// MARK: - certgen_test.yaml (the operator's own PKI replaces the Job)

@Suite("helm parity: certificate generation")
struct CertgenParityTests {
    @Test("built-in PKI creates openshell-server-tls, openshell-client-tls and openshell-jwt-keys, not JWT only")
    func builtInSecrets() {
        let plan = F.render().rendered.pki
        #expect(plan.serverSecret == "openshell-server-tls")
        #expect(plan.clientSecret == "openshell-client-tls")
        #expect(plan.jwtSecret == "openshell-jwt-keys")
        #expect(!plan.jwtOnly)
    }

    @Test("built-in PKI's server SANs are the default names and addresses, then the extras")
    func builtInSANs() {
        let plan = F.render(OpenShellGatewaySpec(tls: GatewayTLS(extraDNSNames: ["gw.example.com"], extraIPAddresses: ["10.0.0.10"]))).rendered.pki
        #expect(plan.serverDNSNames == GatewayNames(name: "openshell", namespace: "my-namespace").defaultServerDNSNames + ["gw.example.com"])
        #expect(plan.serverIPAddresses == ["127.0.0.1", "::1", "10.0.0.10"])
    }

    @Test("cert-manager mode makes the JWT Secret only, with no server or client names and no extra SANs")
    func certManagerIsJWTOnly() {
        let plan = F.render(OpenShellGatewaySpec(tls: GatewayTLS(mode: "CertManager", extraDNSNames: ["gw.example.com"]))).rendered.pki
        #expect(plan.jwtOnly)
        #expect(plan.serverSecret == nil && plan.clientSecret == nil)
        #expect(plan.serverDNSNames.isEmpty && plan.serverIPAddresses.isEmpty)
        #expect(plan.jwtSecret == "openshell-jwt-keys")
    }

    @Test("a custom signing Secret name is created and mounted")
    func customSigningSecret() {
        let view = F.render(OpenShellGatewaySpec(sandboxTokens: GatewaySandboxTokens(signingSecretName: "custom-jwt")))
        #expect(view.rendered.pki.jwtSecret == "custom-jwt")
        #expect(view.volumes[1][path: ["secret", "secretName"]] == "custom-jwt")
    }
}

// MARK: - clusterrole_test.yaml

struct ClusterRoleCase: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var spec: OpenShellGatewaySpec
    /// The secrets rules expected: `verbs` and `resourceNames` (empty for unrestricted).
    var secretsRules: [(verbs: [String], names: [String])]
    /// Whether `networking.k8s.io/networkpolicies get,create,patch,update` is granted.
    var networkPolicies: Bool
}

@Suite("helm parity: ClusterRole")
struct ClusterRoleParityTests {
    static func sandboxes(_ mode: String, pullSecrets: [String] = []) -> GatewaySandboxes {
        GatewaySandboxes(workspaceMode: mode, operatorNamespaceLabel: mode == "Operator" ? "openshell.ai/workspace" : nil,
                         imagePullSecrets: pullSecrets.isEmpty ? nil : pullSecrets.map(LocalObjectReference.init))
    }

    static let customClient = GatewayTLS(secretNames: GatewayTLSSecretNames(client: "custom-client-tls"))
    static let disabled = GatewayTLS(mode: "Disabled")

    static let cases: [ClusterRoleCase] = [
        ClusterRoleCase(testDescription: "managed mode grants networkpolicies get,create,patch,update",
                        spec: OpenShellGatewaySpec(sandboxes: sandboxes("Managed"), tls: disabled),
                        secretsRules: [], networkPolicies: true),
        ClusterRoleCase(testDescription: "managed mode without the NetworkPolicy grants no networkpolicies",
                        spec: OpenShellGatewaySpec(sandboxes: sandboxes("Managed"), tls: disabled, networkPolicy: GatewayNetworkPolicy(enabled: false)),
                        secretsRules: [], networkPolicies: false),
        ClusterRoleCase(testDescription: "operator mode with the Kubernetes Secrets driver grants secrets get,create,patch,delete",
                        spec: OpenShellGatewaySpec(sandboxes: sandboxes("Operator"), tls: disabled,
                                                   credentials: GatewayCredentials(kubernetesSecrets: GatewayKubernetesSecretsDriver())),
                        secretsRules: [(["get", "create", "patch", "delete"], [])], networkPolicies: false),
        ClusterRoleCase(testDescription: "operator mode copies only the client TLS Secret: resourceNames [custom-client-tls] get,patch, plus create",
                        spec: OpenShellGatewaySpec(sandboxes: sandboxes("Operator"), tls: customClient),
                        secretsRules: [(["get", "patch"], ["custom-client-tls"]), (["create"], [])], networkPolicies: false),
        ClusterRoleCase(testDescription: "operator mode with TLS disabled has no secrets rule",
                        spec: OpenShellGatewaySpec(sandboxes: sandboxes("Operator"), tls: disabled),
                        secretsRules: [], networkPolicies: false),
        ClusterRoleCase(testDescription: "managed mode copies [custom-client-tls, registry-one, registry-two], plus create",
                        spec: OpenShellGatewaySpec(sandboxes: sandboxes("Managed", pullSecrets: ["registry-one", "registry-two"]), tls: customClient),
                        secretsRules: [(["get", "patch"], ["custom-client-tls", "registry-one", "registry-two"]), (["create"], [])],
                        networkPolicies: true),
        ClusterRoleCase(testDescription: "managed mode with TLS disabled copies only the image pull Secrets",
                        spec: OpenShellGatewaySpec(sandboxes: sandboxes("Managed", pullSecrets: ["registry-one", "registry-two"]), tls: disabled),
                        secretsRules: [(["get", "patch"], ["registry-one", "registry-two"]), (["create"], [])], networkPolicies: true),
        ClusterRoleCase(testDescription: "shared mode has no secrets rule",
                        spec: OpenShellGatewaySpec(sandboxes: sandboxes("Shared"), tls: customClient),
                        secretsRules: [], networkPolicies: false),
    ]

    @Test(arguments: cases)
    func clusterRoleRules(_ c: ClusterRoleCase) throws {
        let rules = F.render(c.spec).rules("ClusterRole", "openshell:my-namespace:openshell:node-reader")
        #expect(!rules.isEmpty)
        let secrets = rules.filter { $0["resources"]?.strings == ["secrets"] }
        #expect(secrets.map { $0["verbs"]?.strings ?? [] } == c.secretsRules.map(\.verbs))
        #expect(secrets.map { $0["resourceNames"]?.strings ?? [] } == c.secretsRules.map(\.names))
        let policies = rules.filter { $0["resources"]?.strings == ["networkpolicies"] }
        #expect(policies.map { $0["verbs"]?.strings ?? [] } == (c.networkPolicies ? [["get", "create", "patch", "update"]] : []))
        #expect(policies.allSatisfy { $0["apiGroups"]?.strings == ["networking.k8s.io"] })
    }

    @Test("namespaces: get in shared mode, +list,watch in operator mode, +create,delete in managed mode",
          arguments: [("Shared", ["get"]), ("Operator", ["get", "list", "watch"]), ("Managed", ["get", "list", "watch", "create", "delete"])])
    func namespaceVerbs(_ mode: String, _ verbs: [String]) {
        let rules = F.render(OpenShellGatewaySpec(sandboxes: Self.sandboxes(mode))).rules("ClusterRole", "openshell:my-namespace:openshell:node-reader")
        #expect(rules.first { $0["resources"]?.strings == ["namespaces"] }?["verbs"]?.strings == verbs)
        #expect(rules.contains { $0["resources"]?.strings == ["tokenreviews"] && $0["verbs"]?.strings == ["create"] })
        #expect(rules.contains { $0["resources"]?.strings == ["nodes"] && $0["verbs"]?.strings == ["get", "list", "watch"] })
    }

    @Test("sandboxes, events and pods are cluster-wide in managed and operator modes, a sandbox-namespace Role in shared mode",
          arguments: ["Shared", "Managed", "Operator"])
    func sandboxRulesByMode(_ mode: String) {
        let view = F.render(OpenShellGatewaySpec(sandboxes: Self.sandboxes(mode)))
        let cluster = view.rules("ClusterRole", "openshell:my-namespace:openshell:node-reader")
        let grantsSandboxes = { (rules: [JSONValue]) in
            rules.contains { $0["resources"]?.strings == ["sandboxes", "sandboxes/status"]
                && $0["verbs"]?.strings == ["create", "delete", "get", "list", "patch", "update", "watch"] }
        }
        #expect(grantsSandboxes(cluster) == (mode != "Shared"))
        #expect((view.object("Role", "openshell-sandbox") != nil) == (mode == "Shared"))
        #expect((view.object("RoleBinding", "openshell-sandbox") != nil) == (mode == "Shared"))
        if mode == "Shared" { #expect(grantsSandboxes(view.rules("Role", "openshell-sandbox"))) }
    }

    @Test("no role in any overlay grants patch (or any write) on pods", arguments: GatewayGoldenCases.all)
    func neverPatchPods(_ golden: GatewayGoldenCase) {
        let view = GatewayGoldenCases.render(golden)
        for role in view.objects.filter({ $0.kind == "ClusterRole" || $0.kind == "Role" }) {
            for rule in role.json["rules"]?.arrayValue ?? [] {
                let resources = rule["resources"]?.strings ?? []
                guard resources.contains("pods") || resources.contains("*") else { continue }
                #expect(rule["verbs"]?.strings == ["get"], "\(role.kind) \(role.name)")
            }
        }
    }

    @Test("the ClusterRole and its binding are named per namespace, so two gateways of one name do not share them")
    func clusterRoleNamesDoNotCollide() {
        let a = F.render(namespace: "team-a"), b = F.render(namespace: "team-b")
        #expect(a.objects("ClusterRole")[0].name != b.objects("ClusterRole")[0].name)
        let binding = a.objects("ClusterRoleBinding")[0]
        #expect(binding.name == a.objects("ClusterRole")[0].name)
        #expect(binding.json["subjects"] == [["kind": "ServiceAccount", "name": "openshell", "namespace": "team-a"]])
    }
}

// MARK: - credential_drivers_test.yaml

@Suite("helm parity: credential drivers")
struct CredentialDriversParityTests {
    static let kubernetesSecrets = OpenShellGatewaySpec(credentials: GatewayCredentials(
        kubernetesSecrets: GatewayKubernetesSecretsDriver(namespace: "provider-secrets", allowReferenceNamespace: true)))
    static let vault = OpenShellGatewaySpec(credentials: GatewayCredentials(
        vault: GatewayVaultDriver(address: "https://vault.example.com:8200", role: "openshell")))

    @Test("by default gateway.toml names no credential driver and reads the key-encryption key from its env")
    func defaultUsesKeyEncryptionKey() {
        let view = F.render()
        #expect(view.tomlText.tables(containing: "credential_drivers") == [])
        #expect(view.tomlText.value("openshell.gateway.credential_storage", "key_encryption_key_env")
            == #""OPENSHELL_GATEWAY_CREDENTIAL_KEY_ENCRYPTION_KEY""#)
    }

    @Test("the key-encryption-key Secret is named …credential-storage-key-encryption-key, kept, non-empty, without an owner")
    func keyEncryptionKeySecret() throws {
        let input = F.input()
        let secret = try #require(GatewayRenderer.keyEncryptionKeySecret(input, key: "c2VjcmV0LWtleS1vZi0zMi1ieXRlcy0tLS0tLS0tLS0="))
        #expect(secret.name.hasSuffix("credential-storage-key-encryption-key"))
        #expect(GatewayRenderer.render(input).keyEncryptionKeySecretName == secret.name)
        #expect(secret.annotations["openshell.ai/resource-policy"] == "keep")
        #expect(secret.ownerReferences.isEmpty)
        #expect(secret.labels["openshell.ai/gateway-name"] == nil)
        let data = try #require(secret.json["data"]?["key-encryption-key"]?.stringValue)
        #expect(!data.isEmpty)
    }

    @Test("no key-encryption-key Secret is made with a credential driver or an existing Secret",
          arguments: [kubernetesSecrets, vault,
                      OpenShellGatewaySpec(credentials: GatewayCredentials(keyEncryptionKeySecretRef: LocalObjectReference(name: "my-kek")))])
    func noKeyEncryptionKeySecret(_ spec: OpenShellGatewaySpec) {
        let input = F.input(spec)
        #expect(GatewayRenderer.keyEncryptionKeySecret(input, key: "k") == nil)
        #expect(GatewayRenderer.render(input).keyEncryptionKeySecretName == nil)
    }

    @Test("env[0] is the key-encryption key from the Secret's key-encryption-key")
    func keyEncryptionKeyIsFirstEnv() {
        let view = F.render()
        #expect(view.env.first == [
            "name": "OPENSHELL_GATEWAY_CREDENTIAL_KEY_ENCRYPTION_KEY",
            "valueFrom": ["secretKeyRef": ["name": "openshell-credential-storage-key-encryption-key", "key": "key-encryption-key"]],
        ])
        let existing = F.render(OpenShellGatewaySpec(credentials: GatewayCredentials(keyEncryptionKeySecretRef: LocalObjectReference(name: "my-kek"))))
        #expect(existing.env.first?[path: ["valueFrom", "secretKeyRef", "name"]] == "my-kek")
    }

    @Test("the Kubernetes Secrets driver has its table and is named in credential_drivers; no key-encryption key")
    func kubernetesSecretsTable() {
        let view = F.render(Self.kubernetesSecrets)
        let table = "openshell.credential_drivers.kubernetes-secrets"
        #expect(view.tomlText.keys(table) == ["namespace", "allow_reference_namespace", "workspace_mode", "gateway_id"])
        #expect(view.tomlText.value(table, "namespace") == #""provider-secrets""#)
        #expect(view.tomlText.value(table, "allow_reference_namespace") == "true")
        #expect(view.tomlText.value(table, "workspace_mode") == #""shared""#)
        #expect(view.tomlText.value(table, "gateway_id") == #""openshell""#)
        #expect(view.tomlText.value("openshell.gateway", "credential_drivers") == #"["kubernetes-secrets"]"#)
        #expect(!view.tomlText.tableNames.contains("openshell.gateway.credential_storage"))
        #expect(!view.envNames.contains("OPENSHELL_GATEWAY_CREDENTIAL_KEY_ENCRYPTION_KEY"))
    }

    @Test("the Vault driver has its table and is named in credential_drivers")
    func vaultTable() {
        let view = F.render(Self.vault)
        let table = "openshell.credential_drivers.vault"
        #expect(view.tomlText.keys(table) == ["address", "mount", "kv_version", "auth_method", "role", "kubernetes_auth_mount", "service_account_token_path"])
        #expect(view.tomlText.value(table, "address") == #""https://vault.example.com:8200""#)
        #expect(view.tomlText.value(table, "kv_version") == "2")
        #expect(view.tomlText.value(table, "auth_method") == #""kubernetes""#)
        #expect(view.tomlText.value("openshell.gateway", "credential_drivers") == #"["vault"]"#)
        #expect(!view.envNames.contains("OPENSHELL_GATEWAY_CREDENTIAL_KEY_ENCRYPTION_KEY"))
    }

    @Test("the credential Role and RoleBinding are in provider-secrets, bound to service account openshell of my-namespace")
    func credentialRole() throws {
        let view = F.render(Self.kubernetesSecrets)
        let role = try #require(view.object("Role", "openshell-credential-secrets"))
        let binding = try #require(view.object("RoleBinding", "openshell-credential-secrets"))
        #expect(role.namespace == "provider-secrets" && binding.namespace == "provider-secrets")
        #expect(role.json["rules"] == [["apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "create", "patch", "delete"]]])
        #expect(binding.json["subjects"] == [["kind": "ServiceAccount", "name": "openshell", "namespace": "my-namespace"]])
        #expect(binding.json["roleRef"] == ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "openshell-credential-secrets"])
    }

    @Test("createRBAC false makes no credential Role")
    func noCredentialRole() {
        var spec = Self.kubernetesSecrets
        spec.credentials?.kubernetesSecrets?.createRBAC = false
        #expect(F.render(spec).object("Role", "openshell-credential-secrets") == nil)
    }

    @Test("a Deployment and a multi-replica StatefulSet on an external database keep the key-encryption key env",
          arguments: [GatewayWorkload(kind: "Deployment", replicas: 2, externalDatabaseSecretRef: LocalObjectReference(name: "db")),
                      GatewayWorkload(kind: "StatefulSet", replicas: 2, allowMultiReplicaStatefulSet: true,
                                      externalDatabaseSecretRef: LocalObjectReference(name: "db"))])
    func externalDatabaseKeepsKeyEncryptionKey(_ workload: GatewayWorkload) {
        let view = F.render(OpenShellGatewaySpec(workload: workload))
        #expect(view.envNames.first == "OPENSHELL_GATEWAY_CREDENTIAL_KEY_ENCRYPTION_KEY")
        #expect(view.envNames.contains("OPENSHELL_DB_URL"))
        #expect(view.workload.kind == workload.kind)
        #expect(view.workload.spec?["replicas"] == 2)
    }
}

// MARK: - The chart's render failures as admission rules

@Suite("helm parity: render failures are CRD rules")
struct RenderFailureRuleTests {
    /// Every `x-kubernetes-validations` message in the gateway CRD.
    static let ruleMessages: Set<String> = {
        var messages = Set<String>()
        func walk(_ value: JSONValue) {
            switch value {
            case .object(let object):
                for rule in object["x-kubernetes-validations"]?.arrayValue ?? [] {
                    if let message = rule["message"]?.stringValue { messages.insert(message) }
                }
                object.values.forEach(walk)
            case .array(let items): items.forEach(walk)
            default: break
            }
        }
        walk(OpenShellCRDs.gateway.value)
        return messages
    }()

    static let spec: JSONValue = OpenShellCRDs.gateway.spec?[path: ["versions"]]?.arrayValue?.first?[
        path: ["schema", "openAPIV3Schema", "properties", "spec"]] ?? .null

    static let failures: [(String, String)] = [
        ("workload.kind=deployment requires server.externalDbSecret", GatewayRuleMessages.deploymentNeedsDatabase),
        ("replicaCount > 1 requires server.externalDbSecret", GatewayRuleMessages.replicasNeedDatabase),
        ("replicaCount > 1 with a StatefulSet requires allowMultiReplicaStatefulSet", GatewayRuleMessages.replicasNeedStatefulSetOverride),
        ("only one external credential driver", GatewayRuleMessages.oneCredentialDriver),
        ("grpcRateLimit with only one positive value", GatewayRuleMessages.rateLimitPair),
        ("serverIssuerRef without cert-manager", GatewayRuleMessages.certManagerNeedsMode),
        ("clientCaFromServerTlsSecret=false with the default CA Secret", GatewayRuleMessages.clientCASecretRequired),
        ("external issuer with internal-only names", GatewayRuleMessages.externalNamesOnly),
        ("Route with TLS disabled", GatewayRuleMessages.routeNeedsTLS),
        ("Route without host with an external issuer", GatewayRuleMessages.routeNeedsHost),
        ("Route host not covered by an exact or single-level wildcard name", GatewayRuleMessages.routeHostCovered),
        ("HTTPS listener without certificateRefs", GatewayRuleMessages.httpsListenerNeedsCertificates),
        ("HTTPS listener without TLS disabled", GatewayRuleMessages.httpsListenerNeedsTLSDisabled),
    ]

    @Test("each chart render failure is a CRD rule with its message", arguments: failures.map(\.0))
    func failureIsRule(_ failure: String) throws {
        let message = try #require(Self.failures.first { $0.0 == failure }?.1)
        #expect(Self.ruleMessages.contains(message))
    }

    @Test("an unknown workload kind, workspace mode or failure mode is outside the CRD's enums")
    func enums() {
        let properties = Self.spec["properties"]
        #expect(properties?[path: ["workload", "properties", "kind", "enum"]] == ["StatefulSet", "Deployment"])
        #expect(properties?[path: ["sandboxes", "properties", "workspaceMode", "enum"]] == ["Shared", "Managed", "Operator"])
        #expect(properties?[path: ["policyValidationFailureMode", "enum"]] == ["FailClosed", "RetainLastValid"])
    }

    @Test("postgres is no field: the removed chart value cannot be set")
    func noPostgres() {
        #expect(Self.spec[path: ["properties", "postgres"]] == nil)
    }
}
