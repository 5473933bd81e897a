//! OpenShellSandboxClass (cluster-scoped, for admins): the defaults every
//! sandbox of the class starts from and the limits its users cannot exceed.
import KubeCore

public struct OpenShellSandboxClassSpec: Codable, Sendable, Hashable {
    public var images: ClassImages?
    public var supervisor: SupervisorSpec?
    /// `Combined` (default): the supervisor runs in the agent container.
    /// `Sidecar`: the network supervisor runs in its own container
    /// (`supervisor.sidecar`), the agent container without privileges.
    public var topology: String?
    /// The agent image's pull policy (`Always`, `IfNotPresent`, `Never`); unset leaves the cluster default.
    public var imagePullPolicy: String?
    public var runtimeClassName: String?
    public var nodeSelector: [String: String]?
    public var tolerations: [Toleration]?
    public var imagePullSecrets: [LocalObjectReference]?
    /// The sandbox pod's service account (default `default`); its token is never mounted.
    public var serviceAccountName: String?
    public var security: ClassSecurity?
    public var resources: ClassResources?
    public var lifetime: ClassLifetime?
    public var workspace: ClassWorkspace?
    /// The policy of sandboxes that set neither `policyRef` nor `policy`.
    public var defaultPolicy: SandboxPolicySpec?
    public var policyEngine: PolicyEngineSpec?
    public var networkPolicy: ClassNetworkPolicy?
    public var userOverrides: UserOverrides?

    public init(
        images: ClassImages? = nil, supervisor: SupervisorSpec? = nil, topology: String? = nil,
        imagePullPolicy: String? = nil, runtimeClassName: String? = nil, nodeSelector: [String: String]? = nil,
        tolerations: [Toleration]? = nil, imagePullSecrets: [LocalObjectReference]? = nil,
        serviceAccountName: String? = nil, security: ClassSecurity? = nil, resources: ClassResources? = nil,
        lifetime: ClassLifetime? = nil, workspace: ClassWorkspace? = nil, defaultPolicy: SandboxPolicySpec? = nil,
        policyEngine: PolicyEngineSpec? = nil, networkPolicy: ClassNetworkPolicy? = nil,
        userOverrides: UserOverrides? = nil
    ) {
        self.images = images
        self.supervisor = supervisor
        self.topology = topology
        self.imagePullPolicy = imagePullPolicy
        self.runtimeClassName = runtimeClassName
        self.nodeSelector = nodeSelector
        self.tolerations = tolerations
        self.imagePullSecrets = imagePullSecrets
        self.serviceAccountName = serviceAccountName
        self.security = security
        self.resources = resources
        self.lifetime = lifetime
        self.workspace = workspace
        self.defaultPolicy = defaultPolicy
        self.policyEngine = policyEngine
        self.networkPolicy = networkPolicy
        self.userOverrides = userOverrides
    }

    /// The `topology` value that asks for the network sidecar.
    public static let sidecarTopology = "Sidecar"

    /// `topology` is `Sidecar` (anything else renders the combined pod).
    public var usesSidecarTopology: Bool { topology == Self.sidecarTopology }
}

public struct ClassImages: Codable, Sendable, Hashable {
    /// The image of sandboxes that set none.
    public var `default`: String?
    /// Glob patterns (`*` matches any run of characters) a sandbox's image must
    /// match; empty allows any image.
    public var allowed: [String]?
    public init(default: String? = nil, allowed: [String]? = nil) {
        self.default = `default`
        self.allowed = allowed
    }
}

public struct SupervisorSpec: Codable, Sendable, Hashable {
    /// Default `ghcr.io/nvidia/openshell/supervisor:<pinned OpenShell version>`.
    public var image: String?
    public var imagePullPolicy: String?
    /// `ImageVolume` (default; Kubernetes ≥ 1.35) or `InitContainer`.
    public var sideloadMethod: String?
    /// The network sidecar of the `Sidecar` topology; ignored by `Combined`.
    public var sidecar: SidecarSpec?
    public init(image: String? = nil, imagePullPolicy: String? = nil, sideloadMethod: String? = nil, sidecar: SidecarSpec? = nil) {
        self.image = image
        self.imagePullPolicy = imagePullPolicy
        self.sideloadMethod = sideloadMethod
        self.sidecar = sidecar
    }
}

/// The `openshell-supervisor-network` container of the `Sidecar` topology.
public struct SidecarSpec: Codable, Sendable, Hashable {
    /// The UID the network sidecar runs as when the network policy is not
    /// process-binary-aware (default 1337, within `proxyUIDRange`). It must
    /// differ from the sandbox UID: the pod's nftables rules exempt it from
    /// the proxy redirect.
    public var proxyUID: Int64?
    /// Match network policy `binaries` against the calling process (default
    /// true): the sidecar runs as root with `SYS_PTRACE` and `DAC_READ_SEARCH`
    /// to read the workload's `/proc`. False: it runs as `proxyUID` with no
    /// added capability and enforces endpoints and L7 rules only.
    public var processBinaryAwareNetworkPolicy: Bool?

    public static let defaultProxyUID: Int64 = 1337
    /// Non-root, and not the overflow id 4294967295.
    public static let proxyUIDRange: ClosedRange<Int64> = 1000...4_294_967_294

    public init(proxyUID: Int64? = nil, processBinaryAwareNetworkPolicy: Bool? = nil) {
        self.proxyUID = proxyUID
        self.processBinaryAwareNetworkPolicy = processBinaryAwareNetworkPolicy
    }

    /// `proxyUID`, else 1337.
    public var effectiveProxyUID: Int64 { proxyUID ?? Self.defaultProxyUID }
    /// `processBinaryAwareNetworkPolicy`, else true.
    public var binaryAware: Bool { processBinaryAwareNetworkPolicy ?? true }
}

public struct ClassSecurity: Codable, Sendable, Hashable {
    public var appArmorProfile: SecurityProfile?
    public var seccompProfile: SecurityProfile?
    public init(appArmorProfile: SecurityProfile? = nil, seccompProfile: SecurityProfile? = nil) {
        self.appArmorProfile = appArmorProfile
        self.seccompProfile = seccompProfile
    }
}

public struct ClassResources: Codable, Sendable, Hashable {
    /// Requests and limits of sandboxes that set none (per resource name).
    public var defaults: ResourceRequirements?
    /// The largest request or limit a sandbox may set, per resource name.
    public var maximum: [String: String]?
    /// The most GPUs a sandbox may ask for; 0 forbids GPUs. Unset: no limit.
    public var maxGPUs: Int?
    public init(defaults: ResourceRequirements? = nil, maximum: [String: String]? = nil, maxGPUs: Int? = nil) {
        self.defaults = defaults
        self.maximum = maximum
        self.maxGPUs = maxGPUs
    }
}

public struct ClassLifetime: Codable, Sendable, Hashable {
    /// The TTL of sandboxes that set no lifetime (a duration such as `8h`).
    public var defaultTTL: String?
    /// The longest lifetime a sandbox may ask for, counted from its creation.
    public var maximumTTL: String?
    public init(defaultTTL: String? = nil, maximumTTL: String? = nil) {
        self.defaultTTL = defaultTTL
        self.maximumTTL = maximumTTL
    }
}

public struct ClassWorkspace: Codable, Sendable, Hashable {
    /// Default `2Gi`.
    public var defaultSize: String?
    public var maximumSize: String?
    public var storageClassName: String?
    public init(defaultSize: String? = nil, maximumSize: String? = nil, storageClassName: String? = nil) {
        self.defaultSize = defaultSize
        self.maximumSize = maximumSize
        self.storageClassName = storageClassName
    }
}

public struct PolicyEngineSpec: Codable, Sendable, Hashable {
    /// The policy engine rules (Rego) the supervisor evaluates policies with.
    /// The ConfigMap must carry the label `openshell.ai/policy-rules`.
    public var rulesConfigMapRef: NamespacedConfigMapKeyReference?
    public init(rulesConfigMapRef: NamespacedConfigMapKeyReference? = nil) {
        self.rulesConfigMapRef = rulesConfigMapRef
    }
}

public struct ClassNetworkPolicy: Codable, Sendable, Hashable {
    /// Create a NetworkPolicy per sandbox: no ingress, egress only by `egress`.
    public var enabled: Bool?
    /// networking.k8s.io/v1 NetworkPolicyEgressRule objects, as written.
    public var egress: [JSONValue]?
    public init(enabled: Bool? = nil, egress: [JSONValue]? = nil) {
        self.enabled = enabled
        self.egress = egress
    }
}

public struct UserOverrides: Codable, Sendable, Hashable {
    /// Sandboxes may set `runtimeClassName`.
    public var allowRuntimeClass: Bool?
    /// Sandboxes may set `nodeSelector` and `tolerations`.
    public var allowNodePlacement: Bool?
    public init(allowRuntimeClass: Bool? = nil, allowNodePlacement: Bool? = nil) {
        self.allowRuntimeClass = allowRuntimeClass
        self.allowNodePlacement = allowNodePlacement
    }
}
