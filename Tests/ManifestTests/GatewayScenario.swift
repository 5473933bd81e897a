//! The gateway scenario the least-privilege tests run, written so that
//! together its steps make every call the gateway reconciler can make: an
//! OpenShellGateway is installed and goes Available (children, PKI Secrets,
//! cluster-scoped RBAC), every child edited by hand is put back, a spec
//! change reissues the server certificate, moves the workload to a
//! Deployment and drops the sandbox ServiceAccount, the shared-workspace
//! Role and the NetworkPolicy, the workload goes back to a StatefulSet, and
//! the gateway is deleted (its finalizer removes the cluster-scoped RBAC).
import Foundation
import GatewayController
import KubeClient
import KubeCore
import OpenShellAPI

struct GatewayScenario: SteppedScenario {
    /// The admin client the scenario acts with.
    let client: RESTClient
    let namespace: String
    /// How long each step may take.
    var stepTimeout: Duration = .seconds(60)
    /// Checked between polls: true ends the scenario early (`ScenarioStop.stopped`).
    var stop: @Sendable () -> Bool = { false }

    static let name = "openshell"

    /// The child kinds a default gateway has, namespaced or not.
    static let namespacedKinds = ["StatefulSet", "Service", "ConfigMap", "ServiceAccount", "Role", "RoleBinding", "NetworkPolicy"]
    static let clusterKinds = ["ClusterRole", "ClusterRoleBinding"]

    func run() async throws {
        _ = try await client.create(OpenShellAPIGroup.gateways, namespace: namespace, KubeObject([
            "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellGateway",
            "metadata": ["name": .string(Self.name)], "spec": [:],
        ]))
        try await step("install → Available") {
            let gateway = try? await client.get(OpenShellAPIGroup.gateways, namespace: namespace, name: Self.name)
            return gateway?.conditions[type: "Available"]?.isTrue == true
        }

        // Every child edited by hand is put back: one patch per kind.
        let edited = "edited-by-hand"
        var children: [(GroupVersionResource, KubeObject)] = []
        for kind in Self.namespacedKinds + Self.clusterKinds {
            guard let resource = GatewayResources.byKind[kind] else { continue }
            for child in try await self.children(resource, clusterScoped: Self.clusterKinds.contains(kind)) {
                children.append((resource, child))
                _ = try await client.patch(
                    resource, namespace: child.namespace.isEmpty ? nil : child.namespace, name: child.name, type: .merge,
                    patch: ["metadata": ["annotations": [ChildDrift.appliedHashAnnotation: .string(edited)]]])
            }
        }
        let editedChildren = children
        try await step("hand edits of \(editedChildren.count) children → put back") {
            for (resource, child) in editedChildren {
                let now = try? await client.get(resource, namespace: child.namespace.isEmpty ? nil : child.namespace, name: child.name)
                if now?.annotations[ChildDrift.appliedHashAnnotation] == edited { return false }
            }
            return !editedChildren.isEmpty
        }

        // A spec change: a new DNS name reissues the server certificate (a Secret update), the
        // workload becomes a Deployment (the StatefulSet goes), and the sandbox ServiceAccount,
        // the shared-workspace Role and RoleBinding and the NetworkPolicy are no longer wanted.
        let serverTLS = try await client.get(GatewayResources.secrets, namespace: namespace, name: "openshell-server-tls")
        let accounts = try await self.children(GatewayResources.byKind["ServiceAccount"] ?? GatewayResources.serviceAccounts, clusterScoped: false).count
        _ = try await client.create(GatewayResources.secrets, namespace: namespace, KubeObject([
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "gateway-db"],
            "stringData": ["uri": "postgres://openshell:not-a-real-password@db.example.com/openshell"],
        ]))
        _ = try await client.patch(OpenShellAPIGroup.gateways, namespace: namespace, name: Self.name, type: .merge, patch: [
            "spec": [
                "tls": ["extraDNSNames": ["gateway.example.com"]],
                "workload": ["kind": "Deployment", "externalDatabaseSecretRef": ["name": "gateway-db"]],
                "sandboxes": ["workspaceMode": "Managed", "serviceAccount": ["create": false]],
                "networkPolicy": ["enabled": false],
            ],
        ])
        try await step("spec change → certificate reissued, Deployment instead of StatefulSet, unwanted children deleted") {
            let secret = try? await client.get(GatewayResources.secrets, namespace: namespace, name: "openshell-server-tls")
            guard let secret, secret.resourceVersion != serverTLS.resourceVersion else { return false }
            guard await exists(GatewayResources.deployments, Self.name), await !exists(GatewayResources.statefulSets, Self.name) else { return false }
            for kind in ["Role", "RoleBinding", "NetworkPolicy"] {
                guard let resource = GatewayResources.byKind[kind],
                      (try? await self.children(resource, clusterScoped: false))?.isEmpty == true else { return false }
            }
            let now = (try? await self.children(GatewayResources.serviceAccounts, clusterScoped: false))?.count ?? accounts
            return now < accounts
        }

        // The Deployment edited by hand is put back too.
        _ = try await client.patch(
            GatewayResources.deployments, namespace: namespace, name: Self.name, type: .merge,
            patch: ["metadata": ["annotations": [ChildDrift.appliedHashAnnotation: .string(edited)]]])
        try await step("hand edit of the Deployment → put back") {
            let deployment = try? await client.get(GatewayResources.deployments, namespace: namespace, name: Self.name)
            return deployment.map { $0.annotations[ChildDrift.appliedHashAnnotation] != edited } ?? false
        }

        // Back to a StatefulSet: the Deployment goes.
        _ = try await client.patch(
            OpenShellAPIGroup.gateways, namespace: namespace, name: Self.name, type: .merge, patch: ["spec": ["workload": ["kind": "StatefulSet"]]])
        try await step("back to a StatefulSet → the Deployment deleted") {
            let statefulSet = await exists(GatewayResources.statefulSets, Self.name)
            let deployment = await exists(GatewayResources.deployments, Self.name)
            return statefulSet && !deployment
        }

        let clusterRoles = try await self.children(GatewayResources.clusterRoles, clusterScoped: true).map(\.name)
        _ = try await client.delete(OpenShellAPIGroup.gateways, namespace: namespace, name: Self.name)
        try await step("delete → the gateway and its cluster-scoped RBAC gone") {
            guard await !exists(OpenShellAPIGroup.gateways, Self.name), !clusterRoles.isEmpty else { return false }
            for name in clusterRoles where await exists(GatewayResources.clusterRoles, name, clusterScoped: true) { return false }
            return (try? await self.children(GatewayResources.clusterRoleBindings, clusterScoped: true))?.isEmpty == true
        }
    }

    /// The gateway's children of `resource`, found by its owner label.
    private func children(_ resource: GroupVersionResource, clusterScoped: Bool) async throws -> [KubeObject] {
        let list = try await client.list(
            resource, namespace: clusterScoped ? nil : namespace,
            options: ListOptions(labelSelector: "\(GatewayLabels.gatewayName)=\(Self.name),\(GatewayLabels.gatewayNamespace)=\(namespace)"))
        return list.items
    }

    private func exists(_ resource: GroupVersionResource, _ name: String, clusterScoped: Bool = false) async -> Bool {
        (try? await client.get(resource, namespace: clusterScoped ? nil : namespace, name: name)) != nil
    }

}
