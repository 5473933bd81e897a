//! The sandbox reconciler's decisions (SandboxPlanner), table by table:
//! creation, readiness at the current generation, suspend and resume,
//! rollouts by suspend/resume, foreign and predecessor Sandboxes, expiry,
//! blocked input, failures with both failure policies, deletion, and
//! restarts asked for with the `openshell.ai/restartedAt` annotation.
import Foundation
import KubeCore
import KubeRuntime
import OpenShellAPI
import Testing
@testable import SandboxController

private let now = Date(timeIntervalSince1970: 1_800_000_000)

/// An OpenShellSandbox as the server would hold it.
private func owner(
    generation: Int64 = 1, finalizer: Bool = true, deleting: Bool = false, uid: String = "5c4f7c2e-0000-4000-8000-000000000001"
) -> KubeObject {
    var metadata: JSONObject = [
        "name": "demo", "namespace": "team-a", "uid": .string(uid), "generation": .int(generation),
        "creationTimestamp": .string(KubeTime.format(now.addingTimeInterval(-60))),
    ]
    if finalizer { metadata["finalizers"] = [.string(OpenShellLabels.sandboxFinalizer)] }
    if deleting { metadata["deletionTimestamp"] = .string(KubeTime.format(now)) }
    return KubeObject(["apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox", "metadata": .object(metadata), "spec": [:]])
}

private func render(_ owner: KubeObject, _ spec: OpenShellSandboxSpec, expiresAt: Date? = nil) -> RenderedSandbox {
    SandboxRenderer.render(SandboxRenderInput(owner: owner, spec: spec, expiresAt: expiresAt))
}

/// The live Sandbox the Agent Sandbox controller would report for `rendered`.
private func live(
    _ rendered: RenderedSandbox, mode: OperatingMode = .running, generation: Int64 = 1, ready: Bool = true,
    readyGeneration: Int64? = nil, readyReason: String? = nil, suspended: Bool = false, finished: String? = nil
) -> KubeObject {
    var sandbox = rendered.sandbox
    sandbox.json["metadata"]?["uid"] = "sbx-uid-1"
    sandbox.json["metadata"]?["generation"] = .int(generation)
    sandbox.json["metadata"]?["annotations"]?["agents.x-k8s.io/pod-name"] = "demo"
    sandbox.json["spec"]?["operatingMode"] = .string(mode.rawValue)
    if sandbox.json["spec"]?["shutdownPolicy"] == nil { sandbox.json["spec"]?["shutdownPolicy"] = "Retain" }
    var conditions: [Condition] = [
        Condition(
            type: "Ready", ready, reason: readyReason ?? (ready ? "DependenciesReady" : "DependenciesNotReady"),
            message: ready ? "Pod is Ready" : "Pod does not exist", observedGeneration: readyGeneration ?? generation),
        Condition(type: "Suspended", suspended, reason: suspended ? "PodTerminated" : "NotSuspended", message: "", observedGeneration: generation),
    ]
    if let finished { conditions.append(Condition(type: "Finished", true, reason: finished, message: "", observedGeneration: generation)) }
    sandbox.conditions = conditions
    sandbox.json["status"]?["podIPs"] = ready ? ["10.0.0.7"] : nil
    return sandbox
}

private func ownedConfigMap(_ rendered: RenderedSandbox) -> KubeObject {
    var map = rendered.configMap
    map.json["metadata"]?["uid"] = "cm-uid"
    return map
}

private func failedPod(uid: String = "pod-1", exitCode: Int64 = 3) -> KubeObject {
    KubeObject([
        "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "demo", "namespace": "team-a", "uid": .string(uid)],
        "status": [
            "phase": "Failed",
            "containerStatuses": [[
                "name": "agent",
                "state": ["terminated": ["exitCode": .int(exitCode), "finishedAt": .string(KubeTime.format(now.addingTimeInterval(-5)))]],
            ]],
        ],
    ])
}

private func snapshot(
    owner: KubeObject = owner(), spec: OpenShellSandboxSpec = OpenShellSandboxSpec(),
    status: OpenShellSandboxStatus = OpenShellSandboxStatus(), desired: RenderedSandbox? = nil, blocker: Blocker? = nil,
    expiresAt: Date? = nil, live: KubeObject? = nil, pod: KubeObject? = nil, configMap: KubeObject? = nil, at time: Date = now
) -> SandboxSnapshot {
    let rendered = desired ?? render(owner, spec, expiresAt: expiresAt)
    return SandboxSnapshot(
        owner: owner, spec: spec, status: status,
        desired: blocker.map { .failure(BlockedError($0)) } ?? .success(rendered), className: nil, expiresAt: expiresAt,
        live: live, pod: pod, liveConfigMap: configMap ?? (live == nil ? nil : ownedConfigMap(rendered)), liveNetworkPolicy: nil,
        now: time)
}

/// `object` carrying `openshell.ai/restartedAt: value` (an OpenShellSandbox's request, or a Sandbox's stamp).
private func restartedAt(_ value: String, _ object: KubeObject) -> KubeObject {
    var object = object
    if object.json["metadata"]?["annotations"] == nil { object.json["metadata"]?["annotations"] = [:] }
    object.json["metadata"]?["annotations"]?[OpenShellLabels.restartedAtAnnotation] = .string(value)
    return object
}

private func kinds(_ actions: [SandboxAction]) -> [String] {
    actions.map { action in
        switch action {
        case .addFinalizer: "addFinalizer"
        case .removeFinalizer: "removeFinalizer"
        case .create(let object): "create \(object.kind)"
        case .patch(let live, _): "patch \(live.kind)"
        case .delete(let object, let foreground): "delete \(object.kind)\(foreground ? " foreground" : "")"
        }
    }
}

private func patchBody(_ plan: SandboxPlan, kind: String = "Sandbox") -> JSONValue? {
    for case .patch(let live, let patch) in plan.actions where live.kind == kind { return patch }
    return nil
}

@Suite("SandboxPlanner")
struct SandboxPlannerTests {
    @Test("a new OpenShellSandbox gets the finalizer, its ConfigMap, then its Sandbox, and a Created Event")
    func createsInOrder() {
        let plan = SandboxPlanner.plan(snapshot(owner: owner(finalizer: false)))
        #expect(kinds(plan.actions) == ["addFinalizer", "create ConfigMap", "create Sandbox"])
        #expect(plan.status.phase == .provisioning)
        #expect(plan.status.sandboxID == owner().uid)
        #expect(plan.events.map(\.reason) == ["Created"])
        guard case .create(let sandbox)? = plan.actions.last else { return }
        #expect(sandbox.spec?["operatingMode"] == "Running")
        #expect(sandbox.controllerReference?.uid == owner().uid)
    }

    @Test("a suspended sandbox is created suspended")
    func createsSuspended() {
        let spec = OpenShellSandboxSpec(suspended: true)
        let plan = SandboxPlanner.plan(snapshot(spec: spec))
        guard case .create(let sandbox)? = plan.actions.last else { return #expect(Bool(false), "no create") }
        #expect(sandbox.spec?["operatingMode"] == "Suspended")
        #expect(plan.status.phase == .suspending)
    }

    @Test("Ready at the current generation: phase Ready, pod IPs, no writes, one Ready Event")
    func readyWritesNothing() {
        let rendered = render(owner(), OpenShellSandboxSpec())
        let previous = OpenShellSandboxStatus(phase: .provisioning)
        let plan = SandboxPlanner.plan(snapshot(status: previous, desired: rendered, live: live(rendered)))
        #expect(plan.actions.isEmpty)
        #expect(plan.status.phase == .ready)
        #expect(plan.status.podIPs == ["10.0.0.7"])
        #expect(plan.status.sandbox == OwnedSandboxReference(name: "demo", uid: "sbx-uid-1"))
        #expect(plan.status.conditions?[type: "Ready"]?.isTrue == true)
        #expect(plan.status.conditions?[type: "Ready"]?.observedGeneration == 1)
        #expect(plan.events.map(\.reason) == ["Ready"])
    }

    @Test("a Ready=True observed at an older generation reads as not ready")
    func staleReady() {
        let rendered = render(owner(), OpenShellSandboxSpec())
        let plan = SandboxPlanner.plan(snapshot(desired: rendered, live: live(rendered, generation: 3, readyGeneration: 2)))
        #expect(plan.status.phase == .provisioning)
        #expect(plan.status.podIPs == nil)
    }

    @Test("a stale Suspended=True next to operatingMode Running and Ready is not read as suspended")
    func staleSuspended() {
        let rendered = render(owner(), OpenShellSandboxSpec())
        let plan = SandboxPlanner.plan(snapshot(desired: rendered, live: live(rendered, suspended: true)))
        #expect(plan.status.phase == .ready)
        #expect(plan.status.conditions?[type: "Suspended"]?.isTrue == false)
    }

    @Test("suspending patches operatingMode only, then reports Suspended once the pod is gone")
    func suspend() {
        let spec = OpenShellSandboxSpec(suspended: true)
        let rendered = render(owner(), spec)
        let first = SandboxPlanner.plan(snapshot(spec: spec, desired: rendered, live: live(rendered)))
        #expect(patchBody(first) == ["spec": ["operatingMode": "Suspended"]])
        #expect(first.status.phase == .suspending)
        #expect(first.events.map(\.reason) == ["Suspending"])

        let second = SandboxPlanner.plan(snapshot(
            spec: spec, status: first.status, desired: rendered,
            live: live(rendered, mode: .suspended, ready: false, readyReason: "SandboxSuspended", suspended: true)))
        #expect(second.actions.isEmpty)
        #expect(second.status.phase == .suspended)
        #expect(second.status.conditions?[type: "Suspended"]?.isTrue == true)
        #expect(second.events.map(\.reason) == ["Suspended"])
    }

    @Test("resuming patches operatingMode Running with a Resumed Event")
    func resume() {
        let rendered = render(owner(), OpenShellSandboxSpec())
        let plan = SandboxPlanner.plan(snapshot(
            status: OpenShellSandboxStatus(phase: .suspended), desired: rendered,
            live: live(rendered, mode: .suspended, ready: false, readyReason: "SandboxSuspended", suspended: true)))
        #expect(patchBody(plan) == ["spec": ["operatingMode": "Running"]])
        #expect(plan.events.map(\.reason) == ["Resumed"])
    }

    @Test("a changed image is rolled out by suspending with the new template, UpToDate=False")
    func rollout() {
        let old = render(owner(), OpenShellSandboxSpec(image: "example.com/agent:1"))
        let spec = OpenShellSandboxSpec(image: "example.com/agent:2")
        let new = render(owner(), spec)
        #expect(old.rolloutHash != new.rolloutHash)
        let plan = SandboxPlanner.plan(snapshot(spec: spec, desired: new, live: live(old), configMap: ownedConfigMap(new)))
        let patch = patchBody(plan)
        #expect(patch?[path: ["spec", "operatingMode"]] == "Suspended")
        #expect(patch?[path: ["metadata", "annotations", OpenShellLabels.rolloutHash]] == .string(new.rolloutHash))
        #expect(patch?[path: ["spec", "volumeClaimTemplates"]] == nil)
        #expect(plan.status.conditions?[type: "UpToDate"]?.reason == "RollingOut")
        #expect(plan.events.map(\.reason) == ["RollingOut"])
    }

    @Test("pod-metadata changes are patched without a restart")
    func labelChangeNoRestart() {
        let old = render(owner(), OpenShellSandboxSpec())
        let spec = OpenShellSandboxSpec(podMetadata: PodMetadata(labels: ["team": "blue"]))
        let new = render(owner(), spec)
        let plan = SandboxPlanner.plan(snapshot(spec: spec, desired: new, live: live(old), configMap: ownedConfigMap(new)))
        let patch = patchBody(plan)
        #expect(patch?[path: ["spec", "podTemplate", "metadata", "labels", "team"]] == "blue")
        #expect(patch?[path: ["spec", "operatingMode"]] == nil)
        #expect(plan.status.phase == .ready)
    }

    @Test("a Sandbox of the same name controlled by someone else is never touched: Conflict")
    func foreign() {
        var foreign = live(render(owner(), OpenShellSandboxSpec()))
        foreign.ownerReferences = [OwnerReference(apiVersion: "example.com/v1", kind: "Other", name: "x", uid: "other", controller: true)]
        let plan = SandboxPlanner.plan(snapshot(live: foreign))
        #expect(kinds(plan.actions).isEmpty)
        #expect(plan.status.conditions?[type: "Conflict"]?.isTrue == true)
        #expect(plan.status.conditions?[type: "Ready"]?.reason == "Conflict")
        #expect(plan.events.map(\.reason) == ["Conflict"])
        #expect(plan.events.first?.type == .warning)
    }

    @Test("an ownerReference written with another version of our group still counts as ours")
    func ownerVersionIgnored() {
        let rendered = render(owner(), OpenShellSandboxSpec())
        var sandbox = live(rendered)
        sandbox.ownerReferences = sandbox.ownerReferences.map { reference in
            var reference = reference
            reference.apiVersion = "openshell.ai/v1beta1"
            return reference
        }
        let plan = SandboxPlanner.plan(snapshot(desired: rendered, live: sandbox))
        #expect(plan.status.phase == .ready)
        #expect(plan.status.conditions?[type: "Conflict"] == nil)
    }

    @Test("a predecessor's Sandbox (same name, other UID) is waited out, never inherited")
    func predecessor() {
        let old = owner(uid: "old-uid")
        let sandbox = live(render(old, OpenShellSandboxSpec()))
        let plan = SandboxPlanner.plan(snapshot(live: sandbox))
        #expect(kinds(plan.actions).isEmpty)
        #expect(plan.status.conditions?[type: "Ready"]?.reason == "PredecessorTerminating")
        #expect(plan.requeueAfter != nil)
    }

    @Test("past expiry a missing Sandbox is Expired and never created again")
    func expiredNotRecreated() {
        let expiry = now.addingTimeInterval(-1)
        let plan = SandboxPlanner.plan(snapshot(
            status: OpenShellSandboxStatus(phase: .ready, sandbox: OwnedSandboxReference(name: "demo", uid: "sbx-uid-1")),
            expiresAt: expiry))
        #expect(kinds(plan.actions).isEmpty)
        #expect(plan.status.phase == .expired)
        #expect(plan.status.expiresAt == KubeTime.format(expiry))
        #expect(plan.events.map(\.reason) == ["Expired"])
    }

    @Test("before expiry the reconcile asks to look again at the expiry time")
    func requeueAtExpiry() {
        let plan = SandboxPlanner.plan(snapshot(expiresAt: now.addingTimeInterval(90)))
        #expect(plan.requeueAfter == .seconds(90))
    }

    @Test("invalid input creates nothing and reports Valid=False with a Warning")
    func blocked() {
        let blocker = Blocker(reason: "InvalidSpec", message: "spec.gpus: Invalid value: 0: must be greater than 0", invalidInput: true)
        let plan = SandboxPlanner.plan(snapshot(blocker: blocker))
        #expect(kinds(plan.actions).isEmpty)
        #expect(plan.status.phase == .failed)
        #expect(plan.status.conditions?[type: "Valid"]?.reason == "InvalidSpec")
        #expect(plan.events == [PlannedEvent(.warning, "InvalidSpec", blocker.message)])
    }

    @Test("a missing Secret leaves a running Sandbox alone and reports Pending-style waiting")
    func waitingKeepsRunning() {
        let rendered = render(owner(), OpenShellSandboxSpec())
        let blocker = Blocker(reason: "SecretNotFound", message: "spec.providers[0].secretRef: Secret \"gh\" not found", invalidInput: false)
        let plan = SandboxPlanner.plan(snapshot(desired: rendered, blocker: blocker, live: live(rendered)))
        #expect(kinds(plan.actions).isEmpty)
        #expect(plan.status.conditions?[type: "UpToDate"]?.reason == "SecretNotFound")
        #expect(plan.status.conditions?[type: "Valid"]?.isTrue == true)
    }

    @Test("failure policy Leave: phase Failed with the exit code, counted once")
    func failureLeave() {
        let rendered = render(owner(), OpenShellSandboxSpec())
        let sandbox = live(rendered, ready: false, readyReason: "PodFailed", finished: "PodFailed")
        let first = SandboxPlanner.plan(snapshot(desired: rendered, live: sandbox, pod: failedPod()))
        #expect(first.status.phase == .failed)
        #expect(first.status.lastExitCode == 3)
        #expect(first.status.lastFailedPodUID == "pod-1")
        #expect(first.events.map(\.reason) == ["Failed"])
        #expect(kinds(first.actions).isEmpty)
        let second = SandboxPlanner.plan(snapshot(status: first.status, desired: rendered, live: sandbox, pod: failedPod()))
        #expect(second.events.isEmpty)
        #expect(second.status == first.status)
    }

    @Test("failure policy Restart: backoff, then a suspend/resume cycle, up to maxRestarts")
    func failureRestart() {
        let spec = OpenShellSandboxSpec(failurePolicy: FailurePolicy(action: "Restart", maxRestarts: 1))
        let rendered = render(owner(), spec)
        let sandbox = live(rendered, ready: false, readyReason: "PodFailed", finished: "PodFailed")
        let seen = SandboxPlanner.plan(snapshot(spec: spec, desired: rendered, live: sandbox, pod: failedPod()))
        #expect(seen.status.restartCount == 1)
        #expect(seen.status.conditions?[type: "Ready"]?.reason == "RestartPending")
        #expect(patchBody(seen) == nil)
        #expect(seen.requeueAfter == .seconds(5))  // 10 s backoff from the pod's end 5 s ago

        let due = SandboxPlanner.plan(snapshot(
            spec: spec, status: seen.status, desired: rendered, live: sandbox, pod: failedPod(), at: now.addingTimeInterval(6)))
        #expect(patchBody(due) == ["spec": ["operatingMode": "Suspended"]])
        #expect(due.events.map(\.reason) == ["Restarting"])

        // The restarted pod fails too: the limit is reached.
        let again = SandboxPlanner.plan(snapshot(
            spec: spec, status: due.status, desired: rendered, live: sandbox, pod: failedPod(uid: "pod-2", exitCode: 1),
            at: now.addingTimeInterval(60)))
        #expect(again.status.phase == .failed)
        #expect(again.status.restartCount == 1)
        #expect(again.status.lastExitCode == 1)
        #expect(patchBody(again) == nil)
    }

    @Test("a pod's end seen before its exit code: counted once, the exit code filled in when the pod reports it")
    func exitCodeArrivesLater() {
        let spec = OpenShellSandboxSpec(failurePolicy: FailurePolicy(action: "Restart", maxRestarts: 2))
        let rendered = render(owner(), spec)
        let sandbox = live(rendered, ready: false, readyReason: "PodFailed", finished: "PodFailed")
        var early = failedPod()
        early.json["status"]?["containerStatuses"] = nil
        let first = SandboxPlanner.plan(snapshot(spec: spec, desired: rendered, live: sandbox, pod: early))
        #expect(first.status.restartCount == 1)
        #expect(first.status.lastFailedPodUID == "pod-1")
        #expect(first.status.lastExitCode == nil)
        let second = SandboxPlanner.plan(snapshot(spec: spec, status: first.status, desired: rendered, live: sandbox, pod: failedPod()))
        #expect(second.status.restartCount == 1)
        #expect(second.status.lastExitCode == 3)
    }

    @Test("restart backoff doubles from 10 s and stops at 5 minutes")
    func backoff() {
        #expect([0, 1, 2, 5, 20].map(SandboxPlanner.restartBackoff(after:)) == [.seconds(10), .seconds(20), .seconds(40), .seconds(300), .seconds(300)])
    }

    @Test("deletion: foreground delete of our Sandbox, then the finalizer goes once it is gone")
    func deletion() {
        let deleting = owner(deleting: true)
        let rendered = render(deleting, OpenShellSandboxSpec())
        let first = SandboxPlanner.plan(snapshot(owner: deleting, desired: rendered, live: live(rendered)))
        #expect(kinds(first.actions) == ["delete Sandbox foreground"])
        #expect(first.status.phase == .deleting)
        #expect(first.events.map(\.reason) == ["Deleting"])
        let second = SandboxPlanner.plan(snapshot(owner: deleting, desired: rendered))
        #expect(kinds(second.actions) == ["removeFinalizer"])
        #expect(second.events.map(\.reason) == ["Deleted"])
    }

    @Test("deletion never deletes someone else's Sandbox")
    func deletionForeign() {
        let deleting = owner(deleting: true)
        var foreign = live(render(deleting, OpenShellSandboxSpec()))
        foreign.ownerReferences = []
        let plan = SandboxPlanner.plan(snapshot(owner: deleting, live: foreign))
        #expect(kinds(plan.actions) == ["removeFinalizer"])
    }
}

@Suite("Owned-field patches")
struct OwnedFieldsPatchTests {
    @Test("server defaults inside arrays are not a difference; a dropped top-level key is removed")
    func table() {
        let cases: [(String, JSONValue, JSONValue, JSONValue?)] = [
            ("equal", ["a": 1], ["a": 1], nil),
            ("default inside an array", ["ports": [["port": 80]]], ["ports": [["port": 80, "protocol": "TCP"]]], nil),
            ("dropped key", ["a": 1], ["a": 1, "b": 2], ["spec": ["b": .null]]),
            ("changed array", ["ports": [["port": 80]]], ["ports": [["port": 81]]], ["spec": ["ports": [["port": 80]]]]),
            ("longer array", ["args": ["x", "y"]], ["args": ["x"]], ["spec": ["args": ["x", "y"]]]),
            ("nested change", ["t": ["m": ["k": "v2"]]], ["t": ["m": ["k": "v1"]]], ["spec": ["t": ["m": ["k": "v2"]]]]),
        ]
        for (name, want, have, expected) in cases {
            let live = KubeObject(["metadata": ["name": "x"], "spec": have])
            let desired = KubeObject(["metadata": ["name": "x"], "spec": want])
            #expect(ownedFieldsPatch(live: live, desired: desired, fields: ["spec"]) == expected, "\(name)")
        }
    }

    @Test("labels and annotations others set are kept; only ours are patched")
    func metadata() {
        let live = KubeObject(["metadata": ["name": "x", "annotations": ["agents.x-k8s.io/pod-name": "x", "ours": "old"]]])
        let desired = KubeObject(["metadata": ["name": "x", "annotations": ["ours": "new"]]])
        #expect(ownedFieldsPatch(live: live, desired: desired, fields: []) == ["metadata": ["annotations": ["ours": "new"]]])
    }

    // MARK: Requested restarts (openshell.ai/restartedAt)

    @Test("a requested restart: the Sandbox is suspended and stamped in one patch, then resumed once the pod is gone, never again")
    func requestedRestartCycle() throws {
        let request = "2026-12-06T22:00:00Z"
        let asked = restartedAt(request, owner())
        let rendered = render(asked, OpenShellSandboxSpec())
        let ready = SandboxPlanner.plan(snapshot(owner: asked, status: OpenShellSandboxStatus(phase: .ready), desired: rendered, live: live(rendered)))
        #expect(patchBody(ready) == [
            "metadata": ["annotations": [OpenShellLabels.restartedAtAnnotation: .string(request)]],
            "spec": ["operatingMode": "Suspended"],
        ])
        #expect(ready.status.observedRestartedAt == request)
        #expect(ready.status.phase == .provisioning)
        #expect(ready.status.conditions?[type: "Ready"]?.reason == "RestartRequested")
        #expect(ready.events.map(\.reason) == ["Restarting"])
        #expect(ready.events.first?.note == "Restarting the sandbox as requested (openshell.ai/restartedAt: \(request)); the workspace is kept")

        // The Sandbox carries the stamp; its pod is still stopping: wait, no second Restarting.
        let stopping = restartedAt(request, live(rendered, mode: .suspended, ready: false))
        let waiting = SandboxPlanner.plan(snapshot(owner: asked, status: ready.status, desired: rendered, live: stopping))
        #expect(patchBody(waiting) == nil)
        #expect(waiting.events.isEmpty)
        #expect(waiting.status.conditions?[type: "Ready"]?.reason == "RestartRequested")

        // The pod is gone: start a new one.
        let stopped = restartedAt(request, live(rendered, mode: .suspended, ready: false, readyReason: "SandboxSuspended", suspended: true))
        let resumed = SandboxPlanner.plan(snapshot(owner: asked, status: waiting.status, desired: rendered, live: stopped))
        #expect(patchBody(resumed) == ["spec": ["operatingMode": "Running"]])
        #expect(resumed.events.map(\.reason) == ["Restarted"])
        #expect(resumed.events.first?.note == "Starting a new pod as requested (openshell.ai/restartedAt: \(request))")

        // Ready again: the same value asks for nothing more.
        let again = SandboxPlanner.plan(snapshot(owner: asked, status: resumed.status, desired: rendered, live: restartedAt(request, live(rendered))))
        #expect(again.actions.isEmpty)
        #expect(again.status.phase == .ready)
        #expect(again.events.map(\.reason) == ["Ready"])
        #expect(again.status.observedRestartedAt == request)
    }

    @Test("crash-safe: a Sandbox already stamped with the value is never suspended again, whatever the status says")
    func requestedRestartServedBeforeACrash() {
        let request = "2026-12-06T22:00:00Z"
        let asked = restartedAt(request, owner())
        let rendered = render(asked, OpenShellSandboxSpec())
        // The suspend was written, the status was not (a crash in between): the cycle just goes on.
        let stopped = restartedAt(request, live(rendered, mode: .suspended, ready: false, readyReason: "SandboxSuspended", suspended: true))
        let midCycle = SandboxPlanner.plan(snapshot(owner: asked, status: OpenShellSandboxStatus(phase: .ready), desired: rendered, live: stopped))
        #expect(patchBody(midCycle) == ["spec": ["operatingMode": "Running"]])
        #expect(!midCycle.events.map(\.reason).contains("Restarting"))
        #expect(midCycle.status.observedRestartedAt == request)
        // The whole cycle ran, its last status write was lost: nothing to do but record the value.
        let done = SandboxPlanner.plan(snapshot(owner: asked, status: OpenShellSandboxStatus(phase: .ready), desired: rendered, live: restartedAt(request, live(rendered))))
        #expect(done.actions.isEmpty)
        #expect(done.events.isEmpty)
        #expect(done.status.observedRestartedAt == request)
    }

    @Test("a restart requested after the pod ended starts a new one at once: no backoff, the failure policy's count unchanged")
    func requestedRestartOfAFailedSandbox() {
        let request = "2026-12-06T22:00:00Z"
        let spec = OpenShellSandboxSpec(failurePolicy: FailurePolicy(action: "Restart", maxRestarts: 1))
        let asked = restartedAt(request, owner())
        let rendered = render(asked, spec)
        let failed = OpenShellSandboxStatus(
            phase: .failed, restartCount: 1, lastExitCode: 3, lastFailedPodUID: "pod-1", lastFailureTime: KubeTime.format(now.addingTimeInterval(-5)))
        let sandbox = live(rendered, ready: false, readyReason: "PodFailed", finished: "PodFailed")
        let plan = SandboxPlanner.plan(snapshot(owner: asked, spec: spec, status: failed, desired: rendered, live: sandbox, pod: failedPod()))
        #expect(patchBody(plan)?[path: ["spec", "operatingMode"]] == "Suspended")
        #expect(plan.events.map(\.reason) == ["Restarting"])
        #expect(plan.status.restartCount == 1)
        #expect(plan.requeueAfter == nil)
    }

    @Test("no cycle where nothing runs: a new, suspended or expired sandbox records the value as met", arguments: ["new", "suspended", "expired"])
    func requestedRestartWithoutAPod(situation: String) {
        let request = "2026-12-06T22:00:00Z"
        let asked = restartedAt(request, owner())
        let spec = OpenShellSandboxSpec(suspended: situation == "suspended" ? true : nil)
        let expiresAt: Date? = situation == "expired" ? now.addingTimeInterval(-1) : nil
        let rendered = render(asked, spec, expiresAt: expiresAt)
        let running = situation == "new" ? nil : live(rendered, mode: situation == "suspended" ? .suspended : .running, ready: false, suspended: situation == "suspended")
        let plan = SandboxPlanner.plan(snapshot(owner: asked, spec: spec, desired: rendered, expiresAt: expiresAt, live: running))
        #expect(plan.status.observedRestartedAt == request)
        #expect(!plan.events.map(\.reason).contains("Restarting"), "\(plan.events)")
        #expect(patchBody(plan)?[path: ["spec", "operatingMode"]] == nil)
        if situation == "new" {
            guard case .create(let sandbox)? = plan.actions.last else { return #expect(Bool(false), "no create") }
            #expect(sandbox.annotations[OpenShellLabels.restartedAtAnnotation] == request)
        }
    }

    @Test("a value longer than the status field can hold restarts nothing and says why")
    func requestedRestartTooLong() {
        let asked = restartedAt(String(repeating: "x", count: 65), owner())
        let rendered = render(asked, OpenShellSandboxSpec())
        let plan = SandboxPlanner.plan(snapshot(owner: asked, desired: rendered, live: live(rendered)))
        #expect(patchBody(plan) == nil)
        #expect(plan.status.observedRestartedAt == nil)
        #expect(plan.events.map(\.reason) == ["InvalidRestartRequest", "Ready"])
    }
}

/// The basis of each Event (`PlannedEvent.Basis`), which decides whether it is recorded with the status
/// write (`StatusCommit`): an Event reporting a write is `.write`; a transition comes with a status that
/// differs from the copy's (so a plan from a stale copy has a status write to conflict) and is not
/// planned again from the copy that status was written to.
@Suite("SandboxPlanner: Event basis")
struct SandboxEventBasisTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var snapshot: SandboxSnapshot
        var writes: [String]
        var transitions: [String]
        var testDescription: String { name }
    }

    static var cases: [Case] {
        let rendered = render(owner(), OpenShellSandboxSpec())
        let suspendedSpec = OpenShellSandboxSpec(suspended: true)
        let renderedSuspended = render(owner(), suspendedSpec)
        var foreign = live(rendered)
        foreign.ownerReferences = [OwnerReference(apiVersion: "example.com/v1", kind: "Other", name: "x", uid: "other", controller: true)]
        let invalid = Blocker(reason: "InvalidSpec", message: "spec.gpus: Invalid value: 0: must be greater than 0", invalidInput: true)
        let old = render(owner(), OpenShellSandboxSpec(image: "example.com/agent:1"))
        let newSpec = OpenShellSandboxSpec(image: "example.com/agent:2")
        let new = render(owner(), newSpec)
        return [
            Case(name: "created", snapshot: snapshot(owner: owner(finalizer: false)), writes: ["Created"], transitions: []),
            Case(name: "ready", snapshot: snapshot(status: OpenShellSandboxStatus(phase: .provisioning), desired: rendered, live: live(rendered)),
                 writes: [], transitions: ["Ready"]),
            Case(name: "suspending", snapshot: snapshot(spec: suspendedSpec, desired: renderedSuspended, live: live(renderedSuspended)),
                 writes: ["Suspending"], transitions: []),
            Case(name: "rolling out", snapshot: snapshot(spec: newSpec, desired: new, live: live(old), configMap: ownedConfigMap(new)),
                 writes: ["RollingOut"], transitions: []),
            Case(name: "conflict", snapshot: snapshot(live: foreign), writes: [], transitions: ["Conflict"]),
            Case(name: "invalid spec", snapshot: snapshot(blocker: invalid), writes: [], transitions: ["InvalidSpec"]),
            Case(name: "failed", snapshot: snapshot(
                desired: rendered, live: live(rendered, ready: false, readyReason: "PodFailed", finished: "PodFailed"), pod: failedPod()),
                 writes: [], transitions: ["Failed"]),
            Case(name: "expired", snapshot: snapshot(
                status: OpenShellSandboxStatus(phase: .ready, sandbox: OwnedSandboxReference(name: "demo", uid: "sbx-uid-1")),
                expiresAt: now.addingTimeInterval(-1)), writes: [], transitions: ["Expired"]),
            Case(name: "deleting", snapshot: snapshot(owner: owner(deleting: true), desired: rendered, live: live(rendered)),
                 writes: ["Deleting"], transitions: []),
            Case(name: "deleted", snapshot: snapshot(owner: owner(deleting: true)), writes: ["Deleted"], transitions: []),
        ]
    }

    @Test(arguments: cases)
    func writesAreMarkedAndTransitionsComeWithTheirStatus(_ c: Case) {
        let plan = SandboxPlanner.plan(c.snapshot)
        #expect(plan.events.filter { $0.basis == .write }.map(\.reason) == c.writes)
        #expect(plan.events.filter { $0.basis == .transition }.map(\.reason) == c.transitions)
        if !c.transitions.isEmpty { #expect(plan.status != c.snapshot.status) }
        var next = c.snapshot
        next.status = plan.status
        #expect(SandboxPlanner.plan(next).events.filter { $0.basis == .transition }.isEmpty)
    }
}
