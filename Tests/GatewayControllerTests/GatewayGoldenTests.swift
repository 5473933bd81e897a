//! Golden renderings of the default OpenShellGateway and of the CR equivalent
//! of each chart CI overlay (`ci/values-*.yaml`, openshell-contract §2.10):
//! every object as one multi-document YAML stream, and `gateway.toml` as
//! text, checked byte for byte (regenerate with `UPDATE_GOLDEN=1`). Each CR
//! passes the OpenShellGateway schema; rendering is deterministic.
import Foundation
import KubeCore
import KubeSchema
import OpenShellAPI
import Testing
@testable import GatewayController

struct GatewayGoldenCase: Sendable, CustomTestStringConvertible {
    var name: String
    var spec: OpenShellGatewaySpec
    var testDescription: String { name }
}

enum GatewayGoldenCases {
    /// `spec: {}`: the pinned release, StatefulSet, built-in TLS, Shared mode.
    static let defaults = GatewayGoldenCase(name: "default", spec: OpenShellGatewaySpec())

    /// `ci/values-tls-disabled.yaml`.
    static let tlsDisabled = GatewayGoldenCase(name: "tls-disabled", spec: OpenShellGatewaySpec(tls: GatewayTLS(mode: "Disabled")))

    /// `ci/values-high-availability.yaml`: a Deployment of two replicas on an external database.
    static let highAvailability = GatewayGoldenCase(name: "high-availability", spec: OpenShellGatewaySpec(
        workload: GatewayWorkload(kind: "Deployment", replicas: 2, externalDatabaseSecretRef: LocalObjectReference(name: "openshell-db"))))

    /// `ci/values-cert-manager.yaml`: the cert-manager chain, one extra internal name and address.
    static let certManager = GatewayGoldenCase(name: "cert-manager", spec: OpenShellGatewaySpec(
        tls: GatewayTLS(mode: "CertManager", extraDNSNames: ["openshell.internal.example.com"], extraIPAddresses: ["10.0.0.10"])))

    /// `ci/values-sidecar.yaml`: the Sidecar topology with a proxy UID, on Kata.
    static let sidecar = GatewayGoldenCase(name: "sidecar", spec: OpenShellGatewaySpec(
        sandboxes: GatewaySandboxes(runtimeClassName: "kata-qemu",
                                    supervisor: GatewaySupervisor(topology: "Sidecar", proxyUID: 2000, processBinaryAwareNetworkPolicy: true))))

    /// `ci/values-workspace-managed.yaml`: namespaces per workspace, image pull Secrets copied into them.
    static let workspaceManaged = GatewayGoldenCase(name: "workspace-managed", spec: OpenShellGatewaySpec(
        sandboxes: GatewaySandboxes(workspaceMode: "Managed",
                                    imagePullSecrets: [LocalObjectReference(name: "registry-one"), LocalObjectReference(name: "registry-two")])))

    /// `ci/values-workspace-operator.yaml`: namespaces labelled by the platform team.
    static let workspaceOperator = GatewayGoldenCase(name: "workspace-operator", spec: OpenShellGatewaySpec(
        sandboxes: GatewaySandboxes(workspaceMode: "Operator", operatorNamespaceLabel: "openshell.ai/workspace")))

    /// `ci/values-credential-drivers.yaml`: provider credentials in Kubernetes Secrets of another namespace.
    static let credentialDrivers = GatewayGoldenCase(name: "credential-drivers", spec: OpenShellGatewaySpec(
        credentials: GatewayCredentials(kubernetesSecrets: GatewayKubernetesSecretsDriver(namespace: "provider-secrets", allowReferenceNamespace: true))))

    /// The other credential driver of the same overlay: Vault with Kubernetes auth.
    static let credentialVault = GatewayGoldenCase(name: "credential-vault", spec: OpenShellGatewaySpec(
        credentials: GatewayCredentials(vault: GatewayVaultDriver(address: "https://vault.example.com:8200", role: "openshell", timeoutSeconds: 10))))

    /// `ci/values-openshift-route.yaml`: a passthrough Route whose host the server certificate covers.
    static let openShiftRoute = GatewayGoldenCase(name: "openshift-route", spec: OpenShellGatewaySpec(
        tls: GatewayTLS(extraDNSNames: ["openshell.apps.example.com"]),
        exposure: GatewayExposure(openShiftRoute: GatewayOpenShiftRoute(
            host: "openshell.apps.example.com", annotations: ["haproxy.router.openshift.io/timeout": "1h"]))))

    /// `ci/values-gateway-tls.yaml`: a Gateway API HTTPS listener terminating TLS, plaintext to the gateway, OIDC.
    static let gatewayTLS = GatewayGoldenCase(name: "gateway-tls", spec: OpenShellGatewaySpec(
        tls: GatewayTLS(mode: "Disabled"),
        auth: GatewayAuth(oidc: GatewayOIDC(issuer: "https://keycloak.example.com/realms/openshell", rolesClaim: "realm_access.roles",
                                            adminRole: "openshell-admin", userRole: "openshell-user",
                                            caConfigMapRef: LocalObjectReference(name: "keycloak-ca"))),
        exposure: GatewayExposure(grpcRoute: GatewayGRPCRoute(
            hostnames: ["openshell.example.com"],
            gateway: GatewayAPIGateway(className: "eg", listener: GatewayListener(
                port: 443, protocol: "HTTPS", certificateRefs: [GatewayCertificateReference(name: "openshell-gateway-tls")]))))))

    /// The full example of docs/gateway.md: a Deployment of two on Postgres behind a mirror, cert-manager with an
    /// external issuer and a Route, OIDC with its CA, Vault, the Sidecar topology with a proxy, placement and pod metadata.
    static let full = GatewayGoldenCase(name: "full", spec: OpenShellGatewaySpec(
        version: "0.0.111",
        images: GatewayImages(repository: "registry.example.com/nvidia/openshell", pullPolicy: "IfNotPresent"),
        imagePullSecrets: [LocalObjectReference(name: "registry")],
        workload: GatewayWorkload(kind: "Deployment", replicas: 2, externalDatabaseSecretRef: LocalObjectReference(name: "openshell-db"),
                                  terminationGracePeriodSeconds: 10,
                                  probes: GatewayProbes(startup: ProbeTimings(periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 60))),
        service: GatewayService(type: "ClusterIP", port: 8080, metricsPort: 9090),
        sandboxes: GatewaySandboxes(
            namespace: "openshell-sandboxes", workspaceMode: "Shared", image: "ghcr.io/nvidia/openshell-community/sandboxes/base:latest",
            imagePullSecrets: [LocalObjectReference(name: "regcred")],
            workspace: GatewaySandboxWorkspace(defaultSize: "4Gi", storageClassName: "standard"), runtimeClassName: "kata-qemu",
            appArmorProfile: SecurityProfile(type: "Unconfined"),
            supervisor: GatewaySupervisor(sideloadMethod: "ImageVolume", topology: "Sidecar", proxyUID: 1337),
            upstreamProxy: GatewayUpstreamProxy(url: "http://proxy.corp.example.com:3128", noProxy: ".svc,.cluster.local",
                                                authSecretRef: SecretKeySelector(name: "corp-proxy", key: "auth"))),
        tls: GatewayTLS(mode: "CertManager", extraIPAddresses: ["10.0.0.10"], duration: "2160h", renewBefore: "360h",
                        certManager: GatewayCertManager(externalIssuer: GatewayExternalIssuer(
                            issuerRef: IssuerReference(name: "letsencrypt-prod", kind: "ClusterIssuer"), dnsNames: ["openshell.apps.example.com"]))),
        auth: GatewayAuth(oidc: GatewayOIDC(issuer: "https://keycloak.example.com/realms/openshell", rolesClaim: "realm_access.roles",
                                            adminRole: "openshell-admin", userRole: "openshell-user",
                                            caConfigMapRef: LocalObjectReference(name: "keycloak-ca"))),
        credentials: GatewayCredentials(vault: GatewayVaultDriver(address: "https://vault.example.com:8200", role: "openshell")),
        sandboxTokens: GatewaySandboxTokens(ttlSeconds: 1800),
        networkPolicy: GatewayNetworkPolicy(enabled: true),
        exposure: GatewayExposure(openShiftRoute: GatewayOpenShiftRoute(
            host: "openshell.apps.example.com", annotations: ["haproxy.router.openshift.io/timeout": "1h"])),
        resources: ResourceRequirements(requests: ["cpu": "250m", "memory": "256Mi"], limits: ["memory": "1Gi"]),
        placement: GatewayPlacement(
            nodeSelector: ["node-role.kubernetes.io/infra": ""],
            tolerations: [Toleration(key: "infra", operator: "Exists", effect: "NoSchedule")],
            affinity: ["podAntiAffinity": ["preferredDuringSchedulingIgnoredDuringExecution": [[
                "weight": 100,
                "podAffinityTerm": ["topologyKey": "kubernetes.io/hostname",
                                    "labelSelector": ["matchLabels": ["app.kubernetes.io/instance": "openshell"]]],
            ]]]]),
        podMetadata: PodMetadata(labels: ["team": "platform"]),
        logLevel: "info", telemetry: GatewayTelemetry(enabled: false), policyValidationFailureMode: "FailClosed",
        grpcRateLimit: GatewayRateLimit(requests: 100, windowSeconds: 60),
        upgrade: GatewayUpgrade(progressDeadlineSeconds: 900, automaticRollback: true)))

    static let all = [defaults, tlsDisabled, highAvailability, certManager, sidecar, workspaceManaged, workspaceOperator,
                      credentialDrivers, credentialVault, openShiftRoute, gatewayTLS, full]

    static func render(_ golden: GatewayGoldenCase) -> GatewayView {
        GatewayView(GatewayRenderer.render(GatewayFixtures.input(golden.spec, namespace: "openshell")))
    }
}

@Suite("Gateway renderer goldens")
struct GatewayGoldenTests {
    @Test("each overlay's gateway renders as its golden YAML stream and gateway.toml", arguments: GatewayGoldenCases.all)
    func golden(_ golden: GatewayGoldenCase) throws {
        let view = GatewayGoldenCases.render(golden)
        try GatewayFixtures.expectGolden(view.yaml, file: golden.name + ".yaml")
        try GatewayFixtures.expectGolden(view.toml, file: golden.name + ".gateway.toml")
    }

    @Test("each overlay's OpenShellGateway passes the CRD schema with nothing pruned", arguments: GatewayGoldenCases.all)
    func overlayIsAdmissible(_ golden: GatewayGoldenCase) throws {
        let raw = OpenShellCRDs.gateway.spec?[path: ["versions"]]?.arrayValue?.first?[path: ["schema", "openAPIV3Schema"]] ?? .null
        let schema = try JSONSchemaProps(json: raw)
        let object = GatewayFixtures.gateway(golden.spec, namespace: "openshell").value
        #expect(validate(object, against: schema, path: FieldPath()).map(\.description) == [])
        var pruned = object
        #expect(prune(&pruned, schema: schema, isResourceRoot: true) == [])
        #expect(GatewayValidation.validate(golden.spec).map(\.description) == [])
    }

    @Test("rendering twice gives identical bytes", arguments: GatewayGoldenCases.all)
    func deterministic(_ golden: GatewayGoldenCase) {
        let first = GatewayGoldenCases.render(golden)
        let second = GatewayGoldenCases.render(golden)
        #expect(first.yaml == second.yaml)
        #expect(first.rendered.configChecksum == second.rendered.configChecksum)
    }

    @Test("every YAML document reads back as the object rendered", arguments: GatewayGoldenCases.all)
    func yamlRoundTrips(_ golden: GatewayGoldenCase) throws {
        let view = GatewayGoldenCases.render(golden)
        for object in view.objects {
            #expect(try JSONValue.parseYAML(DeterministicYAML.render(object.value)) == object.value, "\(object.kind) \(object.name)")
        }
    }

    @Test("the TOML model and the text agree: the same tables and keys in the same order", arguments: GatewayGoldenCases.all)
    func tomlModelMatchesText(_ golden: GatewayGoldenCase) {
        let view = GatewayGoldenCases.render(golden)
        let text = view.tomlText
        #expect(text.tableNames == view.rendered.config.tables.map(\.name))
        #expect(text.allKeys == view.rendered.config.tables.flatMap { t in t.entries.map { "\(t.name).\($0.key)" } })
    }
}
