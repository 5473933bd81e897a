//! The sandbox controller's pod cache transform (`SandboxControllerSetup.cachedPod`):
//! what it keeps is everything the reconciler reads of a pod — the state it
//! derives from a trimmed pod equals the one from the full pod — and the
//! spec and the rest of the status are gone.
import Foundation
import KubeCore
import Testing
@testable import SandboxController

@Suite("Pod cache transform")
struct PodCacheTransformTests {
    /// A pod as the kubelet reports it, with `status` as given.
    private static func pod(phase: String, containers: [JSONValue]) -> KubeObject {
        KubeObject([
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": "demo", "namespace": "team-a", "uid": "pod-1", "resourceVersion": "42",
                "labels": ["openshell.ai/managed-by": "openshell-operator"], "annotations": ["note": "kept"],
                "ownerReferences": [["apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox", "name": "demo", "uid": "sandbox-1", "controller": true]],
            ],
            "spec": ["containers": [["name": "agent", "image": "example/agent:1", "command": ["/bin/sh", "-c", "sleep 1"]]], "nodeName": "node-1"],
            "status": [
                "phase": .string(phase), "hostIP": "10.0.0.1", "podIP": "10.0.0.7", "qosClass": "BestEffort",
                "conditions": [["type": "Ready", "status": "True"]],
                "containerStatuses": .array(containers),
            ],
        ])
    }

    private static func container(_ name: String, state: JSONValue, lastState: JSONValue = [:]) -> JSONValue {
        ["name": .string(name), "image": "example/agent:1", "imageID": "sha256:abc", "containerID": "containerd://x",
         "ready": false, "restartCount": 1, "started": false, "state": state, "lastState": lastState]
    }

    private static let sandbox = KubeObject([
        "apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox",
        "metadata": ["name": "demo", "namespace": "team-a", "uid": "sandbox-1", "generation": 1],
        "spec": ["operatingMode": "Running"],
        "status": ["conditions": [["type": "Ready", "status": "False", "reason": "PodFailed", "observedGeneration": 1]]],
    ])

    static let pods: [KubeObject] = [
        pod(phase: "Running", containers: [container("agent", state: ["running": ["startedAt": "2026-12-07T01:00:00Z"]])]),
        pod(phase: "Failed", containers: [
            container("sidecar", state: ["terminated": ["exitCode": 1, "finishedAt": "2026-12-07T01:00:01Z"]]),
            container("agent", state: ["terminated": ["exitCode": 3, "finishedAt": "2026-12-07T01:00:02Z", "reason": "Error"]]),
        ]),
        pod(phase: "Succeeded", containers: [container("agent", state: ["terminated": ["exitCode": 0, "finishedAt": "2026-12-07T01:00:03Z"]])]),
        pod(phase: "Running", containers: [container(
            "agent", state: ["waiting": ["reason": "CrashLoopBackOff"]],
            lastState: ["terminated": ["exitCode": 137, "finishedAt": "2026-12-07T01:00:04Z"]])]),
        pod(phase: "Pending", containers: []),
    ]

    @Test("the reconciler reads the same from the cached pod as from the full pod", arguments: PodCacheTransformTests.pods)
    func sameState(pod: KubeObject) {
        let cached = SandboxControllerSetup.cachedPod(pod)
        #expect(AgentSandboxState(sandbox: Self.sandbox, pod: cached) == AgentSandboxState(sandbox: Self.sandbox, pod: pod))
        #expect(cached.metadata == pod.metadata)
        #expect(cached.controllerReference == pod.controllerReference)
        #expect(cached.status?["phase"] == pod.status?["phase"])
    }

    @Test("the spec and the status fields nobody reads are dropped", arguments: PodCacheTransformTests.pods)
    func dropped(pod: KubeObject) {
        let cached = SandboxControllerSetup.cachedPod(pod)
        #expect(Set(cached.json.keys) == ["apiVersion", "kind", "metadata", "status"])
        let statusFields = Set((cached.status?.objectValue ?? [:]).keys)
        #expect(statusFields.isSubset(of: ["phase", "containerStatuses"]))
        for container in cached.status?["containerStatuses"]?.arrayValue ?? [] {
            #expect(Set((container.objectValue ?? [:]).keys).isSubset(of: ["name", "state", "lastState"]))
        }
        #expect(cached.value.serialized().count < pod.value.serialized().count)
    }
}
