//! The gateway's optional scenario the least-privilege tests run, written so
//! that together its steps make every call the gateway reconciler's optional
//! role allows: with the cert-manager, Gateway API and OpenShift Route CRDs
//! installed, a gateway in cert-manager TLS mode exposed through a Gateway
//! API Gateway and GRPCRoute and an OpenShift Route goes Available (the
//! cert-manager chain issued by the simulated cert-manager); every optional
//! child edited by hand is put back; an upgrade to an image that never starts
//! is reverted, so the operator deletes the pod of the unwanted revision that
//! blocks the StatefulSet; then TLS disabled without exposure deletes every
//! optional child, and the gateway is deleted.
import ClusterSimulators
import Foundation
import GatewayController
import KubeClient
import KubeCore
import OpenShellAPI
import TestSupport

struct GatewayOptionalScenario: SteppedScenario {
    /// The server: the admin client the scenario acts with, and CRD installation.
    let test: TestServer
    let namespace: String
    /// How long each step may take.
    var stepTimeout: Duration = .seconds(60)
    /// Checked between polls: true ends the scenario early (`ScenarioStop.stopped`).
    var stop: @Sendable () -> Bool = { false }

    static let name = "edge"
    static let goodVersion = "0.0.110"
    static let brokenVersion = "0.0.112"
    /// The image of `brokenVersion`: the simulated kubelet never starts it (`SimulatorOptions.brokenImages`).
    static let brokenImage = "ghcr.io/nvidia/openshell/gateway:\(brokenVersion)"

    static let optionalAPIs: [OptionalAPI] = [.issuers, .certificates, .gateways, .grpcRoutes, .routes]

    private var client: RESTClient { test.client }

    func run() async throws {
        try await installCRDs()
        _ = try await client.create(OpenShellAPIGroup.gateways, namespace: namespace, KubeObject([
            "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellGateway", "metadata": ["name": .string(Self.name)],
            "spec": [
                "version": .string(Self.goodVersion),
                "tls": ["mode": "CertManager", "extraDNSNames": ["edge.apps.example.com"]],
                "exposure": [
                    "grpcRoute": ["hostnames": ["edge.example.com"], "gateway": [:]],
                    "openShiftRoute": ["host": "edge.apps.example.com"],
                ],
            ],
        ]))
        try await step("cert-manager TLS, Gateway API and Route exposure → every optional child, Available") {
            for api in Self.optionalAPIs where (try? await children(api))?.isEmpty != false { return false }
            let available = await condition("Available")
            let tlsReady = await condition("TLSReady")
            return available == true && tlsReady == true
        }

        // Every optional child edited by hand is put back: one patch per kind.
        let edited = "edited-by-hand"
        var editedChildren: [(OptionalAPI, String)] = []
        for api in Self.optionalAPIs {
            for child in try await children(api) {
                editedChildren.append((api, child.name))
                _ = try await client.patch(api.resource, namespace: namespace, name: child.name, type: .merge,
                                           patch: ["metadata": ["annotations": [ChildDrift.appliedHashAnnotation: .string(edited)]]])
            }
        }
        let handEdited = editedChildren
        try await step("hand edits of \(handEdited.count) optional children → put back") {
            for (api, name) in handEdited {
                let now = try? await client.get(api.resource, namespace: namespace, name: name)
                if now?.annotations[ChildDrift.appliedHashAnnotation] == edited { return false }
            }
            return true
        }

        // An upgrade to an image that never starts, reverted: the StatefulSet is left with a pod of a
        // revision it no longer wants, which never became ready and blocks it; the operator deletes it.
        let pod = "\(Self.name)-0"
        _ = try await client.patch(OpenShellAPIGroup.gateways, namespace: namespace, name: Self.name, type: .merge,
                                   patch: ["spec": ["version": .string(Self.brokenVersion)]])
        try await step("upgrade to an image that never starts → its pod created") { await podImage(pod) == Self.brokenImage }
        _ = try await client.patch(OpenShellAPIGroup.gateways, namespace: namespace, name: Self.name, type: .merge,
                                   patch: ["spec": ["version": .string(Self.goodVersion)]])
        try await step("reverted → the stalled pod deleted, the old version running, Available") {
            guard let image = await podImage(pod), !image.hasSuffix(":\(Self.brokenVersion)") else { return false }
            return await condition("Available") == true
        }

        // The built-in PKI and no exposure: every optional child deleted, and the Secrets cert-manager
        // wrote used as they are (never adopted: changing their ownerReferences would need
        // `delete secrets` under OwnerReferencesPermissionEnforcement, which the operator does not hold).
        _ = try await client.patch(OpenShellAPIGroup.gateways, namespace: namespace, name: Self.name, type: .merge,
                                   patch: ["spec": ["tls": ["mode": "BuiltIn"], "exposure": .null]])
        try await step("built-in PKI, no exposure → every optional child deleted, TLSReady from the kept Secrets, Available") {
            for api in Self.optionalAPIs where (try? await children(api))?.isEmpty != true { return false }
            let gateway = try? await client.get(OpenShellAPIGroup.gateways, namespace: namespace, name: Self.name)
            return gateway?.conditions[type: "TLSReady"]?.reason == "CertificatesValid" && gateway?.conditions[type: "Available"]?.isTrue == true
        }

        _ = try await client.delete(OpenShellAPIGroup.gateways, namespace: namespace, name: Self.name)
        try await step("delete → the gateway gone") {
            (try? await client.get(OpenShellAPIGroup.gateways, namespace: namespace, name: Self.name)) == nil
        }
    }

    /// cert-manager's CRDs (the simulated cert-manager's), and minimal ones for the Gateway API and OpenShift Routes.
    private func installCRDs() async throws {
        for (crd, resource) in CertManagerCRD.all where (try? await client.get(.customResourceDefinitions, name: crd.name)) == nil {
            try await test.installCRD(crd, resource: resource)
        }
        for api in [OptionalAPI.gateways, .grpcRoutes, .routes] where (try? await client.get(.customResourceDefinitions, name: api.crdName)) == nil {
            try await test.installCRD(Self.minimalCRD(api), resource: api.resource)
        }
    }

    /// A CRD serving `api` at v1 that keeps spec and status as sent.
    static func minimalCRD(_ api: OptionalAPI) -> KubeObject {
        let open: JSONValue = ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
        return KubeObject([
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": .string(api.crdName)],
            "spec": [
                "group": .string(api.group), "scope": "Namespaced",
                "names": ["kind": .string(api.kind), "listKind": .string("\(api.kind)List"), "plural": .string(api.plural),
                          "singular": .string(api.kind.lowercased())],
                "versions": [[
                    "name": .string(api.version), "served": true, "storage": true, "subresources": ["status": [:]],
                    "schema": ["openAPIV3Schema": ["type": "object", "properties": ["spec": open, "status": open]]],
                ]],
            ],
        ])
    }

    /// The gateway's children of an optional kind, found by its owner label.
    private func children(_ api: OptionalAPI) async throws -> [KubeObject] {
        try await client.list(api.resource, namespace: namespace, options: ListOptions(
            labelSelector: "\(GatewayLabels.gatewayName)=\(Self.name),\(GatewayLabels.gatewayNamespace)=\(namespace)")).items
    }

    private func condition(_ type: String) async -> Bool? {
        let gateway = try? await client.get(OpenShellAPIGroup.gateways, namespace: namespace, name: Self.name)
        return gateway?.conditions[type: type]?.isTrue
    }

    private func podImage(_ name: String) async -> String? {
        let pod = try? await client.get(.pods, namespace: namespace, name: name)
        return pod?.spec?["containers"]?.arrayValue?.first?["image"]?.stringValue
    }

}
