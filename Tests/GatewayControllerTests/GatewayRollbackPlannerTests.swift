//! The planner's automatic rollback, branch by branch (when a stuck rollout
//! is rolled back and when not, the rollback in effect, completed, cleared by
//! a new generation, never repeated), the images a rollback runs, the
//! StatefulSet pods a rollout cannot get past, and the Kubernetes version
//! read from `/version`. Pure: snapshots in, plans out.
import Foundation
import GatewayPKI
import KubeCore
import KubeRuntime
import OpenShellAPI
import Testing
@testable import GatewayController

private let now = Date(timeIntervalSince1970: 1_800_000_000)
private let good = "0.0.110"
private let requested = "0.0.111"

private func owner(_ spec: JSONObject, status: OpenShellGatewayStatus? = nil, annotations: [String: String] = [:],
                   generation: Int64 = 3) -> KubeObject {
    var object = KubeObject([
        "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellGateway",
        "metadata": ["name": "openshell", "namespace": "ops", "uid": "gw-uid", "generation": .int(generation)],
        "spec": .object(spec),
    ])
    object.finalizers = [GatewayFinalizer.name]
    object.annotations = annotations
    if let status { object.status = try? JSONValue(encoding: status) }
    return object
}

/// Valid PKI Secrets for the default spec, generated once.
private let secrets = GatewayFixtures.validPKISecrets(now: now)

private func plan(_ owner: KubeObject, children: [KubeObject] = [], pods: [KubeObject] = [], agentSandboxProblem: String? = nil,
                  after seconds: TimeInterval = 0) -> GatewayPlan {
    GatewayPlanner.plan(GatewaySnapshot(
        owner: owner, children: children, secrets: secrets, agentSandboxProblem: agentSandboxProblem,
        now: now.addingTimeInterval(seconds), workloadPods: pods))
}

/// The children the planner creates for `owner`, as the server holds them, with the StatefulSet's rollout
/// `complete` (ready replicas `ready`) at revisions `current` → `update`.
private func children(of owner: KubeObject, complete: Bool, ready: Int) -> [KubeObject] {
    let rendered = plan(owner).actions.compactMap { if case .create(let object) = $0 { object } else { nil } }
    return rendered.map { object in
        var live = object
        live.json["metadata"]?["uid"] = .string("uid-\(object.kind)-\(object.name)")
        live.json["metadata"]?["generation"] = 1
        if object.kind == "StatefulSet" {
            live.status = [
                "observedGeneration": 1, "replicas": 1, "readyReplicas": .int(Int64(ready)),
                "updatedReplicas": complete ? 1 : 0, "currentRevision": "openshell-good",
                "updateRevision": complete ? "openshell-good" : "openshell-new",
            ]
        }
        return live
    }
}

private func progressing(_ status: String, _ reason: String) -> Condition {
    Condition(type: GatewayConditionType.progressing, status: status, reason: reason, message: "",
              lastTransitionTime: KubeTime.format(now), observedGeneration: 3)
}

private func statefulSet(_ plan: GatewayPlan) -> JSONValue? {
    plan.actions.compactMap { if case .patch(let live, let patch) = $0, live.kind == "StatefulSet" { patch } else { nil } }.first
}

private func image(_ patch: JSONValue?) -> String? {
    patch?[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["image"]?.stringValue
}

private func reasons(_ plan: GatewayPlan) -> [String] { plan.events.map(\.reason) }

/// One stuck-rollout case: the gateway's spec, its status versions, and whether a rollback is expected.
struct StuckCase: Sendable, CustomTestStringConvertible {
    var name: String
    var spec: JSONObject
    var running: String?
    var lastKnownGood: String?
    var annotations: [String: String] = [:]
    var agentSandboxProblem: String?
    var after: TimeInterval = 61
    /// The rollback's target, nil when none is expected.
    var rollsBackTo: String?
    /// Degraded's reason ("AsExpected" when not Degraded).
    var degraded: String
    var testDescription: String { name }
}

private let rollbackOn: JSONObject = ["progressDeadlineSeconds": 60, "automaticRollback": true]

private let stuckCases: [StuckCase] = [
    StuckCase(name: "enabled, stuck upgrade, an older good version → rolled back",
              spec: ["version": .string(requested), "upgrade": .object(rollbackOn)], running: good, lastKnownGood: good,
              rollsBackTo: good, degraded: "RolledBack"),
    StuckCase(name: "enabled, stuck downgrade (allowed) → back to the newer good version that ran",
              spec: ["version": "0.0.100", "upgrade": .object(rollbackOn)], running: good, lastKnownGood: good,
              annotations: [OpenShellLabels.allowDowngradeAnnotation: "true"], rollsBackTo: good, degraded: "RolledBack"),
    StuckCase(name: "disabled → stays RolloutStuck",
              spec: ["version": .string(requested), "upgrade": ["progressDeadlineSeconds": 60, "automaticRollback": false]],
              running: good, lastKnownGood: good, degraded: "RolloutStuck"),
    StuckCase(name: "unset (default off) → stays RolloutStuck",
              spec: ["version": .string(requested), "upgrade": ["progressDeadlineSeconds": 60]], running: good, lastKnownGood: good,
              degraded: "RolloutStuck"),
    StuckCase(name: "first install: no known good version → stays RolloutStuck",
              spec: ["version": .string(requested), "upgrade": .object(rollbackOn)], running: nil, lastKnownGood: nil,
              degraded: "RolloutStuck"),
    StuckCase(name: "same version (an image override or config change) → stays RolloutStuck",
              spec: ["version": .string(good), "images": ["gateway": "example.com/dev/gateway:broken"], "upgrade": .object(rollbackOn)],
              running: good, lastKnownGood: good, degraded: "RolloutStuck"),
    StuckCase(name: "the good version is not the running one → stays RolloutStuck",
              spec: ["version": .string(requested), "upgrade": .object(rollbackOn)], running: "0.0.105", lastKnownGood: good,
              degraded: "RolloutStuck"),
    StuckCase(name: "before the deadline → nothing yet",
              spec: ["version": .string(requested), "upgrade": .object(rollbackOn)], running: good, lastKnownGood: good, after: 30,
              degraded: "AsExpected"),
    StuckCase(name: "blocked (Agent Sandbox missing) → no rollback",
              spec: ["version": .string(requested), "upgrade": .object(rollbackOn)], running: good, lastKnownGood: good,
              agentSandboxProblem: "Agent Sandbox is required", degraded: "AgentSandboxMissing"),
]

@Suite("GatewayPlanner: automatic rollback")
struct GatewayRollbackPlannerTests {
    @Test("a stuck rollout is rolled back only with automaticRollback, to a different, running, last known good version",
          arguments: stuckCases)
    func decision(_ c: StuckCase) throws {
        var status = OpenShellGatewayStatus(runningVersion: c.running, lastKnownGoodVersion: c.lastKnownGood)
        status.conditions = [progressing("True", c.running == nil ? "Installing" : "Upgrading")]
        let gateway = owner(c.spec, status: status, annotations: c.annotations)
        let live = children(of: owner(c.spec, annotations: c.annotations), complete: false, ready: 0)
        let result = plan(gateway, children: live, agentSandboxProblem: c.agentSandboxProblem, after: c.after)

        let degraded = result.status.conditions?[type: GatewayConditionType.degraded]
        #expect(degraded?.reason == c.degraded, "\(degraded?.message ?? "")")
        let warned = result.events.filter { $0.reason == GatewayEventReason.rolledBack }
        if let target = c.rollsBackTo {
            let from = GatewayDefaults.version(try JSONValue.object(c.spec).decode(OpenShellGatewaySpec.self))
            #expect(result.status.rollback == GatewayRollbackRecord(from: from, to: target, time: KubeTime.format(now.addingTimeInterval(c.after)), generation: 3))
            #expect(degraded?.message.contains(from) == true && degraded?.message.contains(target) == true, "\(degraded?.message ?? "")")
            #expect(warned.count == 1 && warned.first?.type == .warning)
            #expect(warned.first.map { $0.note.contains(from) && $0.note.contains(target) } == true)
            #expect(result.requeueAfter.map { $0 <= .seconds(1) } == true)
        } else {
            #expect(result.status.rollback == nil)
            #expect(warned.isEmpty)
        }
    }

    @Test("in effect: the workload is patched to the good version's images, no UpgradeStarted, Progressing=RollingBack, Degraded=RolledBack")
    func inEffect() throws {
        let spec: JSONObject = ["version": .string(requested), "upgrade": .object(rollbackOn)]
        var status = OpenShellGatewayStatus(runningVersion: good, lastKnownGoodVersion: good,
                                            rollback: GatewayRollbackRecord(from: requested, to: good, time: KubeTime.format(now), generation: 3))
        status.conditions = [progressing("False", GatewayEventReason.rolloutStuck)]
        let live = children(of: owner(spec), complete: false, ready: 0)
        let result = plan(owner(spec, status: status), children: live, after: 62)

        let patch = try #require(statefulSet(result))
        #expect(image(patch) == "ghcr.io/nvidia/openshell/gateway:\(good)")
        #expect(patch[path: ["metadata", "labels", "app.kubernetes.io/version"]]?.stringValue == good)
        let config = result.actions.compactMap { if case .patch(let live, let patch) = $0, live.kind == "ConfigMap" { patch } else { nil } }.first
        #expect(config?[path: ["data", "gateway.toml"]]?.stringValue?.contains("supervisor:\(good)") == true)
        #expect(!reasons(result).contains(GatewayEventReason.upgradeStarted))
        #expect(!reasons(result).contains(GatewayEventReason.rolledBack))
        #expect(result.status.conditions?[type: GatewayConditionType.progressing]?.reason == "RollingBack")
        #expect(result.status.conditions?[type: GatewayConditionType.degraded]?.reason == GatewayEventReason.rolledBack)
        #expect(result.status.rollback?.to == good)
    }

    @Test("completed: Available on the good version, Progressing=False/RolledBack, still Degraded=RolledBack, one RollbackComplete Event")
    func completed() throws {
        let spec: JSONObject = ["version": .string(requested), "upgrade": .object(rollbackOn)]
        var status = OpenShellGatewayStatus(runningVersion: good, lastKnownGoodVersion: good,
                                            rollback: GatewayRollbackRecord(from: requested, to: good, time: KubeTime.format(now), generation: 3))
        status.conditions = [progressing("True", "RollingBack")]
        let gateway = owner(spec, status: status)
        let live = children(of: gateway, complete: true, ready: 1)  // rendered while the rollback is in effect
        let result = plan(gateway, children: live, after: 20)

        #expect(result.actions.isEmpty)
        #expect(reasons(result) == [GatewayEventReason.rollbackComplete])
        #expect(result.status.runningVersion == good)
        #expect(result.status.lastUpgrade == nil)
        let conditions = try #require(result.status.conditions)
        #expect(conditions[type: GatewayConditionType.available]?.isTrue == true)
        #expect(conditions[type: GatewayConditionType.rolloutComplete]?.isTrue == true)
        #expect(conditions[type: GatewayConditionType.progressing]?.status == "False")
        #expect(conditions[type: GatewayConditionType.progressing]?.reason == GatewayEventReason.rolledBack)
        let degraded = conditions[type: GatewayConditionType.degraded]
        #expect(degraded?.isTrue == true && degraded?.reason == GatewayEventReason.rolledBack)
        #expect(degraded?.message.contains("\(good) runs again") == true, "\(degraded?.message ?? "")")

        // The next run, Progressing already RolledBack: no second Event.
        var settled = gateway
        settled.status = try JSONValue(encoding: result.status)
        #expect(plan(settled, children: live, after: 30).events.isEmpty)
    }

    @Test("a new spec generation clears the record and rolls the requested version out again")
    func newGenerationClears() throws {
        let spec: JSONObject = ["version": .string(requested), "upgrade": .object(rollbackOn), "logLevel": "debug"]
        var status = OpenShellGatewayStatus(runningVersion: good, lastKnownGoodVersion: good,
                                            rollback: GatewayRollbackRecord(from: requested, to: good, time: KubeTime.format(now), generation: 3))
        status.conditions = [progressing("False", GatewayEventReason.rolledBack)]
        let rolledBack = children(of: owner(spec, status: status), complete: true, ready: 1)
        let result = plan(owner(spec, status: status, generation: 4), children: rolledBack, after: 100)

        #expect(result.status.rollback == nil)
        #expect(image(statefulSet(result)) == "ghcr.io/nvidia/openshell/gateway:\(requested)")
        #expect(reasons(result).contains(GatewayEventReason.upgradeStarted))
        #expect(result.status.conditions?[type: GatewayConditionType.degraded]?.isTrue == false)
        #expect(result.status.conditions?[type: GatewayConditionType.progressing]?.reason == "Upgrading")
    }

    @Test("a rollback that gets stuck too is reported, never rolled back again")
    func neverTwice() throws {
        let spec: JSONObject = ["version": .string(requested), "upgrade": .object(rollbackOn)]
        let record = GatewayRollbackRecord(from: requested, to: good, time: KubeTime.format(now), generation: 3)
        var status = OpenShellGatewayStatus(runningVersion: good, lastKnownGoodVersion: good, rollback: record)
        status.conditions = [progressing("True", "RollingBack")]
        let gateway = owner(spec, status: status)
        let result = plan(gateway, children: children(of: gateway, complete: false, ready: 0), after: 61)

        #expect(result.status.rollback == record)
        #expect(!reasons(result).contains(GatewayEventReason.rolledBack))
        #expect(reasons(result).filter { $0 == GatewayEventReason.rolloutStuck }.count == 1)
        let degraded = result.status.conditions?[type: GatewayConditionType.degraded]
        #expect(degraded?.reason == GatewayEventReason.rolledBack)
        #expect(degraded?.message.contains("has not completed within the deadline either") == true, "\(degraded?.message ?? "")")
        #expect(result.status.conditions?[type: GatewayConditionType.rolloutComplete]?.reason == GatewayEventReason.rolloutStuck)
    }

    @Test("a stuck rollout's Warning Event is recorded once, whatever Degraded's reason")
    func stuckEventOnce() throws {
        let spec: JSONObject = ["version": .string(requested), "upgrade": ["progressDeadlineSeconds": 60]]
        var status = OpenShellGatewayStatus(runningVersion: good, lastKnownGoodVersion: good)
        status.conditions = [progressing("True", "Upgrading")]
        let live = children(of: owner(spec), complete: false, ready: 0)
        let first = plan(owner(spec, status: status), children: live, after: 61)
        #expect(reasons(first) == [GatewayEventReason.rolloutStuck])
        #expect(plan(owner(spec, status: first.status), children: live, after: 70).events.isEmpty)
    }

    @Test("the images of a rollback: the release pair of the good version from images.repository; whole-reference overrides are dropped",
          arguments: [
              (OpenShellGatewaySpec(version: requested), "ghcr.io/nvidia/openshell/gateway:0.0.110", "ghcr.io/nvidia/openshell/supervisor:0.0.110", "IfNotPresent"),
              (OpenShellGatewaySpec(images: GatewayImages(gateway: "dev.example.com/gateway:pr-7", supervisor: "dev.example.com/supervisor:pr-7")),
               "ghcr.io/nvidia/openshell/gateway:0.0.110", "ghcr.io/nvidia/openshell/supervisor:0.0.110", "IfNotPresent"),
              (OpenShellGatewaySpec(version: requested, images: GatewayImages(repository: "mirror.example.com/openshell", gateway: "x/gateway:1", pullPolicy: "Always")),
               "mirror.example.com/openshell/gateway:0.0.110", "mirror.example.com/openshell/supervisor:0.0.110", "Always"),
          ])
    func rollbackImages(spec: OpenShellGatewaySpec, gateway: String, supervisor: String, pullPolicy: String) {
        let images = GatewayImageSet.rollback(spec, to: good)
        #expect(images.version == good)
        #expect(images.gateway == gateway)
        #expect(images.supervisorOverride == supervisor)
        #expect(images.pullPolicy == pullPolicy)
    }
}

// MARK: - Stalled StatefulSet pods

private func set(observed: Int64 = 2, current: String = "rev-good", update: String = "rev-good") -> KubeObject {
    KubeObject([
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": ["name": "openshell", "namespace": "ops", "uid": "set-uid", "generation": 2],
        "spec": ["replicas": 1, "selector": ["matchLabels": ["app.kubernetes.io/name": "openshell", "app.kubernetes.io/instance": "openshell"]]],
        "status": ["observedGeneration": .int(observed), "currentRevision": .string(current), "updateRevision": .string(update)],
    ])
}

private func pod(_ revision: String, ready: Bool = false, owner: String = "set-uid", deleting: Bool = false) -> KubeObject {
    var object = KubeObject([
        "apiVersion": "v1", "kind": "Pod",
        "metadata": ["name": "openshell-0", "namespace": "ops", "uid": .string("pod-\(revision)"),
                     "labels": .object([StalledPods.revisionLabel: .string(revision)])],
        "status": ["phase": "Running", "conditions": [["type": "Ready", "status": .string(ready ? "True" : "False")]]],
    ])
    object.ownerReferences = [OwnerReference(apiVersion: "apps/v1", kind: "StatefulSet", name: "openshell", uid: owner, controller: true)]
    if deleting { object.json["metadata"]?["deletionTimestamp"] = "2027-01-15T08:00:00Z" }
    return object
}

@Suite("StalledPods")
struct StalledPodsTests {
    @Test("a pod is deleted only when not Ready, of neither the current nor the update revision, once the set's generation is observed",
          arguments: [
              ("a broken revision after the template went back", set(), pod("rev-broken"), true),
              ("a broken revision while a fixed template rolls out", set(update: "rev-fixed"), pod("rev-broken"), true),
              ("the update revision, starting", set(update: "rev-new"), pod("rev-new"), false),
              ("the current revision, not Ready", set(update: "rev-new"), pod("rev-good"), false),
              ("another revision but Ready", set(), pod("rev-other", ready: true), false),
              ("already being deleted", set(), pod("rev-broken", deleting: true), false),
              ("controlled by another set", set(), pod("rev-broken", owner: "other"), false),
              ("the set's generation not observed yet", set(observed: 1), pod("rev-broken"), false),
          ])
    func selection(name: String, statefulSet: KubeObject, pod: KubeObject, deleted: Bool) {
        #expect(StalledPods.select(statefulSet: statefulSet, pods: [pod]).map(\.uid) == (deleted ? [pod.uid] : []), "\(name)")
    }

    @Test("the pods are read only while a StatefulSet's rollout is incomplete, by its selector")
    func worthChecking() {
        #expect(StalledPods.selector(of: set()) == "app.kubernetes.io/instance=openshell,app.kubernetes.io/name=openshell")
        var complete = set()
        complete.status = ["observedGeneration": 2, "replicas": 1, "readyReplicas": 1, "updatedReplicas": 1,
                           "currentRevision": "a", "updateRevision": "a"]
        #expect(!StalledPods.worthChecking(complete))
        #expect(StalledPods.worthChecking(set(update: "b")))
        var deployment = set(update: "b")
        deployment.json["kind"] = "Deployment"
        #expect(!StalledPods.worthChecking(deployment))
    }

    @Test("the planner deletes a stalled pod of its StatefulSet (UID precondition) with a StalledPodDeleted Event")
    func plannerDeletes() throws {
        let spec: JSONObject = ["version": .string(good)]
        var status = OpenShellGatewayStatus(runningVersion: good, lastKnownGoodVersion: good)
        status.conditions = [progressing("True", "RollingOut")]
        let gateway = owner(spec, status: status)
        var live = children(of: gateway, complete: false, ready: 0)
        let index = try #require(live.firstIndex { $0.kind == "StatefulSet" })
        live[index].status?["updateRevision"] = "openshell-good"  // the template went back to the good revision
        live[index].status?["currentRevision"] = "openshell-good"
        var stalled = pod("openshell-broken", owner: live[index].uid)
        stalled.json["metadata"]?["namespace"] = "ops"
        let result = plan(gateway, children: live, pods: [stalled, pod("openshell-good", owner: live[index].uid)], after: 5)
        let deleted = result.actions.compactMap { if case .delete(let object) = $0 { object } else { nil } }
        #expect(deleted.map(\.uid) == [stalled.uid])
        #expect(result.events.contains { $0.reason == GatewayEventReason.stalledPodDeleted && $0.note.contains("openshell-broken") })
    }
}

@Suite("ClusterVersion")
struct ClusterVersionTests {
    @Test("the minor version of a /version document", arguments: [
        (["major": "1", "minor": "35", "gitVersion": "v1.35.0"], 35 as Int?),
        (["major": "1", "minor": "33+", "gitVersion": "v1.33.4-eks-1"], 33),
        (["major": "1", "minor": ""], nil),
        (["major": "2", "minor": "0"], nil),
        (["gitVersion": "v1.35.0"], nil),
    ] as [([String: String], Int?)])
    func parse(document: [String: String], minor: Int?) {
        let json = JSONValue.object(document.mapValues(JSONValue.string))
        #expect(ClusterVersion.facts(fromVersionDocument: json).kubernetesMinorVersion == minor)
    }
}
