//! The rendered objects' identity and ownership: names, labels,
//! annotations, the one controller reference, and the agent-sandbox §8
//! rules on what a client must never emit.
import Foundation
import KubeCore
import OpenShellAPI
import Testing
@testable import SandboxController

@Suite("Renderer object shape")
struct RenderShapeTests {
    private let uid = RenderFixtures.uid
    private var identityLabels: [String: String] {
        ["openshell.ai/managed-by": "openshell-operator", "openshell.ai/sandbox-id": uid, "openshell.ai/sandbox-name": "demo"]
    }

    private var expectedOwner: OwnerReference {
        OwnerReference(apiVersion: "openshell.ai/v1alpha1", kind: "OpenShellSandbox", name: "demo", uid: uid,
                       controller: true, blockOwnerDeletion: true)
    }

    private func keys(_ value: JSONValue?) -> Set<String> { Set(value?.objectValue?.keys.map { $0 } ?? []) }

    @Test("the Sandbox is agents.x-k8s.io/v1beta1, named and namespaced like its owner")
    func sandboxIdentity() {
        let sandbox = RenderFixtures.render().sandbox
        #expect(sandbox.apiVersion == "agents.x-k8s.io/v1beta1")
        #expect(sandbox.kind == "Sandbox")
        #expect(sandbox.name == "demo")
        #expect(sandbox.namespace == "team-a")
    }

    @Test("Sandbox labels: managed-by, sandbox-id, sandbox-name")
    func sandboxLabels() {
        #expect(RenderFixtures.render().sandbox.labels == identityLabels)
    }

    @Test("Sandbox annotations: sandbox-id, sandbox-name and the rollout hash")
    func sandboxAnnotations() {
        let view = RenderFixtures.render()
        #expect(view.sandbox.annotations == [
            "openshell.ai/sandbox-id": uid, "openshell.ai/sandbox-name": "demo", "openshell.ai/rollout-hash": view.rolloutHash,
        ])
        #expect(view.rolloutHash.count == 16)
    }

    @Test("each owned object has exactly one controller reference, to the OpenShellSandbox")
    func ownerReferences() throws {
        let view = RenderFixtures.render { $0.classSpec.networkPolicy = ClassNetworkPolicy(enabled: true) }
        let networkPolicy = try #require(view.networkPolicy)
        for object in [view.sandbox, view.configMap, networkPolicy] {
            #expect(object.ownerReferences == [expectedOwner], "\(object.kind)")
        }
    }

    @Test("ConfigMap and NetworkPolicy: <name>-openshell in the owner's namespace with the identity labels")
    func ownedObjects() throws {
        let view = RenderFixtures.render { $0.classSpec.networkPolicy = ClassNetworkPolicy(enabled: true) }
        let networkPolicy = try #require(view.networkPolicy)
        #expect(view.configMap.apiVersion == "v1")
        #expect(view.configMap.kind == "ConfigMap")
        #expect(networkPolicy.apiVersion == "networking.k8s.io/v1")
        #expect(networkPolicy.kind == "NetworkPolicy")
        for object in [view.configMap, networkPolicy] {
            #expect(object.name == "demo-openshell")
            #expect(object.namespace == "team-a")
            #expect(object.labels == identityLabels)
        }
    }

    @Test("the sandbox id is the owner's uid everywhere it appears")
    func sandboxIDIsOwnerUID() {
        let id = "11111111-2222-3333-4444-555555555555"
        let view = RenderFixtures.render { $0.owner = RenderFixtures.owner(uid: id) }
        #expect(view.sandbox.labels["openshell.ai/sandbox-id"] == id)
        #expect(view.podMetadata[path: ["labels", "openshell.ai/sandbox-id"]] == .string(id))
        #expect(view.podMetadata[path: ["annotations", "openshell.io/sandbox-id"]] == .string(id))
        #expect(view.envValue("OPENSHELL_SANDBOX_ID") == id)
    }

    // MARK: agent-sandbox-contract §8

    @Test("§8.1/§8.2: never spec.replicas, spec.lifecycle, nor pod template metadata beyond labels and annotations")
    func neverEmitsPrunedFields() {
        let view = RenderFixtures.render(OpenShellSandboxSpec(podMetadata: PodMetadata(labels: ["a": "b"]))) {
            $0.expiresAt = Date(timeIntervalSince1970: 1_800_000_000)
        }
        #expect(view.spec["replicas"] == nil)
        #expect(view.spec["lifecycle"] == nil)
        #expect(keys(view.podMetadata) == ["labels", "annotations"])
        #expect(keys(view.spec)
            .isSubset(of: ["podTemplate", "volumeClaimTemplates", "service", "shutdownTime", "shutdownPolicy", "operatingMode"]))
    }

    @Test("§8.7: no agents.x-k8s.io keys anywhere in the Sandbox's or pod template's metadata")
    func noAgentSandboxKeys() {
        let view = RenderFixtures.render(OpenShellSandboxSpec(podMetadata: PodMetadata(
            labels: ["agents.x-k8s.io/sandbox-name-hash": "x"],
            annotations: ["agents.x-k8s.io/pod-name": "other", "extensions.agents.x-k8s.io/warm-pool-sandbox": "y"]
        )))
        let all = Set(view.sandbox.labels.keys).union(view.sandbox.annotations.keys)
            .union(keys(view.podMetadata["labels"])).union(keys(view.podMetadata["annotations"]))
        #expect(!all.contains { $0.hasPrefix("agents.x-k8s.io/") || $0.hasPrefix("extensions.agents.x-k8s.io/") })
    }

    @Test("§8.8: the volume claim templates are byte-identical across renders and unaffected by other changes")
    func volumeClaimTemplatesAreStable() {
        let spec = OpenShellSandboxSpec(workspace: WorkspaceSpec(size: "1024Mi"))
        let first = RenderFixtures.render(spec).spec["volumeClaimTemplates"]
        var changed = spec
        changed.image = "other:2"
        changed.env = [EnvVar(name: "X", value: "y")]
        let second = RenderFixtures.render(changed) {
            $0.operatingMode = .suspended
            $0.expiresAt = Date(timeIntervalSince1970: 1_800_000_000)
        }.spec["volumeClaimTemplates"]
        #expect(first?.jsonString() == second?.jsonString())
        #expect(first?.arrayValue?.first?[path: ["spec", "resources", "requests", "storage"]] == "1024Mi")
    }

    @Test("no gateway wiring: no endpoint, TLS or service-account-token environment or volumes")
    func noGatewayWiring() {
        let view = RenderFixtures.render(OpenShellSandboxSpec(inference: InferenceSpec(routes: [
            InferenceRoute(name: "r", endpoint: "http://x", model: "m", apiKeySecretRef: SecretKeySelector(name: "s", key: "k")),
        ]))) {
            $0.policy = SandboxPolicySpec()
            $0.policyRules = "package x"
        }
        let forbidden = ["OPENSHELL_ENDPOINT", "OPENSHELL_TLS_CA", "OPENSHELL_TLS_CERT", "OPENSHELL_TLS_KEY",
                         "OPENSHELL_K8S_SA_TOKEN_FILE", "OPENSHELL_SSH_SOCKET_PATH", "OPENSHELL_SANDBOX_TOKEN"]
        #expect(view.envNames.filter(forbidden.contains) == [])
        #expect(!view.volumeNames.contains("openshell-client-tls"))
        #expect(!view.volumeNames.contains("openshell-sa-token"))
    }

    @Test("an owner without uid, namespace or spec still renders (total)")
    func totalOnOddInput() {
        let bare = SandboxRenderer.render(SandboxRenderInput(
            owner: KubeObject([:]),
            spec: OpenShellSandboxSpec(command: [], env: [EnvVar(name: "E")], gpus: -3, podMetadata: PodMetadata(labels: [:]),
                                       service: SandboxServiceSpec(enabled: true, ports: [SandboxPort(port: 0)])),
            classSpec: OpenShellSandboxClassSpec(supervisor: SupervisorSpec(sideloadMethod: "Unknown")),
            expiresAt: Date(timeIntervalSince1970: .nan)
        ))
        #expect(bare.sandbox.kind == "Sandbox")
        #expect(bare.sandbox.value[path: ["spec", "shutdownTime"]] == nil)
        #expect(RenderView(bare).envValue("OPENSHELL_MAIN_PROCESS_SPEC") == #"{"command":["/bin/bash","-l"],"tty":true,"version":1}"#)
    }
}
