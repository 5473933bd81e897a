//! Garbage collection: background, foreground and orphan propagation, owners
//! identified by UID, custom-resource owners, invalid cluster-scoped dependents.
import ClusterSimulators
import Foundation
import KubeCore
import LocalAPIServer
import Testing

@Suite("Garbage collector")
struct GarbageCollectorTests {
    @Test("background: a dependent whose only owner is deleted is collected")
    func background() async throws {
        try await TestCluster.with { cluster in
            let owner = try await cluster.client.create(.configMaps, configMap("owner"))
            try await cluster.client.create(.configMaps, configMap("dependent", owners: [owner]))
            try await cluster.client.delete(.configMaps, namespace: "test", name: "owner")
            try await cluster.waitGone(.configMaps, "dependent")
        }
    }

    @Test("background: a dependent with a remaining owner survives and loses the reference to the gone one")
    func remainingOwner() async throws {
        try await TestCluster.with { cluster in
            let gone = try await cluster.client.create(.configMaps, configMap("gone"))
            let kept = try await cluster.client.create(.configMaps, configMap("kept"))
            try await cluster.client.create(.configMaps, configMap("dependent", owners: [gone, kept]))
            try await cluster.client.delete(.configMaps, namespace: "test", name: "gone")
            let dependent = try await cluster.waitFor(.configMaps, "dependent", "only the kept owner referenced") {
                $0.ownerReferences.map(\.uid) == [kept.uid]
            }
            #expect(dependent.ownerReferences.first?.name == "kept")
        }
    }

    @Test("foreground: dependents are deleted first and the owner waits for blocking ones")
    func foreground() async throws {
        try await TestCluster.with { cluster in
            let owner = try await cluster.client.create(.configMaps, configMap("owner"))
            try await cluster.client.create(.configMaps, configMap("blocking", owners: [owner], block: true, finalizers: ["example.com/hold"]))
            try await cluster.client.create(.configMaps, configMap("free", owners: [owner], block: false))
            try await cluster.client.delete(.configMaps, namespace: "test", name: "owner", propagationPolicy: "Foreground")

            try await cluster.waitGone(.configMaps, "free")
            try await cluster.waitFor(.configMaps, "blocking", "being deleted") { $0.isBeingDeleted }
            let waiting = try #require(try await cluster.get(.configMaps, "owner"))
            #expect(waiting.isBeingDeleted)
            #expect(waiting.finalizers == ["foregroundDeletion"])

            try await cluster.client.patch(.configMaps, namespace: "test", name: "blocking", merge: ["metadata": ["finalizers": nil]])
            try await cluster.waitGone(.configMaps, "blocking")
            try await cluster.waitGone(.configMaps, "owner")
        }
    }

    @Test("orphan: dependents keep living without the reference to the deleted owner")
    func orphan() async throws {
        try await TestCluster.with { cluster in
            let owner = try await cluster.client.create(.configMaps, configMap("owner"))
            try await cluster.client.create(.configMaps, configMap("dependent", owners: [owner], block: true))
            try await cluster.client.delete(.configMaps, namespace: "test", name: "owner", propagationPolicy: "Orphan")
            try await cluster.waitGone(.configMaps, "owner")
            let dependent = try #require(try await cluster.get(.configMaps, "dependent"))
            #expect(dependent.ownerReferences.isEmpty)
            #expect(!dependent.isBeingDeleted)
        }
    }

    @Test("an owner recreated under the same name is another owner: dependents of the old UID are collected")
    func recreatedOwner() async throws {
        try await TestCluster.with { cluster in
            let first = try await cluster.client.create(.configMaps, configMap("owner"))
            try await cluster.client.create(.configMaps, configMap("old-dependent", owners: [first]))
            cluster.faults.pause(controller: SimulatedController.garbageCollector.rawValue)
            try await cluster.client.delete(.configMaps, namespace: "test", name: "owner")
            let second = try await cluster.client.create(.configMaps, configMap("owner"))
            #expect(second.uid != first.uid)
            try await cluster.client.create(.configMaps, configMap("new-dependent", owners: [second]))
            cluster.faults.resume(controller: SimulatedController.garbageCollector.rawValue)

            try await cluster.waitGone(.configMaps, "old-dependent")
            let survivor = try #require(try await cluster.get(.configMaps, "new-dependent"))
            #expect(survivor.ownerReferences.map(\.uid) == [second.uid])
        }
    }

    @Test("custom resources are owners like any other kind, and pods owned by them are stopped and removed")
    func customResourceOwner() async throws {
        try await TestCluster.with(crds: [widgetCRD]) { cluster in
            let widgets = GroupVersionResource(group: "example.com", version: "v1", resource: "widgets")
            let owner = try await cluster.client.create(widgets, object("example.com/v1", "Widget", "w"))
            try await cluster.client.create(.configMaps, configMap("dependent", owners: [owner]))
            var pod = object("v1", "Pod", "dependent-pod", ["spec": podSpec()])
            pod.ownerReferences = [OwnerReference(apiVersion: "example.com/v1", kind: "Widget", name: "w", uid: owner.uid)]
            try await cluster.client.create(.pods, pod)
            try await cluster.waitFor(.pods, "dependent-pod", "running") { $0.status?["phase"]?.stringValue == "Running" }

            try await cluster.client.delete(widgets, namespace: "test", name: "w")
            try await cluster.waitGone(.configMaps, "dependent")
            try await cluster.waitGone(.pods, "dependent-pod")
        }
    }

    @Test("a cluster-scoped dependent of a namespaced owner is never collected")
    func clusterScopedDependentOfNamespacedOwner() async throws {
        try await TestCluster.with { cluster in
            let owner = try await cluster.client.create(.configMaps, configMap("owner"))
            var role = object("rbac.authorization.k8s.io/v1", "ClusterRole", "invalid-dependent", namespace: nil)
            role.ownerReferences = [OwnerReference(apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.uid)]
            try await cluster.client.create(.clusterRoles, role)
            try await cluster.client.create(.configMaps, configMap("control", owners: [owner]))
            try await cluster.client.delete(.configMaps, namespace: "test", name: "owner")
            // The control dependent is collected in the same pass as the invalid one is looked at.
            try await cluster.waitGone(.configMaps, "control")
            let kept = try #require(try await cluster.client.getIfPresent(.clusterRoles, name: "invalid-dependent"))
            #expect(!kept.isBeingDeleted)
        }
    }
}

let widgetCRD = KubeObject([
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": ["name": "widgets.example.com"],
    "spec": [
        "group": "example.com", "scope": "Namespaced",
        "names": ["plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"],
        "versions": [[
            "name": "v1", "served": true, "storage": true,
            "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]],
        ]],
    ],
])
