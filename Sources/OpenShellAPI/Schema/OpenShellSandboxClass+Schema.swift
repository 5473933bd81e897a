//! Schemas of OpenShellSandboxClass's spec (`OpenShellSandboxClass.swift`):
//! the defaults sandboxes of the class start from and the limits they cannot exceed.
import KubeCore

extension OpenShellSandboxClassSpec: SchemaDescribed {
    public static var schema: Schema {
        .object("Defaults for sandboxes of this class and the limits they cannot exceed. A sandbox that violates them gets a ClassViolation condition and nothing is created.", [
            "images": ClassImages.schema.described("The default agent image and the images sandboxes may use."),
            "supervisor": SupervisorSpec.schema.described("The OpenShell supervisor and how it reaches the agent container."),
            "topology": .string("Combined (default): the supervisor runs in the agent container, as root with SYS_ADMIN, NET_ADMIN, SYS_PTRACE and SYSLOG. Sidecar: the network supervisor runs in its own container (see supervisor.sidecar) and the agent container runs as the sandbox user with every capability dropped.")
                .oneOf(["Combined", "Sidecar"]),
            "imagePullPolicy": .pullPolicy("The agent image's pull policy; unset leaves the cluster default."),
            "runtimeClassName": .objectName("The RuntimeClass of sandbox pods (e.g. gvisor, kata); a sandbox may override it only with userOverrides.allowRuntimeClass."),
            "nodeSelector": .labelMap("Node labels sandbox pods must be scheduled on; these keys win over a sandbox's."),
            "tolerations": .array("Tolerations of sandbox pods.", of: Toleration.schema).maxItems(SchemaLimits.smallList),
            "imagePullSecrets": .array("Secrets in each sandbox's namespace used to pull images.", of: LocalObjectReference.schema)
                .maxItems(16),
            "serviceAccountName": .objectName("The service account of sandbox pods (default: default). Its token is never mounted."),
            "security": ClassSecurity.schema.described("AppArmor and seccomp profiles of sandbox pods."),
            "resources": ClassResources.schema.described("Default and maximum resources of sandboxes."),
            "lifetime": ClassLifetime.schema.described("Default and maximum lifetime of sandboxes."),
            "workspace": ClassWorkspace.schema.described("Default and maximum workspace volume of sandboxes."),
            "defaultPolicy": SandboxPolicySpec.schema.described("The policy of sandboxes that set neither policyRef nor policy."),
            "policyEngine": PolicyEngineSpec.schema.described("Where the policy engine rules come from."),
            "networkPolicy": ClassNetworkPolicy.schema.described("A NetworkPolicy per sandbox: no ingress, egress only as listed."),
            "userOverrides": UserOverrides.schema.described("Which scheduling fields sandboxes of this class may set themselves."),
        ])
    }
}

extension ClassImages: SchemaDescribed {
    public static var schema: Schema {
        .object("Agent images.", [
            "default": .image("The image of sandboxes that set none."),
            "allowed": .array("Patterns a sandbox's image must match (* matches any run of characters); empty allows any image.",
                              of: .image("An image pattern, e.g. ghcr.io/nvidia/openshell-community/*.")).maxItems(SchemaLimits.smallList),
        ])
    }
}

extension SupervisorSpec: SchemaDescribed {
    public static var schema: Schema {
        .object("The OpenShell supervisor binary.", [
            "image": .image("The supervisor image. Default: ghcr.io/nvidia/openshell/supervisor at the OpenShell release this operator pins."),
            "imagePullPolicy": .pullPolicy("The supervisor image's pull policy."),
            "sideloadMethod": .string("ImageVolume (default; Kubernetes 1.35 or later): mount the supervisor image as a volume. InitContainer: copy the binary in an init container.")
                .oneOf(["ImageVolume", "InitContainer"]),
            "sidecar": SidecarSpec.schema.described("The network sidecar (openshell-supervisor-network) of the Sidecar topology; ignored by Combined."),
        ])
    }
}

extension SidecarSpec: SchemaDescribed {
    public static var schema: Schema {
        .object("The network sidecar of the Sidecar topology.", [
            "proxyUID": .integer("The UID the network sidecar runs as when processBinaryAwareNetworkPolicy is false. Default 1337. It must differ from the sandbox UID (1000, or the start of the namespace's openshift.io/sa.scc.uid-range); a sandbox whose UID equals it gets a ClassViolation.",
                                 format: "int64").range(SidecarSpec.proxyUIDRange),
            "processBinaryAwareNetworkPolicy": .boolean("Default true: network policy binaries are matched against the calling process, so the sidecar runs as root with SYS_PTRACE and DAC_READ_SEARCH to read the workload's /proc. False: the sidecar runs as proxyUID without added capabilities and enforces endpoints and L7 rules only, ignoring binaries."),
        ])
    }
}

extension ClassSecurity: SchemaDescribed {
    public static var schema: Schema {
        .object("Security profiles of sandbox pods.", [
            "appArmorProfile": SecurityProfile.schema.described("The AppArmor profile of the agent container and, in the Sidecar topology, of the network containers."),
            "seccompProfile": SecurityProfile.schema.described("The seccomp profile of the pod."),
        ])
    }
}

extension ClassResources: SchemaDescribed {
    public static var schema: Schema {
        .object("Resource defaults and limits.", [
            "defaults": ResourceRequirements.schema.described("Requests and limits of sandboxes that set none."),
            "maximum": .resourceList("The largest request or limit a sandbox may set, per resource name."),
            "maxGPUs": .integer("The most GPUs a sandbox may ask for; 0 forbids GPUs. Unset: no limit.").minimum(0),
        ])
    }
}

extension ClassLifetime: SchemaDescribed {
    public static var schema: Schema {
        .object("Lifetime defaults and limits.", [
            "defaultTTL": .duration("The ttl of sandboxes that set no lifetime, as a Go duration such as 8h."),
            "maximumTTL": .duration("The longest lifetime a sandbox may ask for, counted from its creation, as a Go duration such as 168h."),
        ])
    }
}

extension ClassWorkspace: SchemaDescribed {
    public static var schema: Schema {
        .object("Workspace defaults and limits.", [
            "defaultSize": .quantity("The workspace size of sandboxes that set none. Default 2Gi."),
            "maximumSize": .quantity("The largest workspace a sandbox may ask for."),
            "storageClassName": .objectName("The StorageClass of workspaces whose sandbox names none."),
        ])
    }
}

extension PolicyEngineSpec: SchemaDescribed {
    public static var schema: Schema {
        .object("The policy engine.", [
            "rulesConfigMapRef": NamespacedConfigMapKeyReference.schema.described("The ConfigMap key holding the policy engine rules (Rego). The ConfigMap must carry the label openshell.ai/policy-rules."),
        ])
    }
}

extension ClassNetworkPolicy: SchemaDescribed {
    public static var schema: Schema {
        .object("The per-sandbox NetworkPolicy.", [
            "enabled": .boolean("Create a NetworkPolicy for each sandbox."),
            "egress": .array("networking.k8s.io/v1 NetworkPolicyEgressRule objects, used as written.",
                             of: .freeform("One egress rule.")).maxItems(SchemaLimits.smallList),
        ])
    }
}

extension UserOverrides: SchemaDescribed {
    public static var schema: Schema {
        .object("Fields a sandbox may set itself.", [
            "allowRuntimeClass": .boolean("Sandboxes may set runtimeClassName."),
            "allowNodePlacement": .boolean("Sandboxes may set nodeSelector and tolerations."),
        ])
    }
}
