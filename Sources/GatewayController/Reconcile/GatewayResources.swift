//! The resources the gateway reconciler reads and writes, and how a child
//! maps back to its OpenShellGateway (by ownerReference, or by the owner
//! labels for children that cannot carry one).
import KubeCore
import OpenShellAPI

public enum GatewayResources {
    public static let statefulSets = GroupVersionResource(group: "apps", version: "v1", resource: "statefulsets")
    public static let deployments = GroupVersionResource(group: "apps", version: "v1", resource: "deployments")
    public static let services = GroupVersionResource(group: "", version: "v1", resource: "services")
    public static let configMaps = GroupVersionResource(group: "", version: "v1", resource: "configmaps")
    public static let secrets = GroupVersionResource(group: "", version: "v1", resource: "secrets")
    public static let serviceAccounts = GroupVersionResource(group: "", version: "v1", resource: "serviceaccounts")
    public static let roles = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "roles")
    public static let roleBindings = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings")
    public static let clusterRoles = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles")
    public static let clusterRoleBindings = GroupVersionResource(
        group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings")
    public static let networkPolicies = GroupVersionResource(group: "networking.k8s.io", version: "v1", resource: "networkpolicies")
    public static let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")
    public static let customResourceDefinitions = GroupVersionResource(
        group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions")

    /// The built-in kinds the reconciler applies, with their resources (the optional kinds are in `OptionalAPI`).
    public static let byKind: [String: GroupVersionResource] = [
        "StatefulSet": statefulSets, "Deployment": deployments, "Service": services, "ConfigMap": configMaps,
        "ServiceAccount": serviceAccounts, "Role": roles, "RoleBinding": roleBindings, "ClusterRole": clusterRoles,
        "ClusterRoleBinding": clusterRoleBindings, "NetworkPolicy": networkPolicies, "Secret": secrets,
        // Never applied: only a StatefulSet's stalled pods are deleted (`StalledPods`).
        "Pod": pods,
    ]

    public static func of(_ object: KubeObject) -> GroupVersionResource? {
        byKind[object.kind] ?? OptionalAPI(kind: object.kind)?.resource
    }

    /// Members that cannot change once created: kept as they are live.
    static func immutablePaths(kind: String) -> Set<String> {
        switch kind {
        case "StatefulSet": ["spec.volumeClaimTemplates", "spec.selector", "spec.serviceName", "spec.podManagementPolicy"]
        case "Deployment": ["spec.selector"]
        case "RoleBinding", "ClusterRoleBinding": ["roleRef"]
        default: []
        }
    }

    /// The gateway a child names in its owner labels.
    public static func ownerKey(ofChild object: KubeObject) -> ObjectKey? {
        guard let name = object.labels[GatewayLabels.gatewayName], let namespace = object.labels[GatewayLabels.gatewayNamespace] else {
            return nil
        }
        return ObjectKey(namespace: namespace, name: name)
    }
}

/// Identifies a child across kinds.
public struct ChildKey: Sendable, Hashable, CustomStringConvertible {
    public var kind: String
    public var namespace: String
    public var name: String

    public init(_ object: KubeObject) {
        kind = object.kind
        namespace = object.namespace
        name = object.name
    }

    public var description: String { namespace.isEmpty ? "\(kind) \(name)" : "\(kind) \(namespace)/\(name)" }
}
