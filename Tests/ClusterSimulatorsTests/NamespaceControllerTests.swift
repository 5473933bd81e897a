//! Namespace finalization: content deleted, conditions reporting what remains,
//! the `kubernetes` finalizer released through `finalize`.
import ClusterSimulators
import Foundation
import KubeCore
import LocalAPIServer
import Testing

@Suite("Namespace controller")
struct NamespaceControllerTests {
    @Test("a deleted namespace is emptied, reports what holds it, and goes once the last finalizer is released")
    func deletion() async throws {
        try await TestCluster.with { cluster in
            try await cluster.client.create(.namespaces, object("v1", "Namespace", "doomed", namespace: nil))
            try await cluster.client.create(.configMaps, configMap("plain", namespace: "doomed"))
            try await cluster.client.create(.configMaps, configMap("held", namespace: "doomed", finalizers: ["example.com/hold"]))
            try await cluster.client.create(.pods, object("v1", "Pod", "worker", namespace: "doomed", ["spec": podSpec()]))
            try await cluster.waitFor(.pods, "worker", namespace: "doomed", "running") { $0.status?["phase"]?.stringValue == "Running" }

            try await cluster.client.delete(.namespaces, name: "doomed")
            try await cluster.waitGone(.configMaps, "plain", namespace: "doomed")
            try await cluster.waitGone(.pods, "worker", namespace: "doomed")
            let namespace = try await cluster.waitFor(.namespaces, "doomed", namespace: nil, "only the held object left") { ns in
                ns.conditions[type: "NamespaceContentRemaining"]?.message == "Some resources are remaining: configmaps. has 1 resource instances"
            }
            #expect(namespace.status?["phase"]?.stringValue == "Terminating")
            let finalizers = try #require(namespace.conditions[type: "NamespaceFinalizersRemaining"])
            #expect(finalizers.status == "True")
            #expect(finalizers.reason == "SomeFinalizersRemain")
            #expect(finalizers.message == "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances")
            #expect(namespace.conditions[type: "NamespaceDeletionContentFailure"]?.reason == "ContentDeleted")
            #expect(namespace.spec?["finalizers"] == ["kubernetes"])

            try await cluster.client.patch(.configMaps, namespace: "doomed", name: "held", merge: ["metadata": ["finalizers": nil]])
            try await cluster.waitGone(.namespaces, "doomed", namespace: nil)
        }
    }

    @Test("an empty namespace is removed right away")
    func empty() async throws {
        try await TestCluster.with { cluster in
            try await cluster.client.create(.namespaces, object("v1", "Namespace", "empty", namespace: nil))
            try await cluster.client.delete(.namespaces, name: "empty")
            try await cluster.waitGone(.namespaces, "empty", namespace: nil)
        }
    }
}
