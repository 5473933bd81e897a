//! The Kubernetes protobuf schema the local API server decodes: the top-level
//! kinds it accepts as `application/vnd.kubernetes.protobuf`, and the meta/v1,
//! rbac/v1, coordination/v1 and authentication/v1 messages. Field numbers are
//! those of the upstream `generated.proto` files (kubernetes/api and
//! kubernetes/apimachinery); JSON names and `omitempty` follow the Go types.
//! core/v1 is in `KubernetesSchemas+Core.swift`, apps/v1 and batch/v1 in
//! `KubernetesSchemas+Workloads.swift`.

extension ProtobufSchemaSet {
    /// Every kind and message the local API server decodes from protobuf.
    public static let kubernetes = ProtobufSchemaSet(
        messages: metaV1 + coreV1 + appsV1 + batchV1 + rbacV1 + coordinationV1 + authenticationV1,
        kinds: [
            Kind(apiVersion: "v1", kind: "ConfigMap"): "core/v1.ConfigMap",
            Kind(apiVersion: "v1", kind: "Secret"): "core/v1.Secret",
            Kind(apiVersion: "v1", kind: "Namespace"): "core/v1.Namespace",
            Kind(apiVersion: "v1", kind: "ServiceAccount"): "core/v1.ServiceAccount",
            Kind(apiVersion: "v1", kind: "Service"): "core/v1.Service",
            Kind(apiVersion: "v1", kind: "Pod"): "core/v1.Pod",
            Kind(apiVersion: "v1", kind: "PersistentVolumeClaim"): "core/v1.PersistentVolumeClaim",
            Kind(apiVersion: "v1", kind: "ResourceQuota"): "core/v1.ResourceQuota",
            Kind(apiVersion: "v1", kind: "LimitRange"): "core/v1.LimitRange",
            Kind(apiVersion: "apps/v1", kind: "Deployment"): "apps/v1.Deployment",
            Kind(apiVersion: "batch/v1", kind: "Job"): "batch/v1.Job",
            Kind(apiVersion: "batch/v1", kind: "CronJob"): "batch/v1.CronJob",
            Kind(apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role"): "rbac/v1.Role",
            Kind(apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding"): "rbac/v1.RoleBinding",
            Kind(apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole"): "rbac/v1.ClusterRole",
            Kind(apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding"): "rbac/v1.ClusterRoleBinding",
            Kind(apiVersion: "coordination.k8s.io/v1", kind: "Lease"): "coordination/v1.Lease",
            Kind(apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest"): "authentication/v1.TokenRequest",
        ],
        kindsInAnyVersion: ["DeleteOptions": "meta/v1.DeleteOptions"])

    // MARK: meta/v1 (k8s.io/apimachinery/pkg/apis/meta/v1)

    static let metaV1: [ProtobufMessageSchema] = [
        ProtobufMessageSchema("meta/v1.ObjectMeta", [
            .omitEmpty(1, "name", .string),
            .omitEmpty(2, "generateName", .string),
            .omitEmpty(3, "namespace", .string),
            .omitEmpty(4, "selfLink", .string),
            .omitEmpty(5, "uid", .string),
            .omitEmpty(6, "resourceVersion", .string),
            .omitEmpty(7, "generation", .int64),
            .field(8, "creationTimestamp", .time),
            .field(9, "deletionTimestamp", .time),
            .field(10, "deletionGracePeriodSeconds", .int64),
            .map(11, "labels", .string),
            .map(12, "annotations", .string),
            .list(13, "ownerReferences", .message("meta/v1.OwnerReference")),
            .list(14, "finalizers", .string),
            .list(17, "managedFields", .message("meta/v1.ManagedFieldsEntry")),
        ]),
        ProtobufMessageSchema("meta/v1.OwnerReference", [
            .field(5, "apiVersion", .string),
            .field(1, "kind", .string),
            .field(3, "name", .string),
            .field(4, "uid", .string),
            .field(6, "controller", .bool),
            .field(7, "blockOwnerDeletion", .bool),
        ]),
        ProtobufMessageSchema("meta/v1.ManagedFieldsEntry", [
            .omitEmpty(1, "manager", .string),
            .omitEmpty(2, "operation", .string),
            .omitEmpty(3, "apiVersion", .string),
            .field(4, "time", .time),
            .omitEmpty(6, "fieldsType", .string),
            .field(7, "fieldsV1", .fieldsV1),
            .omitEmpty(8, "subresource", .string),
        ]),
        ProtobufMessageSchema("meta/v1.LabelSelector", [
            .map(1, "matchLabels", .string),
            .list(2, "matchExpressions", .message("meta/v1.LabelSelectorRequirement")),
        ]),
        ProtobufMessageSchema("meta/v1.LabelSelectorRequirement", [
            .field(1, "key", .string),
            .field(2, "operator", .string),
            .list(3, "values", .string),
        ]),
        ProtobufMessageSchema("meta/v1.Condition", [
            .field(1, "type", .string),
            .field(2, "status", .string),
            .omitEmpty(3, "observedGeneration", .int64),
            .field(4, "lastTransitionTime", .time),
            .field(5, "reason", .string),
            .field(6, "message", .string),
        ]),
        ProtobufMessageSchema("meta/v1.DeleteOptions", [
            .field(1, "gracePeriodSeconds", .int64),
            .field(2, "preconditions", .message("meta/v1.Preconditions")),
            .field(3, "orphanDependents", .bool),
            .field(4, "propagationPolicy", .string),
            .list(5, "dryRun", .string),
            .field(6, "ignoreStoreReadErrorWithClusterBreakingPotential", .bool),
        ]),
        ProtobufMessageSchema("meta/v1.Preconditions", [
            .field(1, "uid", .string),
            .field(2, "resourceVersion", .string),
        ]),
    ]

    // MARK: rbac.authorization.k8s.io/v1

    static let rbacV1: [ProtobufMessageSchema] = [
        ProtobufMessageSchema("rbac/v1.Role", [
            .field(1, "metadata", .message("meta/v1.ObjectMeta")),
            .list(2, "rules", .message("rbac/v1.PolicyRule")),
        ]),
        ProtobufMessageSchema("rbac/v1.ClusterRole", [
            .field(1, "metadata", .message("meta/v1.ObjectMeta")),
            .list(2, "rules", .message("rbac/v1.PolicyRule")),
            .field(3, "aggregationRule", .message("rbac/v1.AggregationRule")),
        ]),
        ProtobufMessageSchema("rbac/v1.AggregationRule", [
            .list(1, "clusterRoleSelectors", .message("meta/v1.LabelSelector")),
        ]),
        ProtobufMessageSchema("rbac/v1.PolicyRule", [
            .list(1, "verbs", .string),
            .list(2, "apiGroups", .string),
            .list(3, "resources", .string),
            .list(4, "resourceNames", .string),
            .list(5, "nonResourceURLs", .string),
        ]),
        ProtobufMessageSchema("rbac/v1.RoleBinding", [
            .field(1, "metadata", .message("meta/v1.ObjectMeta")),
            .list(2, "subjects", .message("rbac/v1.Subject")),
            .field(3, "roleRef", .message("rbac/v1.RoleRef")),
        ]),
        ProtobufMessageSchema("rbac/v1.ClusterRoleBinding", [
            .field(1, "metadata", .message("meta/v1.ObjectMeta")),
            .list(2, "subjects", .message("rbac/v1.Subject")),
            .field(3, "roleRef", .message("rbac/v1.RoleRef")),
        ]),
        ProtobufMessageSchema("rbac/v1.Subject", [
            .field(1, "kind", .string),
            .omitEmpty(2, "apiGroup", .string),
            .field(3, "name", .string),
            .omitEmpty(4, "namespace", .string),
        ]),
        ProtobufMessageSchema("rbac/v1.RoleRef", [
            .field(1, "apiGroup", .string),
            .field(2, "kind", .string),
            .field(3, "name", .string),
        ]),
    ]

    // MARK: coordination.k8s.io/v1

    static let coordinationV1: [ProtobufMessageSchema] = [
        ProtobufMessageSchema("coordination/v1.Lease", [
            .field(1, "metadata", .message("meta/v1.ObjectMeta")),
            .field(2, "spec", .message("coordination/v1.LeaseSpec")),
        ]),
        ProtobufMessageSchema("coordination/v1.LeaseSpec", [
            .field(1, "holderIdentity", .string),
            .field(2, "leaseDurationSeconds", .int32),
            .field(3, "acquireTime", .microTime),
            .field(4, "renewTime", .microTime),
            .field(5, "leaseTransitions", .int32),
            .field(6, "strategy", .string),
            .field(7, "preferredHolder", .string),
        ]),
    ]

    // MARK: authentication.k8s.io/v1

    static let authenticationV1: [ProtobufMessageSchema] = [
        ProtobufMessageSchema("authentication/v1.TokenRequest", [
            .field(1, "metadata", .message("meta/v1.ObjectMeta")),
            .field(2, "spec", .message("authentication/v1.TokenRequestSpec")),
            .field(3, "status", .message("authentication/v1.TokenRequestStatus")),
        ]),
        ProtobufMessageSchema("authentication/v1.TokenRequestSpec", [
            .list(1, "audiences", .string),
            .field(4, "expirationSeconds", .int64),
            .field(3, "boundObjectRef", .message("authentication/v1.BoundObjectReference")),
        ]),
        ProtobufMessageSchema("authentication/v1.BoundObjectReference", [
            .omitEmpty(1, "kind", .string),
            .omitEmpty(2, "apiVersion", .string),
            .omitEmpty(3, "name", .string),
            .omitEmpty(4, "uid", .string),
        ]),
        ProtobufMessageSchema("authentication/v1.TokenRequestStatus", [
            .field(1, "token", .string),
            .field(2, "expirationTimestamp", .time),
        ]),
    ]
}
