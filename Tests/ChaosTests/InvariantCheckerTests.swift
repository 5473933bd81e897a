//! The invariant checker on hand-built object sets: a consistent set passes,
//! and each broken invariant is reported as its own kind of violation.
import ChaosSupport
import KubeCore
import Testing

/// Hand-built objects: an OpenShellSandbox and the Sandbox it controls.
private enum Build {
    static func owner(
        _ name: String, uid: String, phase: String, generation: Int64 = 1, conditions: [(String, Bool, Int64)] = [],
        deleting: Bool = false, namespace: String = "chaos-0"
    ) -> KubeObject {
        var metadata: JSONObject = ["name": .string(name), "namespace": .string(namespace), "uid": .string(uid), "generation": .int(generation)]
        if deleting {
            metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z"
            metadata["finalizers"] = ["openshell.ai/sandbox-cleanup"]
        }
        let conditionValues: [JSONValue] = conditions.map { type, value, observed in
            ["type": .string(type), "status": value ? "True" : "False", "reason": "Test", "message": "",
             "lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": .int(observed)]
        }
        return KubeObject([
            "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox", "metadata": .object(metadata),
            "status": ["phase": .string(phase), "conditions": .array(conditionValues)],
        ])
    }

    static func sandbox(
        _ name: String, ownerName: String? = nil, ownerUID: String?, mode: String = "Running", image: String = "example.com/base:1",
        deleting: Bool = false, namespace: String = "chaos-0", uid: String? = nil, resourceVersion: String = "10"
    ) -> KubeObject {
        var metadata: JSONObject = [
            "name": .string(name), "namespace": .string(namespace), "uid": .string(uid ?? "sandbox-\(name)"),
            "resourceVersion": .string(resourceVersion),
        ]
        if let ownerUID {
            metadata["ownerReferences"] = [[
                "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox", "name": .string(ownerName ?? name),
                "uid": .string(ownerUID), "controller": true, "blockOwnerDeletion": true,
            ]]
        }
        if deleting { metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z" }
        return KubeObject([
            "apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox", "metadata": .object(metadata),
            "spec": ["operatingMode": .string(mode), "podTemplate": ["spec": ["containers": [["name": "agent", "image": .string(image)]]]]],
        ])
    }

    static func key(_ name: String) -> ObjectKey { ObjectKey(namespace: "chaos-0", name: name) }

    /// Expectations and a snapshot in which every invariant holds.
    static let expectations: [ObjectKey: ExpectedState] = [
        key("ready"): .ready(image: nil),
        key("rolled"): .ready(image: "example.com/agent:v2"),
        key("paused"): .suspended,
        key("kept"): .expired(keepsSandbox: true),
        key("gone"): .expired(keepsSandbox: false),
        key("clash"): .conflict,
        key("deleted"): .absent,
    ]

    static let foreignSandbox = sandbox("clash", ownerUID: nil, uid: "foreign-uid", resourceVersion: "5")
    static let foreignRecords = [
        ForeignRecord(kind: "Sandbox", foreignSandbox),
        ForeignRecord(kind: "Pod", key: key("lookalike-pod"), uid: "pod-uid", resourceVersion: "7"),
    ]

    static func consistent() -> ClusterSnapshot {
        let ready: [(String, Bool, Int64)] = [("Ready", true, 1), ("UpToDate", true, 1)]
        return ClusterSnapshot(
            openShellSandboxes: [
                owner("ready", uid: "u-ready", phase: "Ready", conditions: ready),
                owner("rolled", uid: "u-rolled", phase: "Ready", generation: 3, conditions: [("Ready", true, 3), ("UpToDate", true, 3)]),
                owner("paused", uid: "u-paused", phase: "Suspended", conditions: [("Suspended", true, 1)]),
                owner("kept", uid: "u-kept", phase: "Expired"),
                owner("gone", uid: "u-gone", phase: "Expired"),
                owner("clash", uid: "u-clash", phase: "Pending", conditions: [("Conflict", true, 1)]),
            ],
            sandboxes: [
                sandbox("ready", ownerUID: "u-ready"),
                sandbox("rolled", ownerUID: "u-rolled", image: "example.com/agent:v2"),
                sandbox("paused", ownerUID: "u-paused", mode: "Suspended"),
                sandbox("kept", ownerUID: "u-kept"),
                foreignSandbox,
            ],
            foreign: foreignRecords,
            queueDepths: ["openshell-sandbox": 0, "openshell-gateway": 0])
    }

    static var checker: InvariantChecker { InvariantChecker(expectations: expectations, foreign: foreignRecords) }
}

@Suite("Invariant checker")
struct InvariantCheckerTests {
    @Test("a consistent object set has no violation")
    func consistentSetPasses() {
        #expect(Build.checker.violations(Build.consistent()) == [])
    }

    @Test("an expired sandbox kept with onExpiry Stop may have no Sandbox when it expired before one was made")
    func expiredBeforeCreationHasNoSandbox() {
        var snapshot = Build.consistent()
        snapshot.sandboxes.removeAll { $0.name == "kept" }
        #expect(Build.checker.violations(snapshot) == [])
    }

    /// One broken invariant each, and the kind of violation it must produce.
    static let breakages: [(String, Violation.Kind, @Sendable (inout ClusterSnapshot) -> Void)] = [
        ("not Ready yet", .notConverged, { $0.replaceOwner("ready", Build.owner("ready", uid: "u-ready", phase: "Provisioning")) }),
        ("Ready at an older generation", .notConverged, {
            $0.replaceOwner("ready", Build.owner("ready", uid: "u-ready", phase: "Ready", generation: 2, conditions: [("Ready", true, 1), ("UpToDate", true, 1)]))
        }),
        ("the new image not rolled out", .notConverged, { $0.replaceSandbox("rolled", Build.sandbox("rolled", ownerUID: "u-rolled", image: "example.com/agent:v1")) }),
        ("suspended but the Sandbox runs", .notConverged, { $0.replaceSandbox("paused", Build.sandbox("paused", ownerUID: "u-paused")) }),
        ("expired not reported", .notConverged, { $0.replaceOwner("kept", Build.owner("kept", uid: "u-kept", phase: "Ready")) }),
        ("conflict not reported", .notConverged, { $0.replaceOwner("clash", Build.owner("clash", uid: "u-clash", phase: "Ready")) }),
        ("a deleted one still there", .notConverged, { $0.openShellSandboxes.append(Build.owner("deleted", uid: "u-deleted", phase: "Ready")) }),
        ("a planned one missing", .notConverged, { $0.openShellSandboxes.removeAll { $0.name == "ready" } }),
        ("a live one without its Sandbox", .missingSandbox, { $0.sandboxes.removeAll { $0.name == "ready" } }),
        ("two Sandboxes for one owner", .extraSandbox, { $0.sandboxes.append(Build.sandbox("ready-2", ownerName: "ready", ownerUID: "u-ready")) }),
        ("an expired-and-deleted one keeps its Sandbox", .extraSandbox, { $0.sandboxes.append(Build.sandbox("gone", ownerUID: "u-gone")) }),
        ("an expired-and-kept one with two Sandboxes", .extraSandbox, { $0.sandboxes.append(Build.sandbox("kept-2", ownerName: "kept", ownerUID: "u-kept")) }),
        ("a Sandbox whose owner UID is not live", .orphanSandbox, { $0.sandboxes.append(Build.sandbox("deleted", ownerUID: "u-old")) }),
        ("a Sandbox with no controller", .orphanSandbox, { $0.sandboxes.append(Build.sandbox("stray", ownerUID: nil)) }),
        ("a Sandbox controlled by an owner of another name", .orphanSandbox, {
            $0.sandboxes.append(Build.sandbox("other", ownerName: "ready", ownerUID: "u-ready"))
        }),
        ("a Sandbox of ours for an owner in another namespace", .orphanSandbox, {
            $0.sandboxes.append(Build.sandbox("ready", ownerUID: "u-ready", namespace: "chaos-1"))
        }),
        ("the foreign Sandbox modified", .foreignTouched, {
            $0.foreign[0].resourceVersion = "6"
        }),
        ("the foreign Sandbox replaced", .foreignTouched, { $0.foreign[0].uid = "someone-new" }),
        ("the foreign pod deleted", .foreignTouched, { $0.foreign.removeAll { $0.kind == "Pod" } }),
        ("an OpenShellSandbox stuck in Terminating", .stuckTerminating, {
            $0.openShellSandboxes.append(Build.owner("deleted", uid: "u-deleted", phase: "Deleting", deleting: true))
        }),
        ("a Sandbox of ours stuck in Terminating", .stuckTerminating, {
            $0.replaceSandbox("kept", Build.sandbox("kept", ownerUID: "u-kept", deleting: true))
        }),
        ("work left in the queue", .queueNotEmpty, { $0.queueDepths = ["openshell-sandbox": 3, "openshell-gateway": 0] }),
        ("work left in another controller's queue", .queueNotEmpty, { $0.queueDepths = ["openshell-sandbox": 0, "openshell-gateway": 1] }),
        ("no depth series for the sandbox controller", .queueNotEmpty, { $0.queueDepths = ["openshell-gateway": 0] }),
        ("metrics unreadable", .queueNotEmpty, { $0.queueDepths = nil }),
        ("an OpenShellSandbox nobody planned", .unexpectedObject, {
            $0.openShellSandboxes.append(Build.owner("surprise", uid: "u-surprise", phase: "Ready"))
        }),
    ]

    @Test("each broken invariant is reported as its own kind", arguments: 0..<breakages.count)
    func eachBreakageIsCaught(_ index: Int) {
        let (name, kind, breakIt) = Self.breakages[index]
        var snapshot = Build.consistent()
        breakIt(&snapshot)
        let violations = Build.checker.violations(snapshot)
        #expect(violations.contains { $0.kind == kind }, "\(name): got \(violations)")
    }

    @Test("while converging under faults the queue is not looked at")
    func queueSkippedWhenAsked() {
        var snapshot = Build.consistent()
        snapshot.queueDepths = nil
        #expect(Build.checker.violations(snapshot, checkQueue: false) == [])
    }

    @Test("a violation names its object and what is wrong")
    func violationText() {
        var snapshot = Build.consistent()
        snapshot.foreign[0].resourceVersion = "6"
        let text = Build.checker.violations(snapshot).map(\.description)
        #expect(text == ["foreignTouched: foreign Sandbox chaos-0/clash: modified (resourceVersion 5 → 6)"])
    }

    @Test("workqueue_depth is read per controller from the Prometheus text")
    func readsQueueDepths() {
        let exposition = """
            # TYPE workqueue_depth gauge
            workqueue_depth{name="openshell-sandbox"} 2
            workqueue_depth{name="openshell-gateway"} 0
            workqueue_depth_other{name="x"} 9
            workqueue_adds_total{name="openshell-sandbox"} 40
            """
        #expect(prometheusSeries("workqueue_depth", by: "name", in: exposition) == ["openshell-sandbox": 2, "openshell-gateway": 0])
    }
}

extension ClusterSnapshot {
    mutating func replaceOwner(_ name: String, _ object: KubeObject) {
        openShellSandboxes.removeAll { $0.name == name }
        openShellSandboxes.append(object)
    }

    mutating func replaceSandbox(_ name: String, _ object: KubeObject) {
        sandboxes.removeAll { $0.name == name && $0.uid != "foreign-uid" }
        sandboxes.append(object)
    }
}
