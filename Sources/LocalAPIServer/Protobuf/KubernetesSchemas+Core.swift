//! core/v1 protobuf messages (k8s.io/api/core/v1): ConfigMap, Secret, Namespace,
//! ServiceAccount, Service, Pod (spec and the scalar parts of status),
//! PersistentVolumeClaim, ResourceQuota, LimitRange and everything a PodSpec
//! reaches, except the cloud-provider volume sources, `restartPolicyRules`,
//! container `ulimits`, env `fileKeyRef`, `workloadRef`, pod certificate
//! projections and container statuses, which fail with an unknown-field error.

extension ProtobufSchemaSet {
    private static let objectMeta = ProtobufValueKind.message("meta/v1.ObjectMeta")
    private static let labelSelector = ProtobufValueKind.message("meta/v1.LabelSelector")
    private static let localObjectReference = "core/v1.LocalObjectReference"

    static let coreV1: [ProtobufMessageSchema] = coreV1Objects + coreV1PodSpec + coreV1Containers + coreV1Volumes

    // MARK: Top-level objects and their parts

    private static let coreV1Objects: [ProtobufMessageSchema] = [
        ProtobufMessageSchema("core/v1.ConfigMap", [
            .field(1, "metadata", objectMeta),
            .field(4, "immutable", .bool),
            .map(2, "data", .string),
            .map(3, "binaryData", .bytes),
        ]),
        ProtobufMessageSchema("core/v1.Secret", [
            .field(1, "metadata", objectMeta),
            .field(5, "immutable", .bool),
            .map(2, "data", .bytes),
            .map(4, "stringData", .string),
            .omitEmpty(3, "type", .string),
        ]),
        ProtobufMessageSchema("core/v1.Namespace", [
            .field(1, "metadata", objectMeta),
            .field(2, "spec", .message("core/v1.NamespaceSpec")),
            .field(3, "status", .message("core/v1.NamespaceStatus")),
        ]),
        ProtobufMessageSchema("core/v1.NamespaceSpec", [
            .list(1, "finalizers", .string),
        ]),
        ProtobufMessageSchema("core/v1.NamespaceStatus", [
            .omitEmpty(1, "phase", .string),
            .list(2, "conditions", .message("core/v1.NamespaceCondition")),
        ]),
        ProtobufMessageSchema("core/v1.NamespaceCondition", [
            .field(1, "type", .string),
            .field(2, "status", .string),
            .field(4, "lastTransitionTime", .time),
            .omitEmpty(5, "reason", .string),
            .omitEmpty(6, "message", .string),
        ]),
        ProtobufMessageSchema("core/v1.ServiceAccount", [
            .field(1, "metadata", objectMeta),
            .list(2, "secrets", .message("core/v1.ObjectReference")),
            .list(3, "imagePullSecrets", .message(localObjectReference)),
            .field(4, "automountServiceAccountToken", .bool),
        ]),
        ProtobufMessageSchema("core/v1.ObjectReference", [
            .omitEmpty(1, "kind", .string),
            .omitEmpty(2, "namespace", .string),
            .omitEmpty(3, "name", .string),
            .omitEmpty(4, "uid", .string),
            .omitEmpty(5, "apiVersion", .string),
            .omitEmpty(6, "resourceVersion", .string),
            .omitEmpty(7, "fieldPath", .string),
        ]),
        ProtobufMessageSchema(localObjectReference, [
            .omitEmpty(1, "name", .string),
        ]),
        ProtobufMessageSchema("core/v1.Service", [
            .field(1, "metadata", objectMeta),
            .field(2, "spec", .message("core/v1.ServiceSpec")),
            .field(3, "status", .message("core/v1.ServiceStatus")),
        ]),
        ProtobufMessageSchema("core/v1.ServiceSpec", [
            .list(1, "ports", .message("core/v1.ServicePort")),
            .map(2, "selector", .string),
            .omitEmpty(3, "clusterIP", .string),
            .list(18, "clusterIPs", .string),
            .omitEmpty(4, "type", .string),
            .list(5, "externalIPs", .string),
            .omitEmpty(7, "sessionAffinity", .string),
            .omitEmpty(8, "loadBalancerIP", .string),
            .list(9, "loadBalancerSourceRanges", .string),
            .omitEmpty(10, "externalName", .string),
            .omitEmpty(11, "externalTrafficPolicy", .string),
            .omitEmpty(12, "healthCheckNodePort", .int32),
            .omitEmpty(13, "publishNotReadyAddresses", .bool),
            .field(14, "sessionAffinityConfig", .message("core/v1.SessionAffinityConfig")),
            .list(19, "ipFamilies", .string),
            .field(17, "ipFamilyPolicy", .string),
            .field(20, "allocateLoadBalancerNodePorts", .bool),
            .field(21, "loadBalancerClass", .string),
            .field(22, "internalTrafficPolicy", .string),
            .field(23, "trafficDistribution", .string),
        ]),
        ProtobufMessageSchema("core/v1.ServicePort", [
            .omitEmpty(1, "name", .string),
            .omitEmpty(2, "protocol", .string),
            .field(6, "appProtocol", .string),
            .field(3, "port", .int32),
            .field(4, "targetPort", .intOrString),
            .omitEmpty(5, "nodePort", .int32),
        ]),
        ProtobufMessageSchema("core/v1.SessionAffinityConfig", [
            .field(1, "clientIP", .message("core/v1.ClientIPConfig")),
        ]),
        ProtobufMessageSchema("core/v1.ClientIPConfig", [
            .field(1, "timeoutSeconds", .int32),
        ]),
        ProtobufMessageSchema("core/v1.ServiceStatus", [
            .field(1, "loadBalancer", .message("core/v1.LoadBalancerStatus")),
            .list(2, "conditions", .message("meta/v1.Condition")),
        ]),
        ProtobufMessageSchema("core/v1.LoadBalancerStatus", [
            .list(1, "ingress", .message("core/v1.LoadBalancerIngress")),
        ]),
        ProtobufMessageSchema("core/v1.LoadBalancerIngress", [
            .omitEmpty(1, "ip", .string),
            .omitEmpty(2, "hostname", .string),
            .field(3, "ipMode", .string),
            .list(4, "ports", .message("core/v1.PortStatus")),
        ]),
        ProtobufMessageSchema("core/v1.PortStatus", [
            .field(1, "port", .int32),
            .field(2, "protocol", .string),
            .field(3, "error", .string),
        ]),
        ProtobufMessageSchema("core/v1.Pod", [
            .field(1, "metadata", objectMeta),
            .field(2, "spec", .message("core/v1.PodSpec")),
            .field(3, "status", .message("core/v1.PodStatus")),
        ]),
        // The scalar parts of PodStatus; container statuses (8, 10, 13) and resource
        // claim statuses are not decoded and fail as unknown fields.
        ProtobufMessageSchema("core/v1.PodStatus", [
            .omitEmpty(17, "observedGeneration", .int64),
            .omitEmpty(1, "phase", .string),
            .list(2, "conditions", .message("core/v1.PodCondition")),
            .omitEmpty(3, "message", .string),
            .omitEmpty(4, "reason", .string),
            .omitEmpty(11, "nominatedNodeName", .string),
            .omitEmpty(5, "hostIP", .string),
            .list(16, "hostIPs", .message("core/v1.HostIP")),
            .omitEmpty(6, "podIP", .string),
            .list(12, "podIPs", .message("core/v1.PodIP")),
            .field(7, "startTime", .time),
            .omitEmpty(9, "qosClass", .string),
            .omitEmpty(14, "resize", .string),
        ]),
        ProtobufMessageSchema("core/v1.PodCondition", [
            .field(1, "type", .string),
            .omitEmpty(7, "observedGeneration", .int64),
            .field(2, "status", .string),
            .field(3, "lastProbeTime", .time),
            .field(4, "lastTransitionTime", .time),
            .omitEmpty(5, "reason", .string),
            .omitEmpty(6, "message", .string),
        ]),
        ProtobufMessageSchema("core/v1.HostIP", [
            .field(1, "ip", .string),
        ]),
        ProtobufMessageSchema("core/v1.PodIP", [
            .field(1, "ip", .string),
        ]),
        ProtobufMessageSchema("core/v1.PodTemplateSpec", [
            .field(1, "metadata", objectMeta),
            .field(2, "spec", .message("core/v1.PodSpec")),
        ]),
        ProtobufMessageSchema("core/v1.PersistentVolumeClaim", [
            .field(1, "metadata", objectMeta),
            .field(2, "spec", .message("core/v1.PersistentVolumeClaimSpec")),
            .field(3, "status", .message("core/v1.PersistentVolumeClaimStatus")),
        ]),
        ProtobufMessageSchema("core/v1.PersistentVolumeClaimSpec", [
            .list(1, "accessModes", .string),
            .field(4, "selector", labelSelector),
            .field(2, "resources", .message("core/v1.VolumeResourceRequirements")),
            .omitEmpty(3, "volumeName", .string),
            .field(5, "storageClassName", .string),
            .field(6, "volumeMode", .string),
            .field(7, "dataSource", .message("core/v1.TypedLocalObjectReference")),
            .field(8, "dataSourceRef", .message("core/v1.TypedObjectReference")),
            .field(9, "volumeAttributesClassName", .string),
        ]),
        ProtobufMessageSchema("core/v1.VolumeResourceRequirements", [
            .map(1, "limits", .quantity),
            .map(2, "requests", .quantity),
        ]),
        ProtobufMessageSchema("core/v1.TypedLocalObjectReference", [
            .field(1, "apiGroup", .string),
            .field(2, "kind", .string),
            .field(3, "name", .string),
        ]),
        ProtobufMessageSchema("core/v1.TypedObjectReference", [
            .field(1, "apiGroup", .string),
            .field(2, "kind", .string),
            .field(3, "name", .string),
            .field(4, "namespace", .string),
        ]),
        ProtobufMessageSchema("core/v1.PersistentVolumeClaimStatus", [
            .omitEmpty(1, "phase", .string),
            .list(2, "accessModes", .string),
            .map(3, "capacity", .quantity),
            .list(4, "conditions", .message("core/v1.PersistentVolumeClaimCondition")),
            .map(5, "allocatedResources", .quantity),
            .map(7, "allocatedResourceStatuses", .string),
            .field(8, "currentVolumeAttributesClassName", .string),
            .field(9, "modifyVolumeStatus", .message("core/v1.ModifyVolumeStatus")),
        ]),
        ProtobufMessageSchema("core/v1.PersistentVolumeClaimCondition", [
            .field(1, "type", .string),
            .field(2, "status", .string),
            .field(3, "lastProbeTime", .time),
            .field(4, "lastTransitionTime", .time),
            .omitEmpty(5, "reason", .string),
            .omitEmpty(6, "message", .string),
        ]),
        ProtobufMessageSchema("core/v1.ModifyVolumeStatus", [
            .omitEmpty(1, "targetVolumeAttributesClassName", .string),
            .field(2, "status", .string),
        ]),
        ProtobufMessageSchema("core/v1.ResourceQuota", [
            .field(1, "metadata", objectMeta),
            .field(2, "spec", .message("core/v1.ResourceQuotaSpec")),
            .field(3, "status", .message("core/v1.ResourceQuotaStatus")),
        ]),
        ProtobufMessageSchema("core/v1.ResourceQuotaSpec", [
            .map(1, "hard", .quantity),
            .list(2, "scopes", .string),
            .field(3, "scopeSelector", .message("core/v1.ScopeSelector")),
        ]),
        ProtobufMessageSchema("core/v1.ScopeSelector", [
            .list(1, "matchExpressions", .message("core/v1.ScopedResourceSelectorRequirement")),
        ]),
        ProtobufMessageSchema("core/v1.ScopedResourceSelectorRequirement", [
            .field(1, "scopeName", .string),
            .field(2, "operator", .string),
            .list(3, "values", .string),
        ]),
        ProtobufMessageSchema("core/v1.ResourceQuotaStatus", [
            .map(1, "hard", .quantity),
            .map(2, "used", .quantity),
        ]),
        ProtobufMessageSchema("core/v1.LimitRange", [
            .field(1, "metadata", objectMeta),
            .field(2, "spec", .message("core/v1.LimitRangeSpec")),
        ]),
        ProtobufMessageSchema("core/v1.LimitRangeSpec", [
            .list(1, "limits", .message("core/v1.LimitRangeItem")),
        ]),
        ProtobufMessageSchema("core/v1.LimitRangeItem", [
            .field(1, "type", .string),
            .map(2, "max", .quantity),
            .map(3, "min", .quantity),
            .map(4, "default", .quantity),
            .map(5, "defaultRequest", .quantity),
            .map(6, "maxLimitRequestRatio", .quantity),
        ]),
    ]

    // MARK: PodSpec and its scheduling, security and DNS parts

    private static let coreV1PodSpec: [ProtobufMessageSchema] = [
        ProtobufMessageSchema("core/v1.PodSpec", [
            .list(1, "volumes", .message("core/v1.Volume")),
            .list(20, "initContainers", .message("core/v1.Container")),
            .list(2, "containers", .message("core/v1.Container")),
            .list(34, "ephemeralContainers", .message("core/v1.EphemeralContainer")),
            .omitEmpty(3, "restartPolicy", .string),
            .field(4, "terminationGracePeriodSeconds", .int64),
            .field(5, "activeDeadlineSeconds", .int64),
            .omitEmpty(6, "dnsPolicy", .string),
            .map(7, "nodeSelector", .string),
            .omitEmpty(8, "serviceAccountName", .string),
            .omitEmpty(9, "serviceAccount", .string),
            .field(21, "automountServiceAccountToken", .bool),
            .omitEmpty(10, "nodeName", .string),
            .omitEmpty(11, "hostNetwork", .bool),
            .omitEmpty(12, "hostPID", .bool),
            .omitEmpty(13, "hostIPC", .bool),
            .field(27, "shareProcessNamespace", .bool),
            .field(14, "securityContext", .message("core/v1.PodSecurityContext")),
            .list(15, "imagePullSecrets", .message(localObjectReference)),
            .omitEmpty(16, "hostname", .string),
            .omitEmpty(17, "subdomain", .string),
            .field(18, "affinity", .message("core/v1.Affinity")),
            .omitEmpty(19, "schedulerName", .string),
            .list(22, "tolerations", .message("core/v1.Toleration")),
            .list(23, "hostAliases", .message("core/v1.HostAlias")),
            .omitEmpty(24, "priorityClassName", .string),
            .field(25, "priority", .int32),
            .field(26, "dnsConfig", .message("core/v1.PodDNSConfig")),
            .list(28, "readinessGates", .message("core/v1.PodReadinessGate")),
            .field(29, "runtimeClassName", .string),
            .field(30, "enableServiceLinks", .bool),
            .field(31, "preemptionPolicy", .string),
            .map(32, "overhead", .quantity),
            .list(33, "topologySpreadConstraints", .message("core/v1.TopologySpreadConstraint")),
            .field(35, "setHostnameAsFQDN", .bool),
            .field(36, "os", .message("core/v1.PodOS")),
            .field(37, "hostUsers", .bool),
            .list(38, "schedulingGates", .message("core/v1.PodSchedulingGate")),
            .list(39, "resourceClaims", .message("core/v1.PodResourceClaim")),
            .field(40, "resources", .message("core/v1.ResourceRequirements")),
            .field(41, "hostnameOverride", .string),
        ]),
        ProtobufMessageSchema("core/v1.PodSecurityContext", [
            .field(1, "seLinuxOptions", .message("core/v1.SELinuxOptions")),
            .field(8, "windowsOptions", .message("core/v1.WindowsSecurityContextOptions")),
            .field(2, "runAsUser", .int64),
            .field(6, "runAsGroup", .int64),
            .field(3, "runAsNonRoot", .bool),
            .list(4, "supplementalGroups", .int64),
            .field(12, "supplementalGroupsPolicy", .string),
            .field(5, "fsGroup", .int64),
            .list(7, "sysctls", .message("core/v1.Sysctl")),
            .field(9, "fsGroupChangePolicy", .string),
            .field(10, "seccompProfile", .message("core/v1.SeccompProfile")),
            .field(11, "appArmorProfile", .message("core/v1.AppArmorProfile")),
            .field(13, "seLinuxChangePolicy", .string),
        ]),
        ProtobufMessageSchema("core/v1.Sysctl", [
            .field(1, "name", .string),
            .field(2, "value", .string),
        ]),
        ProtobufMessageSchema("core/v1.SELinuxOptions", [
            .omitEmpty(1, "user", .string),
            .omitEmpty(2, "role", .string),
            .omitEmpty(3, "type", .string),
            .omitEmpty(4, "level", .string),
        ]),
        ProtobufMessageSchema("core/v1.WindowsSecurityContextOptions", [
            .field(1, "gmsaCredentialSpecName", .string),
            .field(2, "gmsaCredentialSpec", .string),
            .field(3, "runAsUserName", .string),
            .field(4, "hostProcess", .bool),
        ]),
        ProtobufMessageSchema("core/v1.SeccompProfile", [
            .field(1, "type", .string),
            .field(2, "localhostProfile", .string),
        ]),
        ProtobufMessageSchema("core/v1.AppArmorProfile", [
            .field(1, "type", .string),
            .field(2, "localhostProfile", .string),
        ]),
        ProtobufMessageSchema("core/v1.Affinity", [
            .field(1, "nodeAffinity", .message("core/v1.NodeAffinity")),
            .field(2, "podAffinity", .message("core/v1.PodAffinity")),
            .field(3, "podAntiAffinity", .message("core/v1.PodAntiAffinity")),
        ]),
        ProtobufMessageSchema("core/v1.NodeAffinity", [
            .field(1, "requiredDuringSchedulingIgnoredDuringExecution", .message("core/v1.NodeSelector")),
            .list(2, "preferredDuringSchedulingIgnoredDuringExecution", .message("core/v1.PreferredSchedulingTerm")),
        ]),
        ProtobufMessageSchema("core/v1.NodeSelector", [
            .list(1, "nodeSelectorTerms", .message("core/v1.NodeSelectorTerm")),
        ]),
        ProtobufMessageSchema("core/v1.NodeSelectorTerm", [
            .list(1, "matchExpressions", .message("core/v1.NodeSelectorRequirement")),
            .list(2, "matchFields", .message("core/v1.NodeSelectorRequirement")),
        ]),
        ProtobufMessageSchema("core/v1.NodeSelectorRequirement", [
            .field(1, "key", .string),
            .field(2, "operator", .string),
            .list(3, "values", .string),
        ]),
        ProtobufMessageSchema("core/v1.PreferredSchedulingTerm", [
            .field(1, "weight", .int32),
            .field(2, "preference", .message("core/v1.NodeSelectorTerm")),
        ]),
        ProtobufMessageSchema("core/v1.PodAffinity", [
            .list(1, "requiredDuringSchedulingIgnoredDuringExecution", .message("core/v1.PodAffinityTerm")),
            .list(2, "preferredDuringSchedulingIgnoredDuringExecution", .message("core/v1.WeightedPodAffinityTerm")),
        ]),
        ProtobufMessageSchema("core/v1.PodAntiAffinity", [
            .list(1, "requiredDuringSchedulingIgnoredDuringExecution", .message("core/v1.PodAffinityTerm")),
            .list(2, "preferredDuringSchedulingIgnoredDuringExecution", .message("core/v1.WeightedPodAffinityTerm")),
        ]),
        ProtobufMessageSchema("core/v1.PodAffinityTerm", [
            .field(1, "labelSelector", labelSelector),
            .list(2, "namespaces", .string),
            .field(3, "topologyKey", .string),
            .field(4, "namespaceSelector", labelSelector),
            .list(5, "matchLabelKeys", .string),
            .list(6, "mismatchLabelKeys", .string),
        ]),
        ProtobufMessageSchema("core/v1.WeightedPodAffinityTerm", [
            .field(1, "weight", .int32),
            .field(2, "podAffinityTerm", .message("core/v1.PodAffinityTerm")),
        ]),
        ProtobufMessageSchema("core/v1.Toleration", [
            .omitEmpty(1, "key", .string),
            .omitEmpty(2, "operator", .string),
            .omitEmpty(3, "value", .string),
            .omitEmpty(4, "effect", .string),
            .field(5, "tolerationSeconds", .int64),
        ]),
        ProtobufMessageSchema("core/v1.HostAlias", [
            .field(1, "ip", .string),
            .list(2, "hostnames", .string),
        ]),
        ProtobufMessageSchema("core/v1.PodDNSConfig", [
            .list(1, "nameservers", .string),
            .list(2, "searches", .string),
            .list(3, "options", .message("core/v1.PodDNSConfigOption")),
        ]),
        ProtobufMessageSchema("core/v1.PodDNSConfigOption", [
            .omitEmpty(1, "name", .string),
            .field(2, "value", .string),
        ]),
        ProtobufMessageSchema("core/v1.PodReadinessGate", [
            .field(1, "conditionType", .string),
        ]),
        ProtobufMessageSchema("core/v1.TopologySpreadConstraint", [
            .field(1, "maxSkew", .int32),
            .field(2, "topologyKey", .string),
            .field(3, "whenUnsatisfiable", .string),
            .field(4, "labelSelector", labelSelector),
            .field(5, "minDomains", .int32),
            .field(6, "nodeAffinityPolicy", .string),
            .field(7, "nodeTaintsPolicy", .string),
            .list(8, "matchLabelKeys", .string),
        ]),
        ProtobufMessageSchema("core/v1.PodOS", [
            .field(1, "name", .string),
        ]),
        ProtobufMessageSchema("core/v1.PodSchedulingGate", [
            .field(1, "name", .string),
        ]),
        ProtobufMessageSchema("core/v1.PodResourceClaim", [
            .field(1, "name", .string),
            .field(3, "resourceClaimName", .string),
            .field(4, "resourceClaimTemplateName", .string),
        ]),
    ]

    // MARK: Containers

    /// The fields of `Container`, which `EphemeralContainerCommon` repeats with the same numbers.
    private static let containerFields: [ProtobufFieldSchema] = [
        .field(1, "name", .string),
        .omitEmpty(2, "image", .string),
        .list(3, "command", .string),
        .list(4, "args", .string),
        .omitEmpty(5, "workingDir", .string),
        .list(6, "ports", .message("core/v1.ContainerPort")),
        .list(19, "envFrom", .message("core/v1.EnvFromSource")),
        .list(7, "env", .message("core/v1.EnvVar")),
        .field(8, "resources", .message("core/v1.ResourceRequirements")),
        .list(23, "resizePolicy", .message("core/v1.ContainerResizePolicy")),
        .field(24, "restartPolicy", .string),
        .list(9, "volumeMounts", .message("core/v1.VolumeMount")),
        .list(21, "volumeDevices", .message("core/v1.VolumeDevice")),
        .field(10, "livenessProbe", .message("core/v1.Probe")),
        .field(11, "readinessProbe", .message("core/v1.Probe")),
        .field(22, "startupProbe", .message("core/v1.Probe")),
        .field(12, "lifecycle", .message("core/v1.Lifecycle")),
        .omitEmpty(13, "terminationMessagePath", .string),
        .omitEmpty(20, "terminationMessagePolicy", .string),
        .omitEmpty(14, "imagePullPolicy", .string),
        .field(15, "securityContext", .message("core/v1.SecurityContext")),
        .omitEmpty(16, "stdin", .bool),
        .omitEmpty(17, "stdinOnce", .bool),
        .omitEmpty(18, "tty", .bool),
    ]

    private static let coreV1Containers: [ProtobufMessageSchema] = [
        ProtobufMessageSchema("core/v1.Container", containerFields),
        ProtobufMessageSchema("core/v1.EphemeralContainer", [
            .inline(1, "core/v1.EphemeralContainerCommon"),
            .omitEmpty(2, "targetContainerName", .string),
        ]),
        ProtobufMessageSchema("core/v1.EphemeralContainerCommon", containerFields),
        ProtobufMessageSchema("core/v1.ContainerPort", [
            .omitEmpty(1, "name", .string),
            .omitEmpty(2, "hostPort", .int32),
            .field(3, "containerPort", .int32),
            .omitEmpty(4, "protocol", .string),
            .omitEmpty(5, "hostIP", .string),
        ]),
        ProtobufMessageSchema("core/v1.ContainerResizePolicy", [
            .field(1, "resourceName", .string),
            .field(2, "restartPolicy", .string),
        ]),
        ProtobufMessageSchema("core/v1.EnvFromSource", [
            .omitEmpty(1, "prefix", .string),
            .field(2, "configMapRef", .message("core/v1.ConfigMapEnvSource")),
            .field(3, "secretRef", .message("core/v1.SecretEnvSource")),
        ]),
        ProtobufMessageSchema("core/v1.ConfigMapEnvSource", [
            .inline(1, localObjectReference),
            .field(2, "optional", .bool),
        ]),
        ProtobufMessageSchema("core/v1.SecretEnvSource", [
            .inline(1, localObjectReference),
            .field(2, "optional", .bool),
        ]),
        ProtobufMessageSchema("core/v1.EnvVar", [
            .field(1, "name", .string),
            .omitEmpty(2, "value", .string),
            .field(3, "valueFrom", .message("core/v1.EnvVarSource")),
        ]),
        ProtobufMessageSchema("core/v1.EnvVarSource", [
            .field(1, "fieldRef", .message("core/v1.ObjectFieldSelector")),
            .field(2, "resourceFieldRef", .message("core/v1.ResourceFieldSelector")),
            .field(3, "configMapKeyRef", .message("core/v1.ConfigMapKeySelector")),
            .field(4, "secretKeyRef", .message("core/v1.SecretKeySelector")),
        ]),
        ProtobufMessageSchema("core/v1.ObjectFieldSelector", [
            .omitEmpty(1, "apiVersion", .string),
            .field(2, "fieldPath", .string),
        ]),
        ProtobufMessageSchema("core/v1.ResourceFieldSelector", [
            .omitEmpty(1, "containerName", .string),
            .field(2, "resource", .string),
            .field(3, "divisor", .quantity),
        ]),
        ProtobufMessageSchema("core/v1.ConfigMapKeySelector", [
            .inline(1, localObjectReference),
            .field(2, "key", .string),
            .field(3, "optional", .bool),
        ]),
        ProtobufMessageSchema("core/v1.SecretKeySelector", [
            .inline(1, localObjectReference),
            .field(2, "key", .string),
            .field(3, "optional", .bool),
        ]),
        ProtobufMessageSchema("core/v1.ResourceRequirements", [
            .map(1, "limits", .quantity),
            .map(2, "requests", .quantity),
            .list(3, "claims", .message("core/v1.ResourceClaim")),
        ]),
        ProtobufMessageSchema("core/v1.ResourceClaim", [
            .field(1, "name", .string),
            .omitEmpty(2, "request", .string),
        ]),
        ProtobufMessageSchema("core/v1.VolumeMount", [
            .field(1, "name", .string),
            .omitEmpty(2, "readOnly", .bool),
            .field(7, "recursiveReadOnly", .string),
            .field(3, "mountPath", .string),
            .omitEmpty(4, "subPath", .string),
            .field(5, "mountPropagation", .string),
            .omitEmpty(6, "subPathExpr", .string),
        ]),
        ProtobufMessageSchema("core/v1.VolumeDevice", [
            .field(1, "name", .string),
            .field(2, "devicePath", .string),
        ]),
        ProtobufMessageSchema("core/v1.Probe", [
            .inline(1, "core/v1.ProbeHandler"),
            .omitEmpty(2, "initialDelaySeconds", .int32),
            .omitEmpty(3, "timeoutSeconds", .int32),
            .omitEmpty(4, "periodSeconds", .int32),
            .omitEmpty(5, "successThreshold", .int32),
            .omitEmpty(6, "failureThreshold", .int32),
            .field(7, "terminationGracePeriodSeconds", .int64),
        ]),
        ProtobufMessageSchema("core/v1.ProbeHandler", [
            .field(1, "exec", .message("core/v1.ExecAction")),
            .field(2, "httpGet", .message("core/v1.HTTPGetAction")),
            .field(3, "tcpSocket", .message("core/v1.TCPSocketAction")),
            .field(4, "grpc", .message("core/v1.GRPCAction")),
        ]),
        ProtobufMessageSchema("core/v1.ExecAction", [
            .list(1, "command", .string),
        ]),
        ProtobufMessageSchema("core/v1.HTTPGetAction", [
            .omitEmpty(1, "path", .string),
            .field(2, "port", .intOrString),
            .omitEmpty(3, "host", .string),
            .omitEmpty(4, "scheme", .string),
            .list(5, "httpHeaders", .message("core/v1.HTTPHeader")),
        ]),
        ProtobufMessageSchema("core/v1.HTTPHeader", [
            .field(1, "name", .string),
            .field(2, "value", .string),
        ]),
        ProtobufMessageSchema("core/v1.TCPSocketAction", [
            .field(1, "port", .intOrString),
            .omitEmpty(2, "host", .string),
        ]),
        ProtobufMessageSchema("core/v1.GRPCAction", [
            .field(1, "port", .int32),
            .field(2, "service", .string),
        ]),
        ProtobufMessageSchema("core/v1.Lifecycle", [
            .field(1, "postStart", .message("core/v1.LifecycleHandler")),
            .field(2, "preStop", .message("core/v1.LifecycleHandler")),
            .field(3, "stopSignal", .string),
        ]),
        ProtobufMessageSchema("core/v1.LifecycleHandler", [
            .field(1, "exec", .message("core/v1.ExecAction")),
            .field(2, "httpGet", .message("core/v1.HTTPGetAction")),
            .field(3, "tcpSocket", .message("core/v1.TCPSocketAction")),
            .field(4, "sleep", .message("core/v1.SleepAction")),
        ]),
        ProtobufMessageSchema("core/v1.SleepAction", [
            .field(1, "seconds", .int64),
        ]),
        ProtobufMessageSchema("core/v1.SecurityContext", [
            .field(1, "capabilities", .message("core/v1.Capabilities")),
            .field(2, "privileged", .bool),
            .field(3, "seLinuxOptions", .message("core/v1.SELinuxOptions")),
            .field(10, "windowsOptions", .message("core/v1.WindowsSecurityContextOptions")),
            .field(4, "runAsUser", .int64),
            .field(8, "runAsGroup", .int64),
            .field(5, "runAsNonRoot", .bool),
            .field(6, "readOnlyRootFilesystem", .bool),
            .field(7, "allowPrivilegeEscalation", .bool),
            .field(9, "procMount", .string),
            .field(11, "seccompProfile", .message("core/v1.SeccompProfile")),
            .field(12, "appArmorProfile", .message("core/v1.AppArmorProfile")),
        ]),
        ProtobufMessageSchema("core/v1.Capabilities", [
            .list(1, "add", .string),
            .list(2, "drop", .string),
        ]),
    ]

    // MARK: Volumes

    private static let coreV1Volumes: [ProtobufMessageSchema] = [
        ProtobufMessageSchema("core/v1.Volume", [
            .field(1, "name", .string),
            .inline(2, "core/v1.VolumeSource"),
        ]),
        // The in-tree cloud and storage-vendor sources are not decoded.
        ProtobufMessageSchema("core/v1.VolumeSource", [
            .field(1, "hostPath", .message("core/v1.HostPathVolumeSource")),
            .field(2, "emptyDir", .message("core/v1.EmptyDirVolumeSource")),
            .field(6, "secret", .message("core/v1.SecretVolumeSource")),
            .field(7, "nfs", .message("core/v1.NFSVolumeSource")),
            .field(10, "persistentVolumeClaim", .message("core/v1.PersistentVolumeClaimVolumeSource")),
            .field(16, "downwardAPI", .message("core/v1.DownwardAPIVolumeSource")),
            .field(19, "configMap", .message("core/v1.ConfigMapVolumeSource")),
            .field(26, "projected", .message("core/v1.ProjectedVolumeSource")),
            .field(28, "csi", .message("core/v1.CSIVolumeSource")),
            .field(29, "ephemeral", .message("core/v1.EphemeralVolumeSource")),
            .field(30, "image", .message("core/v1.ImageVolumeSource")),
        ]),
        ProtobufMessageSchema("core/v1.HostPathVolumeSource", [
            .field(1, "path", .string),
            .field(2, "type", .string),
        ]),
        ProtobufMessageSchema("core/v1.EmptyDirVolumeSource", [
            .omitEmpty(1, "medium", .string),
            .field(2, "sizeLimit", .quantity),
        ]),
        ProtobufMessageSchema("core/v1.SecretVolumeSource", [
            .omitEmpty(1, "secretName", .string),
            .list(2, "items", .message("core/v1.KeyToPath")),
            .field(3, "defaultMode", .int32),
            .field(4, "optional", .bool),
        ]),
        ProtobufMessageSchema("core/v1.KeyToPath", [
            .field(1, "key", .string),
            .field(2, "path", .string),
            .field(3, "mode", .int32),
        ]),
        ProtobufMessageSchema("core/v1.NFSVolumeSource", [
            .field(1, "server", .string),
            .field(2, "path", .string),
            .omitEmpty(3, "readOnly", .bool),
        ]),
        ProtobufMessageSchema("core/v1.PersistentVolumeClaimVolumeSource", [
            .field(1, "claimName", .string),
            .omitEmpty(2, "readOnly", .bool),
        ]),
        ProtobufMessageSchema("core/v1.DownwardAPIVolumeSource", [
            .list(1, "items", .message("core/v1.DownwardAPIVolumeFile")),
            .field(2, "defaultMode", .int32),
        ]),
        ProtobufMessageSchema("core/v1.DownwardAPIVolumeFile", [
            .field(1, "path", .string),
            .field(2, "fieldRef", .message("core/v1.ObjectFieldSelector")),
            .field(3, "resourceFieldRef", .message("core/v1.ResourceFieldSelector")),
            .field(4, "mode", .int32),
        ]),
        ProtobufMessageSchema("core/v1.ConfigMapVolumeSource", [
            .inline(1, localObjectReference),
            .list(2, "items", .message("core/v1.KeyToPath")),
            .field(3, "defaultMode", .int32),
            .field(4, "optional", .bool),
        ]),
        ProtobufMessageSchema("core/v1.ProjectedVolumeSource", [
            .list(1, "sources", .message("core/v1.VolumeProjection")),
            .field(2, "defaultMode", .int32),
        ]),
        ProtobufMessageSchema("core/v1.VolumeProjection", [
            .field(1, "secret", .message("core/v1.SecretProjection")),
            .field(2, "downwardAPI", .message("core/v1.DownwardAPIProjection")),
            .field(3, "configMap", .message("core/v1.ConfigMapProjection")),
            .field(4, "serviceAccountToken", .message("core/v1.ServiceAccountTokenProjection")),
            .field(5, "clusterTrustBundle", .message("core/v1.ClusterTrustBundleProjection")),
        ]),
        ProtobufMessageSchema("core/v1.SecretProjection", [
            .inline(1, localObjectReference),
            .list(2, "items", .message("core/v1.KeyToPath")),
            .field(4, "optional", .bool),
        ]),
        ProtobufMessageSchema("core/v1.ConfigMapProjection", [
            .inline(1, localObjectReference),
            .list(2, "items", .message("core/v1.KeyToPath")),
            .field(4, "optional", .bool),
        ]),
        ProtobufMessageSchema("core/v1.DownwardAPIProjection", [
            .list(1, "items", .message("core/v1.DownwardAPIVolumeFile")),
        ]),
        ProtobufMessageSchema("core/v1.ServiceAccountTokenProjection", [
            .omitEmpty(1, "audience", .string),
            .field(2, "expirationSeconds", .int64),
            .field(3, "path", .string),
        ]),
        ProtobufMessageSchema("core/v1.ClusterTrustBundleProjection", [
            .field(1, "name", .string),
            .field(2, "signerName", .string),
            .field(3, "labelSelector", labelSelector),
            .field(5, "optional", .bool),
            .field(4, "path", .string),
        ]),
        ProtobufMessageSchema("core/v1.CSIVolumeSource", [
            .field(1, "driver", .string),
            .field(2, "readOnly", .bool),
            .field(3, "fsType", .string),
            .map(4, "volumeAttributes", .string),
            .field(5, "nodePublishSecretRef", .message(localObjectReference)),
        ]),
        ProtobufMessageSchema("core/v1.EphemeralVolumeSource", [
            .field(1, "volumeClaimTemplate", .message("core/v1.PersistentVolumeClaimTemplate")),
        ]),
        ProtobufMessageSchema("core/v1.PersistentVolumeClaimTemplate", [
            .field(1, "metadata", objectMeta),
            .field(2, "spec", .message("core/v1.PersistentVolumeClaimSpec")),
        ]),
        ProtobufMessageSchema("core/v1.ImageVolumeSource", [
            .omitEmpty(1, "reference", .string),
            .omitEmpty(2, "pullPolicy", .string),
        ]),
    ]
}
