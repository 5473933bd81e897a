//! The default RBAC policy the server creates at start, like kube-apiserver's
//! `rbac/bootstrap-roles`: `cluster-admin` for `system:masters`; the
//! user-facing `admin`, `edit` and `view` roles aggregated by label from
//! `system:aggregate-to-*`; and for every authenticated user discovery, the
//! public health and version paths, and self reviews (`system:basic-user`).
//! The resource lists cover what this server serves plus the core kinds
//! clients commonly ask about.
import Foundation
import KubeCore

public enum RBACBootstrapPolicy {
    static let read = ["get", "list", "watch"]
    static let write = ["create", "delete", "deletecollection", "patch", "update"]

    /// The label that makes a ClusterRole part of the `admin`, `edit` or `view` aggregation.
    public static func aggregationLabel(_ role: String) -> String { "rbac.authorization.k8s.io/aggregate-to-\(role)" }

    /// The default ClusterRoles.
    public static var clusterRoles: [KubeObject] {
        [
            clusterRole("cluster-admin", rules: [
                PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"]),
                PolicyRule(verbs: ["*"], nonResourceURLs: ["*"]),
            ]),
            clusterRole("admin", aggregatesFrom: "admin"),
            clusterRole("edit", aggregatesFrom: "edit", labels: [aggregationLabel("admin"): "true"]),
            clusterRole("view", aggregatesFrom: "view", labels: [aggregationLabel("edit"): "true"]),
            clusterRole("system:aggregate-to-admin", labels: [aggregationLabel("admin"): "true"], rules: [
                PolicyRule(verbs: ["create"], apiGroups: ["authorization.k8s.io"], resources: ["localsubjectaccessreviews"]),
                PolicyRule(verbs: read + write, apiGroups: [rbacGroup], resources: ["rolebindings", "roles"]),
            ]),
            clusterRole("system:aggregate-to-edit", labels: [aggregationLabel("edit"): "true"], rules: [
                PolicyRule(verbs: read, apiGroups: [""], resources: ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"]),
                PolicyRule(verbs: ["impersonate"], apiGroups: [""], resources: ["serviceaccounts"]),
                PolicyRule(verbs: write, apiGroups: [""], resources: ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"]),
                PolicyRule(verbs: ["create"], apiGroups: [""], resources: ["pods/eviction", "serviceaccounts/token"]),
                PolicyRule(verbs: write, apiGroups: [""], resources: [
                    "configmaps", "events", "persistentvolumeclaims", "replicationcontrollers", "replicationcontrollers/scale",
                    "secrets", "serviceaccounts", "services", "services/proxy",
                ]),
                PolicyRule(verbs: write, apiGroups: ["apps"], resources: [
                    "daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets", "replicasets/scale",
                    "statefulsets", "statefulsets/scale",
                ]),
                PolicyRule(verbs: write, apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"]),
                PolicyRule(verbs: write, apiGroups: ["batch"], resources: ["cronjobs", "jobs"]),
                PolicyRule(verbs: write, apiGroups: ["networking.k8s.io"], resources: ["ingresses", "networkpolicies"]),
                PolicyRule(verbs: write, apiGroups: ["policy"], resources: ["poddisruptionbudgets"]),
            ]),
            clusterRole("system:aggregate-to-view", labels: [aggregationLabel("view"): "true"], rules: [
                PolicyRule(verbs: read, apiGroups: [""], resources: [
                    "configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods", "pods/log",
                    "pods/status", "replicationcontrollers", "replicationcontrollers/scale", "replicationcontrollers/status",
                    "serviceaccounts", "services", "services/status",
                ]),
                PolicyRule(verbs: read, apiGroups: [""], resources: [
                    "bindings", "events", "limitranges", "namespaces", "namespaces/status", "resourcequotas", "resourcequotas/status",
                ]),
                PolicyRule(verbs: read, apiGroups: ["apps"], resources: [
                    "controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status",
                    "replicasets", "replicasets/scale", "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status",
                ]),
                PolicyRule(verbs: read, apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
                PolicyRule(verbs: read, apiGroups: ["batch"], resources: ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
                PolicyRule(verbs: read, apiGroups: ["policy"], resources: ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
                PolicyRule(verbs: read, apiGroups: ["networking.k8s.io"], resources: ["ingresses", "ingresses/status", "networkpolicies"]),
                PolicyRule(verbs: read, apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"]),
            ]),
            clusterRole("system:basic-user", rules: [
                PolicyRule(verbs: ["create"], apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
                PolicyRule(verbs: ["create"], apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"]),
            ]),
            clusterRole("system:discovery", rules: [
                PolicyRule(verbs: ["get"], nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi",
                                                             "/openapi/*", "/readyz", "/version", "/version/"]),
            ]),
            clusterRole("system:public-info-viewer", rules: [
                PolicyRule(verbs: ["get"], nonResourceURLs: ["/healthz", "/livez", "/readyz", "/version", "/version/"]),
            ]),
            clusterRole("system:auth-delegator", rules: [
                PolicyRule(verbs: ["create"], apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"]),
                PolicyRule(verbs: ["create"], apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"]),
            ]),
        ]
    }

    /// The default ClusterRoleBindings.
    public static var clusterRoleBindings: [KubeObject] {
        [
            clusterRoleBinding("cluster-admin", groups: [RBACPolicy.superuserGroup]),
            clusterRoleBinding("system:basic-user", groups: ["system:authenticated"]),
            clusterRoleBinding("system:discovery", groups: ["system:authenticated"]),
            clusterRoleBinding("system:public-info-viewer", groups: ["system:authenticated", "system:unauthenticated"]),
        ]
    }

    /// Creates each default role and binding that does not exist yet (existing ones are left as they are).
    public static func install(into core: APIServerCore) async throws {
        let client = InProcessClient(core: core)
        for (gvr, objects) in [(GroupVersionResource.rbacClusterRoles, clusterRoles), (.rbacClusterRoleBindings, clusterRoleBindings)] {
            for object in objects where try await client.getIfPresent(gvr, name: object.name) == nil {
                do {
                    try await client.create(gvr, object)
                } catch let error as APIError where error.reason == .alreadyExists {
                    continue
                }
            }
        }
    }

    // MARK: Builders

    static func metadata(_ name: String, labels: [String: String]) -> JSONValue {
        var all = labels
        all["kubernetes.io/bootstrapping"] = "rbac-defaults"
        return [
            "name": .string(name),
            "labels": .object(all.mapValues(JSONValue.string)),
            "annotations": ["rbac.authorization.kubernetes.io/autoupdate": "true"],
        ]
    }

    static func clusterRole(_ name: String, aggregatesFrom aggregate: String? = nil, labels: [String: String] = [:],
                            rules: [PolicyRule] = []) -> KubeObject {
        var object = KubeObject(["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": metadata(name, labels: labels)])
        if let aggregate {
            object.json["aggregationRule"] = ["clusterRoleSelectors": [["matchLabels": .object([aggregationLabel(aggregate): "true"])]]]
        } else {
            object.json["rules"] = .array(rules.map(\.json))
        }
        return object
    }

    static func clusterRoleBinding(_ name: String, groups: [String]) -> KubeObject {
        KubeObject([
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": metadata(name, labels: [:]),
            "roleRef": ["apiGroup": .string(rbacGroup), "kind": "ClusterRole", "name": .string(name)],
            "subjects": .array(groups.map { ["apiGroup": .string(rbacGroup), "kind": "Group", "name": .string($0)] }),
        ])
    }
}
