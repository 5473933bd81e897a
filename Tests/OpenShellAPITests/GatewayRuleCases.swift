//! The chart's render-time validations (openshell-contract §2.9) as
//! OpenShellGateway admission rules: each case creates a gateway in the local
//! API server and expects the exact 422 causes (`CRDServerTests` runs them);
//! the specs the rules must let through are created here too.
import Foundation
import KubeClient
import KubeCore
import OpenShellAPI
import Testing
import TestSupport

private func invalid(_ message: String) -> String { #"Invalid value: "object": "# + message }
private func required(_ message: String) -> String { "Required value: " + message }
/// The cause kube-apiserver adds when a schema error keeps the root's CEL rules from running.
private let rootRulesSkipped = ["<nil>", #"Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"#]

private let certManagerExternal: JSONValue = [
    "mode": "CertManager",
    "certManager": ["externalIssuer": ["issuerRef": ["name": "letsencrypt-prod", "kind": "ClusterIssuer"],
                                       "dnsNames": ["openshell.example.com", "*.apps.example.com"]]],
]

/// One case per §2.9 failure (in the contract's order), then the rules the driver's startup checks and this API add.
let gatewayRuleCases: [RuleCase] = [
    // §2.9: workload.kind must be one of: statefulset, deployment.
    RuleCase(title: "§2.9 an unknown workload kind", kind: .gateway, name: "openshell",
             spec: ["workload": ["kind": "DaemonSet"]],
             causes: [["spec.workload.kind", #"Unsupported value: "DaemonSet": supported values: "StatefulSet", "Deployment""#], rootRulesSkipped]),
    // §2.9: workload.kind=deployment requires server.externalDbSecret.
    RuleCase(title: "§2.9 a Deployment without an external database", kind: .gateway, name: "openshell",
             spec: ["workload": ["kind": "Deployment"]],
             causes: [["spec.workload.kind", invalid(GatewayRuleMessages.deploymentNeedsDatabase)]]),
    // §2.9: replicaCount > 1 requires server.externalDbSecret.
    RuleCase(title: "§2.9 two replicas without an external database", kind: .gateway, name: "openshell",
             spec: ["workload": ["replicas": 2, "allowMultiReplicaStatefulSet": true]],
             causes: [["spec.workload.replicas", invalid(GatewayRuleMessages.replicasNeedDatabase)]]),
    // §2.9: replicaCount > 1 with workload.kind=statefulset requires workload.allowMultiReplicaStatefulSet=true.
    RuleCase(title: "§2.9 a StatefulSet of two replicas without the override", kind: .gateway, name: "openshell",
             spec: ["workload": ["replicas": 2, "externalDatabaseSecretRef": ["name": "db"]]],
             causes: [["spec.workload.replicas", invalid(GatewayRuleMessages.replicasNeedStatefulSetOverride)]]),
    // §2.9: server.drivers.kubernetes.workspaceMode must be one of: shared, managed, operator.
    RuleCase(title: "§2.9 an unknown workspace mode", kind: .gateway, name: "openshell",
             spec: ["sandboxes": ["workspaceMode": "isolated"]],
             causes: [["spec.sandboxes.workspaceMode", #"Unsupported value: "isolated": supported values: "Shared", "Managed", "Operator""#], rootRulesSkipped]),
    // §2.9: only one external server.credentialDrivers backend can be enabled at a time.
    RuleCase(title: "§2.9 two credential drivers", kind: .gateway, name: "openshell",
             spec: ["credentials": ["kubernetesSecrets": [:], "vault": ["address": "https://vault:8200"]]],
             causes: [["spec.credentials", invalid(GatewayRuleMessages.oneCredentialDriver)]]),
    // §2.9: server.policyValidationFailureMode must be fail_closed or retain_last_valid.
    RuleCase(title: "§2.9 an unknown policy validation failure mode", kind: .gateway, name: "openshell",
             spec: ["policyValidationFailureMode": "fail_open"],
             causes: [["spec.policyValidationFailureMode", #"Unsupported value: "fail_open": supported values: "FailClosed", "RetainLastValid""#], rootRulesSkipped]),
    // §2.9: grpcRateLimit negative.
    RuleCase(title: "§2.9 a negative rate limit", kind: .gateway, name: "openshell",
             spec: ["grpcRateLimit": ["requests": -1, "windowSeconds": 0]],
             causes: [["spec.grpcRateLimit.requests", "Invalid value: -1: spec.grpcRateLimit.requests in body should be greater than or equal to 0"]]),
    // §2.9: grpcRateLimit with only one of the two positive.
    RuleCase(title: "§2.9 a rate limit with requests but no window", kind: .gateway, name: "openshell",
             spec: ["grpcRateLimit": ["requests": 100]],
             causes: [["spec.grpcRateLimit", invalid(GatewayRuleMessages.rateLimitPair)]]),
    RuleCase(title: "§2.9 a rate limit with a window but no requests", kind: .gateway, name: "openshell",
             spec: ["grpcRateLimit": ["requests": 0, "windowSeconds": 60]],
             causes: [["spec.grpcRateLimit", invalid(GatewayRuleMessages.rateLimitPair)]]),
    // §2.9: certManager.serverIssuerRef.name is set but certManager.enabled is false.
    RuleCase(title: "§2.9 an external issuer without cert-manager", kind: .gateway, name: "openshell",
             spec: ["tls": ["certManager": ["externalIssuer": ["issuerRef": ["name": "letsencrypt-prod"], "dnsNames": ["openshell.example.com"]]]]],
             causes: [["spec.tls.certManager", invalid(GatewayRuleMessages.certManagerNeedsMode)]]),
    // §2.9: clientCaFromServerTlsSecret=false with the default clientCaSecretName.
    RuleCase(title: "§2.9 the client CA not from the server Secret, and no CA Secret named", kind: .gateway, name: "openshell",
             spec: ["tls": ["mode": "CertManager", "certManager": ["clientCAFromServerSecret": false]]],
             causes: [["spec.tls.secretNames.clientCA", required(GatewayRuleMessages.clientCASecretRequired)]]),
    // §2.9: external issuer with internal-only SANs.
    RuleCase(title: "§2.9 an external issuer for internal names", kind: .gateway, name: "openshell",
             spec: ["tls": ["mode": "CertManager", "certManager": ["externalIssuer": [
                 "issuerRef": ["name": "letsencrypt-prod"],
                 "dnsNames": ["openshell.example.com", "openshell.openshell.svc.cluster.local"]]]]],
             causes: [["spec.tls.certManager.externalIssuer.dnsNames", invalid(GatewayRuleMessages.externalNamesOnly)]]),
    RuleCase(title: "§2.9 an external issuer for localhost names", kind: .gateway, name: "openshell",
             spec: ["tls": ["mode": "CertManager", "certManager": ["externalIssuer": [
                 "issuerRef": ["name": "letsencrypt-prod"], "dnsNames": ["*.openshell.localhost", "host.docker.internal"]]]]],
             causes: [["spec.tls.certManager.externalIssuer.dnsNames", invalid(GatewayRuleMessages.externalNamesOnly)]]),
    // §2.9: external issuer with empty serverDnsNames.
    RuleCase(title: "§2.9 an external issuer without names", kind: .gateway, name: "openshell",
             spec: ["tls": ["mode": "CertManager", "certManager": ["externalIssuer": ["issuerRef": ["name": "letsencrypt-prod"], "dnsNames": []]]]],
             causes: [["spec.tls.certManager.externalIssuer.dnsNames",
                       "Invalid value: 0: spec.tls.certManager.externalIssuer.dnsNames in body should have at least 1 items"]]),
    // §2.9: Route with disableTls.
    RuleCase(title: "§2.9 an OpenShift Route with TLS disabled", kind: .gateway, name: "openshell",
             spec: ["tls": ["mode": "Disabled"], "exposure": ["openShiftRoute": [:]]],
             causes: [["spec.exposure.openShiftRoute", invalid(GatewayRuleMessages.routeNeedsTLS)]]),
    // §2.9: Route without host when external issuer.
    RuleCase(title: "§2.9 an OpenShift Route without a host, with an external issuer", kind: .gateway, name: "openshell",
             spec: ["tls": certManagerExternal, "exposure": ["openShiftRoute": [:]]],
             causes: [["spec.exposure.openShiftRoute.host", required(GatewayRuleMessages.routeNeedsHost)]]),
    // §2.9: Route host not covered by an exact or single-level wildcard SAN.
    RuleCase(title: "§2.9 a Route host two levels below a wildcard", kind: .gateway, name: "openshell",
             spec: ["tls": certManagerExternal, "exposure": ["openShiftRoute": ["host": "a.b.apps.example.com"]]],
             causes: [["spec.exposure.openShiftRoute.host", invalid(GatewayRuleMessages.routeHostCovered)]]),
    RuleCase(title: "§2.9 a Route host outside the external names", kind: .gateway, name: "openshell",
             spec: ["tls": certManagerExternal, "exposure": ["openShiftRoute": ["host": "openshell.example.org"]]],
             causes: [["spec.exposure.openShiftRoute.host", invalid(GatewayRuleMessages.routeHostCovered)]]),
    RuleCase(title: "§2.9 a Route host the built-in certificate does not name", kind: .gateway, name: "openshell",
             spec: ["tls": ["extraDNSNames": ["other.example.com"]], "exposure": ["openShiftRoute": ["host": "openshell.example.com"]]],
             causes: [["spec.exposure.openShiftRoute.host", invalid(GatewayRuleMessages.routeHostCovered)]]),
    // §2.9: HTTPS listener without certificateRefs.
    RuleCase(title: "§2.9 an HTTPS listener without certificates", kind: .gateway, name: "openshell",
             spec: ["tls": ["mode": "Disabled"], "exposure": ["grpcRoute": ["gateway": ["listener": ["protocol": "HTTPS", "port": 443]]]]],
             causes: [["spec.exposure.grpcRoute.gateway.listener.certificateRefs", required(GatewayRuleMessages.httpsListenerNeedsCertificates)]]),
    // §2.9: HTTPS listener without disableTls.
    RuleCase(title: "§2.9 an HTTPS listener with the gateway's own TLS on", kind: .gateway, name: "openshell",
             spec: ["exposure": ["grpcRoute": ["gateway": ["listener": ["protocol": "HTTPS", "certificateRefs": [["name": "public-tls"]]]]]]],
             causes: [["spec.exposure.grpcRoute.gateway.listener.protocol", invalid(GatewayRuleMessages.httpsListenerNeedsTLSDisabled)]]),

    // Beyond the chart: the driver's startup checks (§3.1) and this API's own pairs.
    RuleCase(title: "a gateway name starting with a digit", kind: .gateway, name: "1gateway", spec: [:],
             causes: [["<nil>", invalid(GatewayRuleMessages.gatewayName)]]),
    RuleCase(title: "a gateway name of 53 characters", kind: .gateway, name: String(repeating: "g", count: 53), spec: [:],
             causes: [["<nil>", invalid(GatewayRuleMessages.gatewayName)]]),
    RuleCase(title: "Managed mode with a gateway id of 34 characters", kind: .gateway, name: String(repeating: "g", count: 34),
             spec: ["sandboxes": ["workspaceMode": "Managed"]],
             causes: [["<nil>", invalid(GatewayRuleMessages.managedGatewayID)]]),
    RuleCase(title: "Operator mode without a namespace label", kind: .gateway, name: "openshell",
             spec: ["sandboxes": ["workspaceMode": "Operator"]],
             causes: [["spec.sandboxes.operatorNamespaceLabel", invalid(GatewayRuleMessages.operatorNamespaceLabel)]]),
    RuleCase(title: "a namespace label outside Operator mode", kind: .gateway, name: "openshell",
             spec: ["sandboxes": ["operatorNamespaceLabel": "team"]],
             causes: [["spec.sandboxes.operatorNamespaceLabel", invalid(GatewayRuleMessages.operatorNamespaceLabel)]]),
    RuleCase(title: "proxy credentials in Combined topology", kind: .gateway, name: "openshell",
             spec: ["sandboxes": ["upstreamProxy": ["url": "http://proxy:3128", "authSecretRef": ["name": "proxy", "key": "auth"]]]],
             causes: [["spec.sandboxes.upstreamProxy.authSecretRef", invalid(GatewayRuleMessages.proxyAuthNeedsSidecar)]]),
    RuleCase(title: "a Localhost AppArmor profile without its name", kind: .gateway, name: "openshell",
             spec: ["sandboxes": ["appArmorProfile": ["type": "Localhost"]]],
             causes: [["spec.sandboxes.appArmorProfile", invalid("localhostProfile is required when type is Localhost and must be unset otherwise")]]),
    RuleCase(title: "a proxy URL with credentials", kind: .gateway, name: "openshell",
             spec: ["sandboxes": ["upstreamProxy": ["url": "http://user:pw@proxy:3128"]]],
             causes: [["spec.sandboxes.upstreamProxy.url",
                       #"Invalid value: "http://user:pw@proxy:3128": spec.sandboxes.upstreamProxy.url in body should match '^http://[^/@:?#]+:[0-9]{1,5}/?$'"#]]),
    RuleCase(title: "a key-encryption key Secret with a credential driver", kind: .gateway, name: "openshell",
             spec: ["credentials": ["keyEncryptionKeySecretRef": ["name": "kek"], "vault": ["address": "https://vault:8200"]]],
             causes: [["spec.credentials.keyEncryptionKeySecretRef", invalid(GatewayRuleMessages.keyEncryptionKeyWithDriver)]]),
    RuleCase(title: "a renewal window as long as the certificate", kind: .gateway, name: "openshell",
             spec: ["tls": ["duration": "720h"]],
             causes: [["spec.tls.renewBefore", invalid(GatewayRuleMessages.renewBeforeShorter)]]),
    RuleCase(title: "a node port on a ClusterIP Service", kind: .gateway, name: "openshell",
             spec: ["service": ["nodePort": 30080]],
             causes: [["spec.service.nodePort", invalid(GatewayRuleMessages.nodePortNeedsType)]]),
    RuleCase(title: "a GRPCRoute with an existing and a created parent", kind: .gateway, name: "openshell",
             spec: ["exposure": ["grpcRoute": ["parentRef": ["name": "shared"], "gateway": [:]]]],
             causes: [["spec.exposure.grpcRoute", invalid(GatewayRuleMessages.oneParent)]]),
    RuleCase(title: "a data volume on a Deployment", kind: .gateway, name: "openshell",
             spec: ["workload": ["kind": "Deployment", "externalDatabaseSecretRef": ["name": "db"], "storage": ["size": "1Gi"]]],
             causes: [["spec.workload.storage", invalid(GatewayRuleMessages.storageOnlyStatefulSet)]]),
    RuleCase(title: "a version that is not a release number", kind: .gateway, name: "openshell",
             spec: ["version": "latest"],
             causes: [["spec.version", #"Invalid value: "latest": spec.version in body should match '^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'"#]]),
]

/// Specs the rules must let through: the chart's CI overlays and the edges of each rule.
private let admittedGateways: [(String, JSONValue)] = [
    ("an empty spec", [:]),
    ("ha: a Deployment of two replicas with an external database",
     ["workload": ["kind": "Deployment", "replicas": 2, "externalDatabaseSecretRef": ["name": "db"]]]),
    ("a StatefulSet of three replicas with the override",
     ["workload": ["replicas": 3, "allowMultiReplicaStatefulSet": true, "externalDatabaseSecretRef": ["name": "db"]]]),
    ("gateway TLS: an HTTPS listener with certificates and TLS disabled",
     ["tls": ["mode": "Disabled"], "auth": ["oidc": ["issuer": "https://keycloak.example.com/realms/openshell"]],
      "exposure": ["grpcRoute": ["hostnames": ["openshell.example.com"], "gateway": ["listener": ["protocol": "HTTPS", "port": 443,
                                                                                                     "certificateRefs": [["name": "public-tls"]]]]]]]),
    ("openshift route: a host one level below a wildcard external name",
     ["tls": certManagerExternal, "exposure": ["openShiftRoute": ["host": "openshell.apps.example.com"]]]),
    ("openshift route: a host among the built-in certificate's extra names",
     ["tls": ["extraDNSNames": ["openshell.example.com"]], "exposure": ["openShiftRoute": ["host": "openshell.example.com"]]]),
    ("openshift route without a host and without an external issuer", ["exposure": ["openShiftRoute": [:]]]),
    ("cert-manager with the client CA from a named Secret",
     ["tls": ["mode": "CertManager", "secretNames": ["clientCA": "corp-ca"], "certManager": ["clientCAFromServerSecret": false]]]),
    ("a rate limit with both values", ["grpcRateLimit": ["requests": 100, "windowSeconds": 60]]),
    ("a rate limit of zeros", ["grpcRateLimit": ["requests": 0, "windowSeconds": 0]]),
    ("workspace managed with a 33-character gateway id",
     ["sandboxes": ["workspaceMode": "Managed"], "sandboxTokens": ["gatewayID": .string(String(repeating: "m", count: 33))]]),
    ("workspace operator with a namespace label", ["sandboxes": ["workspaceMode": "Operator", "operatorNamespaceLabel": "openshell.ai/workspace"]]),
    ("sidecar with proxy credentials",
     ["sandboxes": ["supervisor": ["topology": "Sidecar"],
                    "upstreamProxy": ["url": "http://proxy:3128", "authSecretRef": ["name": "proxy", "key": "auth"], "authAllowInsecure": true]]]),
    ("credential drivers: kubernetes-secrets alone", ["credentials": ["kubernetesSecrets": ["namespace": "provider-secrets"]]]),
    ("a shorter certificate with a shorter renewal window", ["tls": ["duration": "720h", "renewBefore": "168h"]]),
]

@Suite("OpenShellGateway admission in the local API server")
struct GatewayAdmissionTests {
    @Test("every CEL rule of the gateway CRD has a case above that fails it")
    func everyRuleHasACase() {
        var messages: [String] = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let object):
                for (key, child) in object {
                    if key == "x-kubernetes-validations" {
                        messages += (child.arrayValue ?? []).compactMap { $0["message"]?.stringValue }
                    } else {
                        collect(child)
                    }
                }
            case .array(let items):
                items.forEach(collect)
            default:
                break
            }
        }
        collect(OpenShellCRDs.gateway.value)
        #expect(messages.count >= 20)
        let causes = gatewayRuleCases.flatMap { $0.causes.map { $0.last ?? "" } }
        let untested = messages.filter { message in !causes.contains { $0.hasSuffix(message) } }
        #expect(untested == [])
    }

    @Test("the rules admit the chart's CI overlays and the edges of each rule")
    func admitted() async throws {
        try await TestServer.with { t in
            try await installCRDs(t)
            for (i, (title, spec)) in admittedGateways.enumerated() {
                let name = spec[path: ["sandboxTokens", "gatewayID"]] == nil ? "gateway-\(i)" : "long-\(i)"
                let object = CRDFixtures.object(OpenShellCRDs.gateway, name: name, namespace: "default", spec: spec)
                do {
                    let created = try await t.client.create(OpenShellAPIGroup.gateways, namespace: "default", object)
                    #expect(created.spec == spec, "\(title)")
                } catch {
                    Issue.record("\(title): \(error)")
                }
            }
        }
    }

    @Test("§2.9 postgres.enabled was removed: the field does not exist, so a strict write (kubectl's default) fails and a lenient write drops it")
    func postgresRejected() async throws {
        try await TestServer.with { t in
            try await installCRDs(t)
            let object = CRDFixtures.object(OpenShellCRDs.gateway, name: "openshell", namespace: "default",
                                            spec: ["postgres": ["enabled": true]])
            let error = await expectAPIError {
                _ = try await t.client.create(OpenShellAPIGroup.gateways, namespace: "default", object,
                                              options: WriteOptions(fieldValidation: .strict))
            }
            #expect(error?.code == 400)
            #expect(error?.status.message == #"strict decoding error: unknown field "spec.postgres""#)
            let created = try await t.client.create(OpenShellAPIGroup.gateways, namespace: "default", object)
            #expect(created.spec == [:])
        }
    }

    @Test("the minimal and full examples of docs/gateway.md are admitted")
    func docsExamplesAdmitted() async throws {
        let examples = try GatewayDocsExamples.load()
        try await TestServer.with { t in
            try await installCRDs(t)
            for namespace in Set(examples.map(\.object.namespace)).sorted() where namespace != "default" && !namespace.isEmpty {
                try await t.namespace(namespace)
            }
            for example in examples {
                let namespace = example.object.namespace
                let created = try await t.client.create(OpenShellAPIGroup.gateways, namespace: namespace, example.object)
                #expect(created.name == example.object.name, "\(example.title)")
            }
        }
    }
}
