//! The sandbox reconciler end to end: a local API server over HTTPS with
//! the simulated Agent Sandbox controller, kubelet and garbage collector,
//! the three openshell.ai CRDs, and the operator process running the sandbox
//! controllers through the real client.
import ClusterSimulators
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import OpenShellAPI
import Operator
import OperatorTestSupport
import SandboxController
import Testing
import TestSupport

/// A server with simulators and CRDs, the namespace `team-a`, and the operator (sandbox controllers) running against it.
private func withOperator(_ body: @Sendable (TestServer) async throws -> Void) async throws {
    try await OperatorTestSupport.withOperator(setups: [SandboxControllerSetup()], namespaces: ["team-a"], label: "sandbox-tests", body)
}

private func sandbox(_ name: String, spec: JSONObject = [:]) -> KubeObject {
    KubeObject([
        "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox",
        "metadata": ["name": .string(name), "namespace": "team-a"], "spec": .object(spec),
    ])
}

private func phase(_ client: RESTClient, _ name: String) async -> String? {
    try? await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: name).status?["phase"]?.stringValue
}

@Suite("Sandbox lifecycle against the local cluster", .serialized)
struct SandboxLifecycleTests {
    @Test("create → Ready, suspend → Suspended, resume → Ready, delete → Sandbox and finalizer gone")
    func lifecycle() async throws {
        try await withOperator { test in
            let client = test.client
            let created = try await client.create(OpenShellAPIGroup.sandboxes, namespace: "team-a", sandbox("demo", spec: ["image": "example.com/agent:1"]))
            try await eventually(timeout: .seconds(30)) { await phase(client, "demo") == "Ready" }
            let owner = try await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "demo")
            #expect(owner.finalizers == [OpenShellLabels.sandboxFinalizer])
            let live = try await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "demo")
            #expect(live.controllerReference?.uid == created.uid)
            #expect(live.controllerReference?.blockOwnerDeletion == true)
            #expect(owner.status?[path: ["sandbox", "uid"]]?.stringValue == live.uid)
            #expect(owner.status?["sandboxID"]?.stringValue == created.uid)
            #expect(owner.conditions[type: "Ready"]?.observedGeneration == owner.generation)

            _ = try await client.patch(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "demo", type: .merge, patch: ["spec": ["suspended": true]])
            try await eventually(timeout: .seconds(30)) { await phase(client, "demo") == "Suspended" }
            #expect(try await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "demo").spec?["operatingMode"] == "Suspended")

            _ = try await client.patch(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "demo", type: .merge, patch: ["spec": ["suspended": false]])
            try await eventually(timeout: .seconds(30)) { await phase(client, "demo") == "Ready" }

            _ = try await client.delete(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "demo")
            try await eventually(timeout: .seconds(30)) {
                (try? await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "demo")) == nil
            }
            await #expect(throws: APIError.self) { try await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "demo") }
        }
    }

    @Test("a Sandbox of the same name the operator did not create is never touched: Conflict")
    func conflict() async throws {
        try await withOperator { test in
            let client = test.client
            let foreign = KubeObject([
                "apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox", "metadata": ["name": "taken", "namespace": "team-a"],
                "spec": ["podTemplate": ["spec": ["containers": [["name": "main", "image": "example.com/other:1"]]]]],
            ])
            let before = try await client.create(SandboxResources.agentSandboxes, namespace: "team-a", foreign)
            _ = try await client.create(OpenShellAPIGroup.sandboxes, namespace: "team-a", sandbox("taken"))
            try await eventually(timeout: .seconds(30)) {
                let owner = try? await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "taken")
                return owner?.conditions[type: "Conflict"]?.isTrue == true
            }
            let after = try await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "taken")
            #expect(after.uid == before.uid)
            #expect(after.ownerReferences.isEmpty)
            #expect(after.spec?[path: ["podTemplate", "spec", "containers"]] == before.spec?[path: ["podTemplate", "spec", "containers"]])
        }
    }

    @Test("TTL with onExpiry Delete: Expired, the Sandbox deletes itself and is never recreated")
    func expiryDelete() async throws {
        try await withOperator { test in
            let client = test.client
            _ = try await client.create(OpenShellAPIGroup.sandboxes, namespace: "team-a", sandbox("brief", spec: ["lifetime": ["ttl": "3s"]]))
            try await eventually(timeout: .seconds(30)) { await phase(client, "brief") == "Ready" }
            let live = try await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "brief")
            #expect(live.spec?["shutdownPolicy"] == "Delete")
            try await eventually(timeout: .seconds(30)) { await phase(client, "brief") == "Expired" }
            try await eventually(timeout: .seconds(30)) {
                (try? await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "brief")) == nil
            }
            // Give the operator every chance to (wrongly) recreate it.
            try await Task.sleep(for: .seconds(1))
            await #expect(throws: APIError.self) { try await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "brief") }
            #expect(await phase(client, "brief") == "Expired")
        }
    }

    @Test("TTL with onExpiry Stop: Expired, the Sandbox and its workspace kept, the pod gone")
    func expiryStop() async throws {
        try await withOperator { test in
            let client = test.client
            _ = try await client.create(
                OpenShellAPIGroup.sandboxes, namespace: "team-a", sandbox("kept", spec: ["lifetime": ["ttl": "3s", "onExpiry": "Stop"]]))
            try await eventually(timeout: .seconds(30)) { await phase(client, "kept") == "Expired" }
            let live = try await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "kept")
            #expect(live.spec?["shutdownPolicy"] == "Retain")
            try await eventually(timeout: .seconds(30)) {
                (try? await client.get(SandboxResources.pods, namespace: "team-a", name: "kept")) == nil
            }
            #expect((try? await client.get(.persistentVolumeClaims, namespace: "team-a", name: "workspace-kept")) != nil)
        }
    }

    @Test("the main process fails under failurePolicy Leave: phase Failed with the exit code, no new pod")
    func failureLeave() async throws {
        try await withOperator { test in
            let client = test.client
            _ = try await client.create(OpenShellAPIGroup.sandboxes, namespace: "team-a", sandbox("crash"))
            try await eventually(timeout: .seconds(30)) { await phase(client, "crash") == "Ready" }
            let pod = try await client.get(SandboxResources.pods, namespace: "team-a", name: "crash")
            _ = try await client.patch(
                SandboxResources.pods, namespace: "team-a", name: "crash", type: .merge,
                patch: ["metadata": ["annotations": .object([KubeletHooks.terminateAnnotation: "Failed:7"])]])
            try await eventually(timeout: .seconds(30)) { await phase(client, "crash") == "Failed" }
            let owner = try await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "crash")
            #expect(owner.status?["lastExitCode"] == 7)
            #expect(owner.conditions[type: "Ready"]?.reason == "MainProcessExited")
            #expect(try await client.get(SandboxResources.pods, namespace: "team-a", name: "crash").uid == pod.uid)
        }
    }

    @Test("an image change is rolled out by suspend and resume: a new pod with the new image, the same workspace")
    func rollout() async throws {
        try await withOperator { test in
            let client = test.client
            _ = try await client.create(OpenShellAPIGroup.sandboxes, namespace: "team-a", sandbox("roll", spec: ["image": "example.com/agent:1"]))
            try await eventually(timeout: .seconds(30)) { await phase(client, "roll") == "Ready" }
            let pod = try await client.get(SandboxResources.pods, namespace: "team-a", name: "roll")
            let claim = try await client.get(.persistentVolumeClaims, namespace: "team-a", name: "workspace-roll")
            _ = try await client.patch(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "roll", type: .merge, patch: ["spec": ["image": "example.com/agent:2"]])
            try await eventually(timeout: .seconds(30)) {
                guard let new = try? await client.get(SandboxResources.pods, namespace: "team-a", name: "roll"), new.uid != pod.uid else { return false }
                let owner = try? await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "roll")
                return owner?.status?["phase"] == "Ready" && owner?.conditions[type: "UpToDate"]?.isTrue == true
            }
            let new = try await client.get(SandboxResources.pods, namespace: "team-a", name: "roll")
            let images = new.spec?["containers"]?.arrayValue?.compactMap { $0["image"]?.stringValue } ?? []
            #expect(images.contains("example.com/agent:2"))
            #expect(try await client.get(.persistentVolumeClaims, namespace: "team-a", name: "workspace-roll").uid == claim.uid)
        }
    }

    @Test("a class violation creates nothing and says so in Valid=False and a Warning Event")
    func classViolation() async throws {
        try await withOperator { test in
            let client = test.client
            let classObject = KubeObject([
                "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandboxClass", "metadata": ["name": "strict"],
                "spec": ["images": ["allowed": ["ghcr.io/nvidia/*"]]],
            ])
            _ = try await client.create(OpenShellAPIGroup.sandboxClasses, classObject)
            _ = try await client.create(
                OpenShellAPIGroup.sandboxes, namespace: "team-a", sandbox("rogue", spec: ["className": "strict", "image": "docker.io/evil:1"]))
            try await eventually(timeout: .seconds(30)) {
                let owner = try? await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "rogue")
                return owner?.conditions[type: "Valid"]?.reason == "ClassViolation"
            }
            let owner = try await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "rogue")
            #expect(owner.conditions[type: "Valid"]?.message.contains("spec.image") == true)
            await #expect(throws: APIError.self) { try await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "rogue") }
            try await eventually(timeout: .seconds(30)) {
                let events = try? await client.list(GroupVersionResource(group: "events.k8s.io", version: "v1", resource: "events"), namespace: "team-a")
                return events?.items.contains { $0.json["reason"] == "ClassViolation" && $0.json["type"] == "Warning" } == true
            }

            // A Sidecar class whose proxy runs as the namespace's sandbox UID (1000 here) is refused too.
            _ = try await client.create(OpenShellAPIGroup.sandboxClasses, KubeObject([
                "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandboxClass", "metadata": ["name": "same-uid"],
                "spec": ["topology": "Sidecar", "supervisor": ["sidecar": ["proxyUID": 1000]]],
            ]))
            _ = try await client.create(OpenShellAPIGroup.sandboxes, namespace: "team-a", sandbox("twin", spec: ["className": "same-uid"]))
            try await eventually(timeout: .seconds(30)) {
                let owner = try? await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "twin")
                return owner?.conditions[type: "Valid"]?.reason == "ClassViolation"
            }
            let twin = try await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "twin")
            #expect(twin.conditions[type: "Valid"]?.message.contains("supervisor.sidecar.proxyUID") == true)
            await #expect(throws: APIError.self) { try await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "twin") }
        }
    }

    @Test("a missing Secret holds the sandbox in SecretNotFound until the Secret appears")
    func secretArrives() async throws {
        try await withOperator { test in
            let client = test.client
            _ = try await client.create(
                OpenShellAPIGroup.sandboxes, namespace: "team-a",
                sandbox("keys", spec: ["providers": [["name": "github", "secretRef": ["name": "gh"]]]]))
            try await eventually(timeout: .seconds(30)) {
                let owner = try? await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "keys")
                return owner?.conditions[type: "Ready"]?.reason == "SecretNotFound"
            }
            _ = try await client.create(SandboxResources.secrets, namespace: "team-a", KubeObject([
                "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "gh"], "stringData": ["GITHUB_TOKEN": "s3cr3t-value"],
            ]))
            try await eventually(timeout: .seconds(30)) { await phase(client, "keys") == "Ready" }
            let live = try await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "keys")
            #expect(!live.value.jsonString().contains("s3cr3t-value"))
        }
    }

    @Test("an OpenShellSandbox recreated under the same name waits out its predecessor's Sandbox and never inherits it")
    func recreatedOwner() async throws {
        try await withOperator { test in
            let client = test.client
            let first = try await client.create(OpenShellAPIGroup.sandboxes, namespace: "team-a", sandbox("again"))
            try await eventually(timeout: .seconds(30)) { await phase(client, "again") == "Ready" }
            let old = try await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "again")
            // With the garbage collector paused, the old Sandbox outlives its owner.
            test.server.faults.pause(controller: "garbage-collector")
            _ = try await client.delete(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "again")
            try await eventually(timeout: .seconds(30)) { await phase(client, "again") == "Deleting" }
            _ = try await client.patch(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "again", type: .merge, patch: ["metadata": ["finalizers": .null]])
            let second = try await client.create(OpenShellAPIGroup.sandboxes, namespace: "team-a", sandbox("again"))
            #expect(second.uid != first.uid)
            try await eventually(timeout: .seconds(30)) {
                let owner = try? await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "again")
                return owner?.conditions[type: "Ready"]?.reason == "PredecessorTerminating"
            }
            #expect(try await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "again").uid == old.uid)
            test.server.faults.resume(controller: "garbage-collector")
            try await eventually(timeout: .seconds(30)) { await phase(client, "again") == "Ready" }
            let new = try await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "again")
            #expect(new.uid != old.uid)
            #expect(new.controllerReference?.uid == second.uid)
        }
    }

    @Test("a class change re-queues the sandboxes of that class: a newly disallowed image is reported, the running Sandbox kept; others untouched")
    func classChange() async throws {
        try await withOperator { test in
            let client = test.client
            _ = try await client.create(OpenShellAPIGroup.sandboxClasses, KubeObject([
                "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandboxClass", "metadata": ["name": "team"],
                "spec": ["images": ["allowed": ["example.com/*"]]],
            ]))
            _ = try await client.create(
                OpenShellAPIGroup.sandboxes, namespace: "team-a", sandbox("member", spec: ["className": "team", "image": "example.com/agent:1"]))
            _ = try await client.create(OpenShellAPIGroup.sandboxes, namespace: "team-a", sandbox("outsider"))
            for name in ["member", "outsider"] {
                try await eventually(timeout: .seconds(30)) { await phase(client, name) == "Ready" }
            }
            let memberSandbox = try await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "member")
            let outsider = try await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "outsider")

            _ = try await client.patch(
                OpenShellAPIGroup.sandboxClasses, name: "team", type: .merge, patch: ["spec": ["images": ["allowed": ["ghcr.io/*"]]]])
            try await eventually(timeout: .seconds(30)) {
                let owner = try? await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "member")
                return owner?.conditions[type: "Valid"]?.reason == "ClassViolation"
            }
            let member = try await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "member")
            #expect(member.conditions[type: "Valid"]?.message.contains("spec.image") == true)
            // Invalid input never tears down what runs: the same Sandbox, not patched.
            let kept = try await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "member")
            #expect(kept.uid == memberSandbox.uid)
            #expect(kept.generation == memberSandbox.generation)
            // The sandbox of no class was not touched by the class change.
            #expect(try await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "outsider").resourceVersion == outsider.resourceVersion)
        }
    }

    @Test("a change to the referenced OpenShellPolicy re-queues the sandbox and rolls the new policy out")
    func policyChange() async throws {
        try await withOperator { test in
            let client = test.client
            let policy = KubeObject([
                "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellPolicy", "metadata": ["name": "fs", "namespace": "team-a"],
                "spec": ["filesystem": ["readOnly": ["/usr"], "readWrite": ["/sandbox"]]],
            ])
            _ = try await client.create(OpenShellAPIGroup.policies, namespace: "team-a", policy)
            _ = try await client.create(OpenShellAPIGroup.sandboxes, namespace: "team-a", sandbox("pol", spec: ["policyRef": ["name": "fs"]]))
            try await eventually(timeout: .seconds(30)) { await phase(client, "pol") == "Ready" }
            let pod = try await client.get(SandboxResources.pods, namespace: "team-a", name: "pol")
            _ = try await client.patch(
                OpenShellAPIGroup.policies, namespace: "team-a", name: "fs", type: .merge,
                patch: ["spec": ["filesystem": ["readOnly": ["/usr", "/etc"]]]])
            try await eventually(timeout: .seconds(30)) {
                let map = try? await client.get(SandboxResources.configMaps, namespace: "team-a", name: "pol-openshell")
                return map?.json["data"]?["policy.yaml"]?.stringValue?.contains("/etc") == true
            }
            try await eventually(timeout: .seconds(30)) {
                guard let new = try? await client.get(SandboxResources.pods, namespace: "team-a", name: "pol") else { return false }
                let current = await phase(client, "pol")
                return new.uid != pod.uid && current == "Ready"
            }
            let status = try await client.get(OpenShellAPIGroup.policies, namespace: "team-a", name: "fs")
            #expect(status.conditions[type: "Valid"]?.isTrue == true)
        }
    }

    @Test("failurePolicy Restart: after the backoff a new pod starts, the restart is counted, the limit holds")
    func failureRestart() async throws {
        try await withOperator { test in
            let client = test.client
            _ = try await client.create(
                OpenShellAPIGroup.sandboxes, namespace: "team-a",
                sandbox("phoenix", spec: ["failurePolicy": ["action": "Restart", "maxRestarts": 1]]))
            try await eventually(timeout: .seconds(30)) { await phase(client, "phoenix") == "Ready" }
            let pod = try await client.get(SandboxResources.pods, namespace: "team-a", name: "phoenix")
            _ = try await client.patch(
                SandboxResources.pods, namespace: "team-a", name: "phoenix", type: .merge,
                patch: ["metadata": ["annotations": .object([KubeletHooks.terminateAnnotation: "Failed:2"])]])
            try await eventually(timeout: .seconds(30)) {
                let owner = try? await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "phoenix")
                return owner?.conditions[type: "Ready"]?.reason == "RestartPending"
            }
            // The first restart waits 10 s.
            try await eventually(timeout: .seconds(40)) {
                guard let new = try? await client.get(SandboxResources.pods, namespace: "team-a", name: "phoenix") else { return false }
                let current = await phase(client, "phoenix")
                return new.uid != pod.uid && current == "Ready"
            }
            let owner = try await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "phoenix")
            #expect(owner.status?["restartCount"] == 1)
            #expect(owner.status?["lastExitCode"] == 2)
            _ = try await client.patch(
                SandboxResources.pods, namespace: "team-a", name: "phoenix", type: .merge,
                patch: ["metadata": ["annotations": .object([KubeletHooks.terminateAnnotation: "Failed:3"])]])
            try await eventually(timeout: .seconds(30)) {
                let owner = try? await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "phoenix")
                return owner?.conditions[type: "Ready"]?.reason == "MainProcessExited"
            }
            #expect(try await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "phoenix").status?["restartCount"] == 1)
        }
    }
}
