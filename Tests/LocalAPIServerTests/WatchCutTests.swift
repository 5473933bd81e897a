//! The server's own controllers survive the store ending their watches (a
//! watcher that falls behind, or every watch cut at once): they watch again
//! from the current state, as real controllers relist.
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Testing
import TestSupport

@Suite("The server's controllers survive cut watches")
struct WatchCutTests {
    @Test("after every watch is cut, CRDs are still established and ClusterRoles still aggregated")
    func controllersWatchAgain() async throws {
        try await TestServer.with { t in
            t.server.core.store.endAllWatches()
            // The CRD controller watches again and serves a new CRD.
            try await t.installCRD(widgetCRD, resource: .widgets)
            _ = try await t.client.create(.widgets, namespace: "default", widget("after-cut"))

            // The ClusterRole aggregation controller watches again too.
            t.server.core.store.endAllWatches()
            let roles = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles")
            _ = try await t.client.create(roles, KubeObject([
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": ["name": "aggregate"],
                "aggregationRule": ["clusterRoleSelectors": [["matchLabels": ["cut-test": "true"]]]],
            ]))
            _ = try await t.client.create(roles, KubeObject([
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": ["name": "part", "labels": ["cut-test": "true"]],
                "rules": [["apiGroups": [""], "resources": ["pods"], "verbs": ["get"]]],
            ]))
            try await eventually {
                let aggregate = try await t.client.get(roles, name: "aggregate")
                return aggregate.json["rules"]?.arrayValue?.count == 1
            }
        }
    }
}
