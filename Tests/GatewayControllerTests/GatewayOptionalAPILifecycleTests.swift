//! The optional APIs end to end: a local API server with the simulated
//! controllers (cert-manager among them), the openshell.ai and Agent Sandbox
//! CRDs, and the operator process running the gateway controller through the
//! real client. cert-manager mode to Available, cert-manager installed after
//! the gateway, a re-issued certificate rolling the pods, and exposure objects
//! applied once their CRDs are installed (without restarting the operator),
//! put back after a hand edit, and reported missing again when the CRD goes.
import ClusterSimulators
import Foundation
import GatewayController
import KubeClient
import KubeCore
import KubeRuntime
import LocalAPIServer
import Logging
import OpenShellAPI
import Operator
import OperatorTestSupport
import Testing
import TestSupport

private let namespace = "openshell-system"

/// A server with simulators and CRDs (cert-manager's when asked), and the operator running against it.
private func withOperator(installCertManager: Bool, _ body: @Sendable (TestServer) async throws -> Void) async throws {
    try await OperatorTestSupport.withOperator(
        setups: [GatewayControllerSetup()], namespaces: [namespace], label: "gateway-optional-api-tests",
        prepare: { test in if installCertManager { try await installCertManagerCRDs(test) } }, body)
}

private func installCertManagerCRDs(_ test: TestServer) async throws {
    for (crd, resource) in CertManagerCRD.all { try await test.installCRD(crd, resource: resource) }
}

/// A minimal CRD of our own for an API the operator applies to: `v1`, served, spec and status kept as sent.
private func minimalCRD(group: String, kind: String, plural: String) -> KubeObject {
    let open: JSONValue = ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
    return KubeObject([
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": .string("\(plural).\(group)")],
        "spec": [
            "group": .string(group), "scope": "Namespaced",
            "names": ["kind": .string(kind), "listKind": .string("\(kind)List"), "plural": .string(plural), "singular": .string(kind.lowercased())],
            "versions": [[
                "name": "v1", "served": true, "storage": true, "subresources": ["status": [:]],
                "schema": ["openAPIV3Schema": ["type": "object", "properties": ["spec": open, "status": open]]],
            ]],
        ],
    ])
}

private func gateway(spec: JSONObject) -> KubeObject {
    KubeObject([
        "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellGateway",
        "metadata": ["name": "openshell", "namespace": .string(namespace)], "spec": .object(spec),
    ])
}

private func fetch(_ client: RESTClient) async -> KubeObject? {
    try? await client.get(OpenShellAPIGroup.gateways, namespace: namespace, name: "openshell")
}

private func condition(_ client: RESTClient, _ type: String) async -> Condition? {
    await fetch(client)?.conditions[type: type]
}

private func eventReasons(_ client: RESTClient) async -> [String] {
    let list = try? await client.list(EventV1.resource, namespace: namespace)
    return (list?.items ?? []).filter { $0.json["regarding"]?["name"]?.stringValue == "openshell" }.compactMap { $0.json["reason"]?.stringValue }
}

private func podChecksum(_ client: RESTClient) async -> String? {
    let set = try? await client.get(GatewayResources.statefulSets, namespace: namespace, name: "openshell")
    return set?.spec?[path: ["template", "metadata", "annotations", GatewayLabels.configChecksum]]?.stringValue
}

private let certManagerSpec: JSONObject = ["tls": ["mode": "CertManager"]]

/// `api` served by the server through a CRD of ours, and optional-child informers that can only find it by
/// API discovery: their shared CRD informers never run, as on OpenShift, where no CRD serves Routes.
private func discoveryOnly(
    _ test: TestServer, serving api: OptionalAPI, discoveryInterval: Duration = .seconds(60)
) async throws -> OptionalChildInformers {
    try await test.installCRD(minimalCRD(group: api.group, kind: api.kind, plural: api.plural), resource: api.resource)
    var logger = Logger(label: "gateway-discovery-test")
    logger.logLevel = .error
    let informers = SharedInformers(client: test.client, logger: logger)
    return OptionalChildInformers(client: test.client, informers: informers, logger: logger, discoveryInterval: discoveryInterval) {
        InformerConfiguration(resource: $0)
    }
}

/// An exposure kind, its CRD, the spec that asks for it, and a hand edit with the field it changes.
struct ExposureScenario: Sendable, CustomStringConvertible {
    var description: String
    var api: OptionalAPI
    var spec: JSONObject
    var edit: JSONValue
    var path: [String]
    var reason: String

    static let all = [
        ExposureScenario(description: "GRPCRoute", api: .grpcRoutes, spec: ["exposure": ["grpcRoute": ["hostnames": ["gw.example.com"]]]],
                         edit: ["spec": ["hostnames": ["edited.example.com"]]], path: ["spec", "hostnames"], reason: "GatewayAPIMissing"),
        ExposureScenario(description: "OpenShift Route", api: .routes, spec: ["exposure": ["openShiftRoute": [:]]],
                         edit: ["spec": ["tls": ["termination": "edge"]]], path: ["spec", "tls", "termination"], reason: "OpenShiftRouteAPIMissing"),
    ]
}

@Suite("Gateway optional APIs against the local cluster", .serialized)
struct GatewayOptionalAPILifecycleTests {
    @Test("cert-manager mode with the simulated issuer: the chain is applied and issued, TLSReady=True, Available")
    func certManagerMode() async throws {
        try await withOperator(installCertManager: true) { test in
            let client = test.client
            let created = try await client.create(OpenShellAPIGroup.gateways, namespace: namespace, gateway(spec: certManagerSpec))
            try await eventually(timeout: .seconds(60)) { await condition(client, GatewayConditionType.tlsReady)?.isTrue == true }
            try await eventually(timeout: .seconds(60)) { await condition(client, GatewayConditionType.available)?.isTrue == true }
            let owner = try #require(await fetch(client))
            #expect(owner.conditions[type: GatewayConditionType.tlsReady]?.reason == GatewayTLSReason.certificatesIssued)
            #expect(owner.conditions[type: GatewayConditionType.degraded]?.isTrue == false)
            for (resource, name) in [
                (OptionalAPI.issuers.resource, "openshell-selfsigned"), (OptionalAPI.issuers.resource, "openshell-ca-issuer"),
                (OptionalAPI.certificates.resource, "openshell-ca"), (OptionalAPI.certificates.resource, "openshell-server"),
                (OptionalAPI.certificates.resource, "openshell-client"),
            ] {
                let child = try await client.get(resource, namespace: namespace, name: name)
                #expect(child.controllerReference?.uid == created.uid, "\(name)")
            }
            // The Secrets are cert-manager's; the operator wrote only the signing key and the key-encryption key.
            let server = try await client.get(GatewayResources.secrets, namespace: namespace, name: "openshell-server-tls")
            #expect(server.annotations["cert-manager.io/certificate-name"] == "openshell-server")
            #expect(server.controllerReference == nil)
            #expect(await eventReasons(client).contains("Installed"))
            #expect(!(await eventReasons(client).contains("CertificatesCreated")))
        }
    }

    @Test("switching tls.mode from CertManager to BuiltIn: the chain is deleted, the built-in PKI carries on with the Secrets cert-manager wrote")
    func certManagerToBuiltIn() async throws {
        try await withOperator(installCertManager: true) { test in
            let client = test.client
            _ = try await client.create(OpenShellAPIGroup.gateways, namespace: namespace, gateway(spec: certManagerSpec))
            // Every Certificate issued (TLSReady) and the gateway Available: the switch from a settled state.
            try await eventually(timeout: .seconds(60)) { await condition(client, GatewayConditionType.tlsReady)?.isTrue == true }
            try await eventually(timeout: .seconds(60)) { await condition(client, GatewayConditionType.available)?.isTrue == true }
            let ca = try await client.get(GatewayResources.secrets, namespace: namespace, name: "openshell-ca-tls")
            _ = try await client.patch(OpenShellAPIGroup.gateways, namespace: namespace, name: "openshell", type: .merge,
                                       patch: ["spec": ["tls": ["mode": "BuiltIn"]]])
            try await eventually(timeout: .seconds(60)) {
                let issuers = try? await client.list(OptionalAPI.issuers.resource, namespace: namespace).items
                let certificates = try? await client.list(OptionalAPI.certificates.resource, namespace: namespace).items
                return issuers?.isEmpty == true && certificates?.isEmpty == true
            }
            do {
                try await eventually(timeout: .seconds(60)) {
                    let owner = await fetch(client)
                    return owner?.conditions[type: GatewayConditionType.tlsReady]?.reason == "CertificatesValid"
                        && owner?.conditions[type: GatewayConditionType.available]?.isTrue == true
                }
            } catch {
                let status = await fetch(client)?.status.map { String(decoding: $0.serialized(), as: UTF8.self) } ?? "absent"
                Issue.record("gateway status: \(status); events: \(await eventReasons(client))")
                throw error
            }
            #expect(await condition(client, GatewayConditionType.degraded)?.isTrue == false)
            // The CA cert-manager made is the one the built-in PKI now keeps (not replaced).
            let kept = try await client.get(GatewayResources.secrets, namespace: namespace, name: "openshell-ca-tls")
            #expect(kept.uid == ca.uid)
            #expect(kept.json["data"] == ca.json["data"])
            #expect(!(await eventReasons(client).contains("CertificatesCreated")))
        }
    }

    @Test("a certificate cert-manager issues again changes the checksum and rolls the pods")
    func reissueRollsPods() async throws {
        try await withOperator(installCertManager: true) { test in
            let client = test.client
            _ = try await client.create(OpenShellAPIGroup.gateways, namespace: namespace, gateway(spec: certManagerSpec))
            try await eventually(timeout: .seconds(60)) { await condition(client, GatewayConditionType.available)?.isTrue == true }
            let checksum = await podChecksum(client)
            let pod = try await client.get(.pods, namespace: namespace, name: "openshell-0")
            // A new revision: the simulated cert-manager re-issues a Certificate whose Secret is gone.
            _ = try await client.delete(GatewayResources.secrets, namespace: namespace, name: "openshell-server-tls")
            try await eventually(timeout: .seconds(60)) { await podChecksum(client).map { $0 != checksum } ?? false }
            try await eventually(timeout: .seconds(60)) {
                guard let rolled = try? await client.get(.pods, namespace: namespace, name: "openshell-0") else { return false }
                return rolled.uid != pod.uid
            }
            try await eventually(timeout: .seconds(60)) {
                let owner = await fetch(client)
                return owner?.conditions[type: GatewayConditionType.tlsReady]?.isTrue == true
                    && owner?.conditions[type: GatewayConditionType.available]?.isTrue == true
            }
        }
    }

    @Test("cert-manager CRDs absent → TLSReady=False CertManagerMissing, Degraded, no workload; installed → TLSReady=True, Available")
    func certManagerInstalledLater() async throws {
        try await withOperator(installCertManager: false) { test in
            let client = test.client
            _ = try await client.create(OpenShellAPIGroup.gateways, namespace: namespace, gateway(spec: certManagerSpec))
            try await eventually(timeout: .seconds(30)) {
                await condition(client, GatewayConditionType.tlsReady)?.reason == GatewayEventReason.certManagerMissing
            }
            let owner = try #require(await fetch(client))
            #expect(owner.conditions[type: GatewayConditionType.degraded]?.reason == GatewayEventReason.certManagerMissing)
            #expect(owner.conditions[type: GatewayConditionType.degraded]?.message.contains("spec.tls.mode") == true)
            #expect((try? await client.get(GatewayResources.statefulSets, namespace: namespace, name: "openshell")) == nil)
            try await eventually(timeout: .seconds(10)) { await eventReasons(client).contains(GatewayEventReason.certManagerMissing) }

            try await installCertManagerCRDs(test)
            try await eventually(timeout: .seconds(60)) { await condition(client, GatewayConditionType.tlsReady)?.isTrue == true }
            try await eventually(timeout: .seconds(60)) { await condition(client, GatewayConditionType.available)?.isTrue == true }
            #expect(await condition(client, GatewayConditionType.degraded)?.isTrue == false)
            try await eventually(timeout: .seconds(10)) { await eventReasons(client).contains(GatewayEventReason.certManagerAvailable) }
        }
    }

    @Test("API discovery finds a kind no watched CRD shows (OpenShift's Routes): its informer starts and syncs; an unserved one stays off")
    func discovery() async throws {
        try await TestServer.with { test in
            let api = OptionalAPI.routes
            let optional = try await discoveryOnly(test, serving: api)
            #expect(optional.state(of: api) == .notServed)
            await optional.discover(.grpcRoutes)
            #expect(optional.state(of: .grpcRoutes) == .notServed)
            await optional.discover(api)
            try await eventually(timeout: .seconds(30)) { optional.state(of: api) == .ready }
        }
    }

    @Test("an informer API discovery started is stopped, and the gateways re-queued, once discovery no longer lists its kind")
    func discoveredAPIGoesAway() async throws {
        try await TestServer.with { test in
            let api = OptionalAPI.routes
            let optional = try await discoveryOnly(test, serving: api, discoveryInterval: .milliseconds(200))
            let requeued = Locked(0)
            optional.connect(enqueue: { keys in requeued.withLock { $0 += keys.count } }, allGateways: { [ObjectKey(namespace: "ns", name: "gw")] })
            await optional.discover(api)
            try await eventually(timeout: .seconds(30)) { optional.state(of: api) == .ready }
            let before = requeued.withLock { $0 }
            // The API goes away (on OpenShift: the route API server); no CRD informer sees it.
            _ = try await test.client.delete(GatewayResources.customResourceDefinitions, name: api.crdName)
            try await eventually(timeout: .seconds(30)) { optional.state(of: api) == .notServed }
            try await eventually(timeout: .seconds(10)) { requeued.withLock { $0 } > before }
        }
    }

    @Test("an exposure object waits for its CRD (Degraded), is applied once it is installed, a hand edit is put back; CRD deleted → Degraded",
          arguments: ExposureScenario.all)
    func exposure(_ scenario: ExposureScenario) async throws {
        try await withOperator(installCertManager: false) { test in
            let client = test.client
            let api = scenario.api
            _ = try await client.create(OpenShellAPIGroup.gateways, namespace: namespace, gateway(spec: scenario.spec))
            try await eventually(timeout: .seconds(60)) { await condition(client, GatewayConditionType.degraded)?.reason == scenario.reason }
            try await eventually(timeout: .seconds(60)) { await condition(client, GatewayConditionType.available)?.isTrue == true }
            try await eventually(timeout: .seconds(10)) { await eventReasons(client).contains(scenario.reason) }

            try await test.installCRD(minimalCRD(group: api.group, kind: api.kind, plural: api.plural), resource: api.resource)
            try await eventually(timeout: .seconds(60)) { (try? await client.get(api.resource, namespace: namespace, name: "openshell")) != nil }
            try await eventually(timeout: .seconds(30)) { await condition(client, GatewayConditionType.degraded)?.isTrue == false }
            let applied = try await client.get(api.resource, namespace: namespace, name: "openshell")
            let want = try #require(applied.value[path: scenario.path])
            #expect(applied.controllerReference?.kind == OpenShellAPIGroup.gatewayKind.kind)

            _ = try await client.patch(api.resource, namespace: namespace, name: "openshell", type: .merge, patch: scenario.edit)
            try await eventually(timeout: .seconds(30)) {
                let now = try? await client.get(api.resource, namespace: namespace, name: "openshell")
                return now?.value[path: scenario.path] == want
            }
            try await eventually(timeout: .seconds(10)) { await eventReasons(client).contains(GatewayEventReason.driftCorrected) }

            // The CRD removed: the operator stops watching the kind and reports it missing again.
            _ = try await client.delete(.customResourceDefinitions, name: api.crdName)
            try await eventually(timeout: .seconds(60)) { await condition(client, GatewayConditionType.degraded)?.reason == scenario.reason }
            #expect(await condition(client, GatewayConditionType.available)?.isTrue == true)
        }
    }
}
