//! GatewayPlanner's rules, table-driven where there are many cases: what is
//! (not) applied, the conditions, the Events and the finalizer.
import Foundation
import GatewayPKI
import KubeCore
import KubeRuntime
import OpenShellAPI
import Testing
@testable import GatewayController

private let now = Date(timeIntervalSince1970: 1_800_000_000)

/// A gateway as the API server returns it, with our finalizer unless told otherwise.
private func owner(_ spec: JSONObject = [:], finalizer: Bool = true, annotations: [String: String] = [:],
                   status: OpenShellGatewayStatus? = nil, deleting: Bool = false) -> KubeObject {
    var object = KubeObject([
        "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellGateway",
        "metadata": ["name": "openshell", "namespace": "ops", "uid": "gw-uid", "generation": 3],
        "spec": .object(spec),
    ])
    if finalizer { object.finalizers = [GatewayFinalizer.name] }
    object.annotations = annotations
    if let status { object.status = try? JSONValue(encoding: status) }
    if deleting { object.json["metadata"]?["deletionTimestamp"] = "2027-01-15T08:00:00Z" }
    return object
}

/// Valid PKI Secrets for the default spec, generated once.
private let secrets = GatewayFixtures.validPKISecrets(now: now)

private func snapshot(_ owner: KubeObject, children: [KubeObject] = [], secrets: ObservedGatewaySecrets = secrets,
                      agentSandboxProblem: String? = nil, at time: Date = now) -> GatewaySnapshot {
    GatewaySnapshot(owner: owner, children: children, secrets: secrets, agentSandboxProblem: agentSandboxProblem, now: time)
}

private func creates(_ plan: GatewayPlan) -> [KubeObject] {
    plan.actions.compactMap { if case .create(let object) = $0 { object } else { nil } }
}

private func patches(_ plan: GatewayPlan) -> [(KubeObject, JSONValue)] {
    plan.actions.compactMap { if case .patch(let live, let patch) = $0 { (live, patch) } else { nil } }
}

private func writesPKI(_ plan: GatewayPlan) -> Bool {
    plan.actions.contains { if case .writePKI = $0 { true } else { false } }
}

/// What the server holds after the planner created everything for `owner`: the children with a
/// workload whose rollout is `complete` (ready replicas `ready`).
private func installed(_ owner: KubeObject, complete: Bool = true, ready: Int = 1) -> [KubeObject] {
    creates(GatewayPlanner.plan(snapshot(owner))).map { object in
        var live = object
        live.json["metadata"]?["uid"] = .string("uid-\(object.kind)-\(object.name)")
        live.json["metadata"]?["generation"] = 1
        if object.kind == "StatefulSet" {
            live.status = [
                "observedGeneration": 1, "replicas": 1, "readyReplicas": .int(Int64(ready)),
                "updatedReplicas": complete ? 1 : 0, "currentRevision": "a", "updateRevision": complete ? "a" : "b",
            ]
        }
        return live
    }
}

private func reasons(_ plan: GatewayPlan) -> [String] { plan.events.map(\.reason) }

@Suite("GatewayPlanner")
struct GatewayPlannerTests {
    @Test("a new gateway gets the finalizer and its PKI Secrets first; nothing else is applied in that run")
    func pkiFirst() {
        let plan = GatewayPlanner.plan(snapshot(owner(finalizer: false), secrets: ObservedGatewaySecrets()))
        #expect(plan.actions.first == .addFinalizer)
        #expect(writesPKI(plan))
        #expect(creates(plan).isEmpty)
        #expect(reasons(plan).contains(PKIEventReason.certificatesCreated))
        #expect(plan.status.conditions?[type: GatewayConditionType.tlsReady]?.status == "False")
        #expect(plan.status.conditions?[type: GatewayConditionType.progressing] != nil)
    }

    @Test("with its Secrets in place, every child is created, stamped with its applied hash and owned")
    func createsChildren() {
        let plan = GatewayPlanner.plan(snapshot(owner()))
        let kinds = Set(creates(plan).map(\.kind))
        #expect(kinds == ["ServiceAccount", "ConfigMap", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service", "StatefulSet", "NetworkPolicy"])
        for object in creates(plan) {
            #expect(object.annotations[ChildDrift.appliedHashAnnotation] != nil)
            #expect(object.labels[GatewayLabels.gatewayName] == "openshell")
        }
        let set = creates(plan).first { $0.kind == "StatefulSet" }
        #expect(set?.controllerReference?.uid == "gw-uid")
        #expect(set?.spec?[path: ["template", "metadata", "annotations", GatewayLabels.configChecksum]] != nil)
        #expect(plan.status.endpoint == "https://openshell.ops.svc.cluster.local:8080")
        #expect(plan.status.conditions?[type: GatewayConditionType.tlsReady]?.isTrue == true)
        #expect(plan.status.conditions?[type: GatewayConditionType.progressing]?.reason == "Installing")
    }

    @Test("nothing is applied while blocked", arguments: [
        ("invalid spec", owner(["tls": ["extraIPAddresses": ["not-an-ip"]]]), nil as String?, "ConfigInvalid", "spec.tls.extraIPAddresses[0]"),
        ("downgrade", owner(["version": "0.0.100"], status: OpenShellGatewayStatus(runningVersion: "0.0.111")), nil, "DowngradeRefused", "spec.version"),
        ("Agent Sandbox missing", owner(), "Agent Sandbox is required", "AgentSandboxMissing", "Agent Sandbox"),
    ])
    func blocked(name: String, gateway: KubeObject, agentSandboxProblem: String?, reason: String, mention: String) {
        let plan = GatewayPlanner.plan(snapshot(gateway, agentSandboxProblem: agentSandboxProblem))
        #expect(plan.actions.isEmpty, "\(name)")
        let degraded = plan.status.conditions?[type: GatewayConditionType.degraded]
        #expect(degraded?.isTrue == true && degraded?.reason == reason, "\(name)")
        #expect(degraded?.message.contains(mention) == true, "\(name): \(degraded?.message ?? "")")
        #expect(plan.events.contains { $0.type == .warning && $0.reason == reason && $0.note.contains(mention) }, "\(name)")
        #expect(plan.status.conditions?[type: GatewayConditionType.progressing]?.isTrue == false, "\(name)")
    }

    @Test("a PKI Secret controlled by another gateway (the default names are shared) blocks everything: SecretConflict")
    func foreignSecret() throws {
        var taken = secrets
        var server = try #require(taken.server)
        server.ownerReferences = [OwnerReference(
            apiVersion: "openshell.ai/v1alpha1", kind: "OpenShellGateway", name: "other", uid: "other-uid", controller: true)]
        taken.server = server
        let plan = GatewayPlanner.plan(snapshot(owner(), secrets: taken))
        #expect(plan.actions.isEmpty)
        #expect(plan.status.conditions?[type: GatewayConditionType.degraded]?.reason == GatewayEventReason.secretConflict)
        #expect(plan.status.conditions?[type: GatewayConditionType.tlsReady]?.status == "False")
        #expect(plan.events.contains { $0.reason == GatewayEventReason.secretConflict && $0.note.contains("spec.tls.secretNames") })
    }

    @Test("a Warning Event for a blocked gateway is recorded once, not on every run")
    func blockedEventOnce() {
        let first = GatewayPlanner.plan(snapshot(owner(["tls": ["extraIPAddresses": ["nope"]]])))
        var again = owner(["tls": ["extraIPAddresses": ["nope"]]])
        again.status = try? JSONValue(encoding: first.status)
        #expect(GatewayPlanner.plan(snapshot(again)).events.isEmpty)
    }

    @Test("ConfigValid=False names the field")
    func configValidNamesField() {
        let plan = GatewayPlanner.plan(snapshot(owner(["tls": ["extraIPAddresses": ["not-an-ip"]]])))
        let valid = plan.status.conditions?[type: GatewayConditionType.configValid]
        #expect(valid?.status == "False")
        #expect(valid?.message.contains("spec.tls.extraIPAddresses[0]") == true)
    }

    @Test("with --namespace, a sandbox namespace outside the watched one is ConfigValid=False naming the field, and nothing is applied")
    func outsideWatchedNamespace() {
        var outside = snapshot(owner(["sandboxes": ["namespace": "sandboxes"]]))
        outside.watchNamespace = "ops"
        let plan = GatewayPlanner.plan(outside)
        #expect(plan.actions.isEmpty)
        let valid = plan.status.conditions?[type: GatewayConditionType.configValid]
        #expect(valid?.status == "False")
        #expect(valid?.message.contains("spec.sandboxes.namespace") == true, "\(valid?.message ?? "")")
        #expect(plan.events.contains { $0.type == .warning && $0.reason == "ConfigInvalid" && $0.note.contains("spec.sandboxes.namespace") })
        // The same spec for an operator watching every namespace is applied.
        outside.watchNamespace = nil
        #expect(!GatewayPlanner.plan(outside).actions.isEmpty)
    }

    @Test("a downgrade is applied when the allow annotation is set")
    func downgradeAllowed() {
        let gateway = owner(["version": "0.0.100"], annotations: [OpenShellLabels.allowDowngradeAnnotation: "true"],
                            status: OpenShellGatewayStatus(runningVersion: "0.0.111"))
        let plan = GatewayPlanner.plan(snapshot(gateway))
        #expect(!creates(plan).isEmpty)
        #expect(plan.status.conditions?[type: GatewayConditionType.configValid]?.isTrue == true)
    }

    @Test("installed and ready: no writes, Available, RolloutComplete, Installed Event, versions recorded")
    func steadyState() {
        let gateway = owner()
        let plan = GatewayPlanner.plan(snapshot(gateway, children: installed(gateway)))
        #expect(plan.actions.isEmpty)
        #expect(plan.status.conditions?[type: GatewayConditionType.available]?.isTrue == true)
        #expect(plan.status.conditions?[type: GatewayConditionType.rolloutComplete]?.isTrue == true)
        #expect(plan.status.conditions?[type: GatewayConditionType.degraded]?.isTrue == false)
        #expect(plan.status.runningVersion == PinnedRelease.openShell)
        #expect(plan.status.lastKnownGoodVersion == PinnedRelease.openShell)
        #expect(plan.status.readyReplicas == 1)
        #expect(reasons(plan) == [GatewayEventReason.installed])
        #expect(plan.status.conditions?.allSatisfy { $0.observedGeneration == 3 } == true)
    }

    @Test("server defaults are not drift; a hand edit is (DriftCorrected); a spec change is not")
    func drift() throws {
        let gateway = owner()
        var children = installed(gateway)
        let index = try #require(children.firstIndex { $0.kind == "Service" })
        // The server's additions.
        children[index].json["spec"]?["clusterIP"] = "10.96.0.10"
        children[index].json["spec"]?["sessionAffinity"] = "None"
        #expect(GatewayPlanner.plan(snapshot(gateway, children: children)).actions.isEmpty)

        var edited = children
        let map = try #require(edited.firstIndex { $0.kind == "ConfigMap" })
        edited[map].json["data"] = ["gateway.toml": "edited = true"]
        let plan = GatewayPlanner.plan(snapshot(gateway, children: edited))
        #expect(patches(plan).map { $0.0.kind } == ["ConfigMap"])
        #expect(patches(plan).first?.1["data"]?["gateway.toml"]?.stringValue?.contains("edited") == false)
        #expect(reasons(plan).contains(GatewayEventReason.driftCorrected))

        let changed = owner(["logLevel": "debug"])
        let changedPlan = GatewayPlanner.plan(snapshot(changed, children: installed(gateway)))
        #expect(Set(patches(changedPlan).map { $0.0.kind }) == ["ConfigMap", "StatefulSet"])
        #expect(!reasons(changedPlan).contains(GatewayEventReason.driftCorrected))
        #expect(changedPlan.status.conditions?[type: GatewayConditionType.progressing]?.isTrue == true)
    }

    @Test("a version change on a running gateway: UpgradeStarted, then UpgradeComplete with lastUpgrade")
    func upgrade() throws {
        let running = OpenShellGatewayStatus(runningVersion: "0.0.100", lastKnownGoodVersion: "0.0.100")
        let old = owner(["version": "0.0.100"])
        let gateway = owner(["version": "0.0.111"], status: running)
        let started = GatewayPlanner.plan(snapshot(gateway, children: installed(old)))
        #expect(reasons(started).contains(GatewayEventReason.upgradeStarted))
        #expect(started.status.conditions?[type: GatewayConditionType.progressing]?.reason == "Upgrading")

        let done = GatewayPlanner.plan(snapshot(gateway, children: installed(gateway)))
        #expect(reasons(done) == [GatewayEventReason.upgradeComplete])
        #expect(done.status.lastUpgrade?.from == "0.0.100")
        #expect(done.status.lastUpgrade?.to == "0.0.111")
        #expect(done.status.runningVersion == "0.0.111")
    }

    @Test("a rollout past its progress deadline is Degraded=RolloutStuck with a Warning Event; before it, a requeue at the deadline")
    func rolloutStuck() throws {
        let gateway = owner(["upgrade": ["progressDeadlineSeconds": 60]])
        var progressing = OpenShellGatewayStatus()
        progressing.conditions = [Condition(
            type: GatewayConditionType.progressing, status: "True", reason: "Installing", message: "",
            lastTransitionTime: KubeTime.format(now), observedGeneration: 3)]
        var waiting = gateway
        waiting.status = try JSONValue(encoding: progressing)
        let children = installed(gateway, complete: false, ready: 0)

        let early = GatewayPlanner.plan(snapshot(waiting, children: children, at: now.addingTimeInterval(30)))
        #expect(early.status.conditions?[type: GatewayConditionType.degraded]?.isTrue == false)
        #expect(early.requeueAfter.map { $0 <= .seconds(30) } == true)

        let late = GatewayPlanner.plan(snapshot(waiting, children: children, at: now.addingTimeInterval(61)))
        #expect(late.status.conditions?[type: GatewayConditionType.degraded]?.reason == GatewayEventReason.rolloutStuck)
        #expect(late.status.conditions?[type: GatewayConditionType.rolloutComplete]?.reason == GatewayEventReason.rolloutStuck)
        #expect(late.events.contains { $0.type == .warning && $0.reason == GatewayEventReason.rolloutStuck })
    }

    @Test("children no longer rendered are deleted; Secrets never are")
    func prune() throws {
        let gateway = owner()
        var children = installed(gateway)
        let policy = owner(["networkPolicy": ["enabled": false]])
        children.append(KubeObject([
            "apiVersion": "v1", "kind": "Secret",
            "metadata": ["name": "openshell-jwt-keys", "namespace": "ops", "uid": "s",
                         "labels": .object([GatewayLabels.gatewayName: "openshell", GatewayLabels.gatewayNamespace: "ops"])],
        ]))
        let plan = GatewayPlanner.plan(snapshot(policy, children: children))
        let deleted = plan.actions.compactMap { if case .delete(let object) = $0 { object.kind } else { nil } }
        #expect(deleted == ["NetworkPolicy"])
    }

    @Test("being deleted", arguments: [
        (true, [GatewayAction.Kind.delete, .delete]), (false, [GatewayAction.Kind.removeFinalizer]),
    ])
    func deletion(withClusterRBAC: Bool, expected: [GatewayAction.Kind]) {
        let gateway = owner(deleting: true)
        let children = installed(owner()).filter { withClusterRBAC ? true : !$0.kind.hasPrefix("Cluster") }
        let plan = GatewayPlanner.plan(snapshot(gateway, children: children))
        #expect(plan.actions.map(\.kind) == expected)
        // Only the children the garbage collector cannot reach.
        for case .delete(let object) in plan.actions { #expect(object.kind.hasPrefix("Cluster")) }
    }
}

extension GatewayAction {
    enum Kind: Sendable { case addFinalizer, removeFinalizer, writePKI, create, patch, delete }
    var kind: Kind {
        switch self {
        case .addFinalizer: .addFinalizer
        case .removeFinalizer: .removeFinalizer
        case .writePKI: .writePKI
        case .create: .create
        case .patch: .patch
        case .delete: .delete
        }
    }
}

/// The basis of each Event (`PlannedEvent.Basis`), which decides whether it is recorded with the status
/// write (`StatusCommit`): an Event reporting a write is `.write`; a transition comes with a status that
/// differs from the copy's (so a plan from a stale copy has a status write to conflict) and is not
/// planned again from the copy that status was written to.
@Suite("GatewayPlanner: Event basis")
struct GatewayEventBasisTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var snapshot: GatewaySnapshot
        var writes: [String]
        var transitions: [String]
        var testDescription: String { name }
    }

    static var cases: [Case] {
        let gateway = owner()
        var edited = installed(gateway)
        if let map = edited.firstIndex(where: { $0.kind == "ConfigMap" }) { edited[map].json["data"] = ["gateway.toml": "edited = true"] }
        let running = OpenShellGatewayStatus(runningVersion: "0.0.100", lastKnownGoodVersion: "0.0.100")
        return [
            Case(name: "PKI written", snapshot: snapshot(owner(finalizer: false), secrets: ObservedGatewaySecrets()),
                 writes: [PKIEventReason.certificatesCreated, PKIEventReason.signingKeyCreated, PKIEventReason.keyEncryptionKeyCreated],
                 transitions: []),
            Case(name: "installed", snapshot: snapshot(gateway, children: installed(gateway)), writes: [],
                 transitions: [GatewayEventReason.installed]),
            Case(name: "drift put back", snapshot: snapshot(gateway, children: edited), writes: [GatewayEventReason.driftCorrected],
                 transitions: [GatewayEventReason.installed]),
            Case(name: "upgrade started", snapshot: snapshot(owner(["version": "0.0.111"], status: running), children: installed(owner(["version": "0.0.100"]))),
                 writes: [GatewayEventReason.upgradeStarted], transitions: []),
            Case(name: "invalid spec", snapshot: snapshot(owner(["tls": ["extraIPAddresses": ["nope"]]])), writes: [],
                 transitions: [GatewayEventReason.configInvalid]),
            Case(name: "cluster-scoped children deleted", snapshot: snapshot(owner(deleting: true), children: installed(gateway)),
                 writes: [GatewayEventReason.cleanedUp], transitions: []),
        ]
    }

    @Test(arguments: cases)
    func writesAreMarkedAndTransitionsComeWithTheirStatus(_ c: Case) throws {
        let plan = GatewayPlanner.plan(c.snapshot)
        #expect(Set(plan.events.filter { $0.basis == .write }.map(\.reason)) == Set(c.writes))
        #expect(plan.events.filter { $0.basis == .transition }.map(\.reason) == c.transitions)
        let current = c.snapshot.owner.decodeStatus(OpenShellGatewayStatus.self) ?? OpenShellGatewayStatus()
        if !c.transitions.isEmpty { #expect(plan.status != current) }
        var next = c.snapshot
        next.owner.status = try JSONValue(encoding: plan.status)
        #expect(GatewayPlanner.plan(next).events.filter { $0.basis == .transition }.isEmpty)
    }
}
