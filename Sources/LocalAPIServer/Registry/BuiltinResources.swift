//! The built-in resources the local API server serves, with their names,
//! scopes, subresources, selectable fields and `kubectl get` columns.
import Foundation
import KubeCore

extension ResourceType {
    /// A built-in resource served at one version.
    static func builtin(
        group: String, version: String, resource: String, kind: String, namespaced: Bool = true,
        shortNames: [String] = [], categories: [String] = [], hasStatus: Bool = false,
        tracksGeneration: Bool = false, verbs: [String] = standardVerbs,
        fieldLabels: @escaping @Sendable (KubeObject) -> [String: String] = { _ in [:] },
        table: [TableColumn]? = nil, deleteReturnsObject: Bool = false
    ) -> ResourceType {
        ResourceType(
            group: group, resource: resource, kind: kind, listKind: kind + "List",
            singular: kind.lowercased(), namespaced: namespaced, shortNames: shortNames,
            categories: categories, verbs: verbs,
            versions: [ResourceVersionInfo(
                name: version, served: true, storage: true, deprecated: false, deprecationWarning: nil,
                schema: nil, rawSchema: nil, printerColumns: [], hasStatus: hasStatus, scale: nil)],
            tracksGeneration: tracksGeneration, fieldLabels: fieldLabels, isCustom: false,
            storageResource: GroupResource(group: group, resource: resource),
            fromStorage: { object, _ in object }, toStorage: { $0 },
            table: table, deleteReturnsObject: deleteReturnsObject)
    }

    /// Every built-in resource, in discovery order.
    public static let builtins: [ResourceType] = [
        // core/v1
        .builtin(group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false,
                 shortNames: ["ns"], hasStatus: true,
                 fieldLabels: { ["status.phase": $0.status?["phase"]?.stringValue ?? ""] },
                 table: [Columns.text("Status", path: ["status", "phase"]), Columns.age]),
        .builtin(group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", shortNames: ["cm"],
                 table: [Columns.count("Data", of: ["data"], plus: ["binaryData"]), Columns.age]),
        .builtin(group: "", version: "v1", resource: "secrets", kind: "Secret",
                 fieldLabels: { ["type": $0.json["type"]?.stringValue ?? ""] },
                 table: [Columns.text("Type", path: ["type"]), Columns.count("Data", of: ["data"], plus: []), Columns.age]),
        .builtin(group: "", version: "v1", resource: "services", kind: "Service", shortNames: ["svc"],
                 categories: ["all"], hasStatus: true, table: Columns.service),
        .builtin(group: "", version: "v1", resource: "endpoints", kind: "Endpoints", shortNames: ["ep"]),
        .builtin(group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount", shortNames: ["sa"],
                 table: [Columns.age]),
        .builtin(group: "", version: "v1", resource: "pods", kind: "Pod", shortNames: ["po"],
                 categories: ["all"], hasStatus: true,
                 fieldLabels: { pod in
                     [
                         "spec.nodeName": pod.spec?["nodeName"]?.stringValue ?? "",
                         "spec.restartPolicy": pod.spec?["restartPolicy"]?.stringValue ?? "",
                         "spec.schedulerName": pod.spec?["schedulerName"]?.stringValue ?? "",
                         "spec.serviceAccountName": pod.spec?["serviceAccountName"]?.stringValue ?? "",
                         "status.phase": pod.status?["phase"]?.stringValue ?? "",
                         "status.podIP": pod.status?["podIP"]?.stringValue ?? "",
                         "status.nominatedNodeName": pod.status?["nominatedNodeName"]?.stringValue ?? "",
                     ]
                 },
                 table: Columns.pod, deleteReturnsObject: true),
        .builtin(group: "", version: "v1", resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim",
                 shortNames: ["pvc"], hasStatus: true,
                 table: [Columns.text("Status", path: ["status", "phase"]), Columns.text("Volume", path: ["spec", "volumeName"]),
                         Columns.text("Capacity", path: ["status", "capacity", "storage"]),
                         Columns.text("StorageClass", path: ["spec", "storageClassName"]), Columns.age]),
        .builtin(group: "", version: "v1", resource: "events", kind: "Event", shortNames: ["ev"],
                 fieldLabels: EventViews.coreFieldLabels, table: Columns.event),
        .builtin(group: "", version: "v1", resource: "limitranges", kind: "LimitRange", shortNames: ["limits"]),
        .builtin(group: "", version: "v1", resource: "resourcequotas", kind: "ResourceQuota", shortNames: ["quota"],
                 hasStatus: true),
        EventViews.eventsV1,

        // apps/v1
        .builtin(group: "apps", version: "v1", resource: "deployments", kind: "Deployment", shortNames: ["deploy"],
                 categories: ["all"], hasStatus: true, tracksGeneration: true, table: Columns.deployment),
        .builtin(group: "apps", version: "v1", resource: "statefulsets", kind: "StatefulSet", shortNames: ["sts"],
                 categories: ["all"], hasStatus: true, tracksGeneration: true, table: Columns.statefulSet),
        .builtin(group: "apps", version: "v1", resource: "controllerrevisions", kind: "ControllerRevision",
                 table: [Columns.age]),

        // batch/v1
        .builtin(group: "batch", version: "v1", resource: "jobs", kind: "Job", categories: ["all"], hasStatus: true,
                 tracksGeneration: true,
                 fieldLabels: { ["status.successful": String($0.status?["succeeded"]?.intValue ?? 0)] },
                 table: Columns.job),

        // rbac.authorization.k8s.io/v1
        .builtin(group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", kind: "Role",
                 table: [Columns.createdAt]),
        .builtin(group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", kind: "RoleBinding",
                 table: [Columns.binding, Columns.age]),
        .builtin(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", kind: "ClusterRole",
                 namespaced: false, table: [Columns.createdAt]),
        .builtin(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings",
                 kind: "ClusterRoleBinding", namespaced: false, table: [Columns.binding, Columns.age]),

        // coordination.k8s.io/v1
        .builtin(group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease",
                 table: [Columns.text("Holder", path: ["spec", "holderIdentity"]), Columns.age]),

        // networking.k8s.io/v1
        .builtin(group: "networking.k8s.io", version: "v1", resource: "networkpolicies", kind: "NetworkPolicy",
                 shortNames: ["netpol"], tracksGeneration: true,
                 table: [Columns.podSelector, Columns.age]),

        // apiextensions.k8s.io/v1
        .builtin(group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions",
                 kind: "CustomResourceDefinition", namespaced: false, shortNames: ["crd", "crds"],
                 categories: ["api-extensions"], hasStatus: true, tracksGeneration: true,
                 table: [Columns.createdAt]),
    ] + accessReviews
}
