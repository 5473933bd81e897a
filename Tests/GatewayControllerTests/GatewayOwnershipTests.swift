//! Ownership, labels and the config checksum of the rendered children: what
//! the apply step and the cleanup finalizer rely on.
import Foundation
import KubeCore
import OpenShellAPI
import Testing
@testable import GatewayController

private typealias F = GatewayFixtures

@Suite("Gateway children: ownership, labels, checksum")
struct GatewayOwnershipTests {
    static let clusterScoped: Set<String> = ["ClusterRole", "ClusterRoleBinding"]

    @Test("children in the gateway's namespace have one controller ownerReference to it", arguments: GatewayGoldenCases.all)
    func ownerReferences(_ golden: GatewayGoldenCase) {
        for object in GatewayGoldenCases.render(golden).objects where object.namespace == "openshell" {
            #expect(object.ownerReferences == [OwnerReference(apiVersion: "openshell.ai/v1alpha1", kind: "OpenShellGateway", name: "openshell",
                                                              uid: GatewayFixtures.uid, controller: true, blockOwnerDeletion: true)],
                    "\(object.kind) \(object.name)")
        }
    }

    @Test("cluster-scoped children and children in other namespaces carry no ownerReference, only the owner labels")
    func unownedChildrenAreLabelled() {
        let view = F.render(OpenShellGatewaySpec(
            sandboxes: GatewaySandboxes(namespace: "sandboxes"),
            credentials: GatewayCredentials(kubernetesSecrets: GatewayKubernetesSecretsDriver(namespace: "provider-secrets"))))
        let unowned = view.objects.filter { $0.namespace != "my-namespace" }
        #expect(Set(unowned.map { "\($0.kind)/\($0.namespace)" }) == [
            "ClusterRole/", "ClusterRoleBinding/", "ServiceAccount/sandboxes", "Role/sandboxes", "RoleBinding/sandboxes",
            "NetworkPolicy/sandboxes", "Role/provider-secrets", "RoleBinding/provider-secrets",
        ])
        for object in unowned {
            #expect(object.ownerReferences.isEmpty, "\(object.kind) \(object.name)")
            #expect(object.labels["openshell.ai/gateway-name"] == "openshell", "\(object.kind) \(object.name)")
            #expect(object.labels["openshell.ai/gateway-namespace"] == "my-namespace", "\(object.kind) \(object.name)")
            #expect(object.json["metadata"]?["namespace"] == (Self.clusterScoped.contains(object.kind) ? nil : .string(object.namespace)))
        }
    }

    @Test("every child carries the app.kubernetes.io labels, the operator's managed-by and the owner labels", arguments: GatewayGoldenCases.all)
    func labels(_ golden: GatewayGoldenCase) {
        for object in GatewayGoldenCases.render(golden).objects {
            let labels = object.labels
            #expect(labels["app.kubernetes.io/name"] == "openshell", "\(object.kind) \(object.name)")
            #expect(labels["app.kubernetes.io/instance"] == "openshell")
            #expect(labels["app.kubernetes.io/version"] == "0.0.111")
            #expect(labels["app.kubernetes.io/managed-by"] == "openshell-operator")
            #expect(labels["openshell.ai/managed-by"] == "openshell-operator")
            #expect(labels["openshell.ai/gateway-name"] == "openshell")
        }
    }

    @Test("pod labels are the user's plus the common labels, which the user cannot override; the selector is name and instance")
    func podLabels() {
        let view = F.render(OpenShellGatewaySpec(podMetadata: PodMetadata(
            labels: ["team": "platform", "app.kubernetes.io/name": "mine"], annotations: ["example.com/owner": "platform"])))
        let labels = view.podTemplate[path: ["metadata", "labels"]]
        #expect(labels?["team"] == "platform")
        #expect(labels?["app.kubernetes.io/name"] == "openshell")
        #expect(view.podTemplate[path: ["metadata", "annotations", "example.com/owner"]] == "platform")
        #expect(view.workload.spec?["selector"] == ["matchLabels": ["app.kubernetes.io/name": "openshell", "app.kubernetes.io/instance": "openshell"]])
    }

    @Test("a version change keeps the selector and the claim template, which cannot change, and rolls the image")
    func upgradeKeepsImmutableFields() {
        let old = F.render(), new = F.render(OpenShellGatewaySpec(version: "0.0.112"))
        #expect(old.workload.spec?["selector"] == new.workload.spec?["selector"])
        #expect(old.workload.spec?["volumeClaimTemplates"] == new.workload.spec?["volumeClaimTemplates"])
        #expect(new.container["image"] == "ghcr.io/nvidia/openshell/gateway:0.0.112")
    }

    static let configChanges: [(String, @Sendable (inout GatewayRenderInput) -> Void)] = [
        ("log level", { $0.spec.logLevel = "debug" }),
        ("rate limit", { $0.spec.grpcRateLimit = GatewayRateLimit(requests: 10, windowSeconds: 1) }),
        ("sandbox image", { $0.spec.sandboxes = GatewaySandboxes(image: "registry.example/base:2") }),
        ("a checksum input (a renewed certificate)", { $0.checksumInputs["tls-server"] = "fingerprint-2" }),
    ]

    static let podOnlyChanges: [(String, @Sendable (inout GatewayRenderInput) -> Void)] = [
        ("pod labels", { $0.spec.podMetadata = PodMetadata(labels: ["team": "x"]) }),
        ("replicas", { $0.spec.workload = GatewayWorkload(replicas: 1) }),
        ("resources", { $0.spec.resources = ResourceRequirements(requests: ["cpu": "1"]) }),
    ]

    private static func checksum(_ change: (inout GatewayRenderInput) -> Void) -> String {
        var input = F.input()
        input.checksumInputs = ["tls-server": "fingerprint-1"]
        change(&input)
        return GatewayRenderer.render(input).configChecksum
    }

    @Test("a change of gateway.toml or of a checksum input changes the checksum", arguments: configChanges.map(\.0))
    func checksumCovers(_ name: String) throws {
        let change = try #require(Self.configChanges.first { $0.0 == name }?.1)
        #expect(Self.checksum(change) != Self.checksum { _ in })
    }

    @Test("a change outside gateway.toml leaves the checksum alone", arguments: podOnlyChanges.map(\.0))
    func checksumIgnores(_ name: String) throws {
        let change = try #require(Self.podOnlyChanges.first { $0.0 == name }?.1)
        #expect(Self.checksum(change) == Self.checksum { _ in })
    }

    @Test("the apply order puts identities and config before the workload, exposure last")
    func applyOrder() {
        let kinds = GatewayGoldenCases.render(GatewayGoldenCases.gatewayTLS).objects.map(\.kind)
        #expect(kinds == ["ServiceAccount", "ServiceAccount", "ConfigMap", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
                          "Service", "StatefulSet", "NetworkPolicy", "Gateway", "GRPCRoute"])
    }
}

@Suite("TOML writer")
struct TOMLDocumentTests {
    @Test("keys are bare when they can be, strings escape quotes, backslashes and control characters")
    func quoting() {
        let document = TOMLDocument([TOMLTable(["a", "kubernetes-secrets", "x.y"], [
            TOMLEntry("plain_key-1", .string("say \"hi\"\\\n\t\u{01}")),
            TOMLEntry("app.kubernetes.io/name", .integer(-3)),
            TOMLEntry("list", .array([.boolean(true), .string("b")])),
            TOMLEntry("inline", .inlineTable([TOMLEntry("k", .string("v"))])),
            TOMLEntry("empty", .inlineTable([])),
        ])])
        #expect(document.render() == """
            [a.kubernetes-secrets."x.y"]
            plain_key-1 = "say \\"hi\\"\\\\\\n\\t\\u0001"
            "app.kubernetes.io/name" = -3
            list = [true, "b"]
            inline = { k = "v" }
            empty = {}

            """)
    }

    @Test("tables are separated by one blank line, in the order added")
    func tableOrder() {
        let document = TOMLDocument([TOMLTable(["b"], [TOMLEntry("x", .integer(1))]), TOMLTable(["a"], [TOMLEntry("y", .boolean(false))])])
        #expect(document.render() == "[b]\nx = 1\n\n[a]\ny = false\n")
        #expect(document.tables(containing: "y") == ["a"])
        #expect(document.value("b", "x") == .integer(1))
    }
}
