//! OpenShellSandbox (namespaced, short name `oss`): one OpenShell sandbox
//! the operator runs as an `agents.x-k8s.io/v1beta1` Sandbox, with no
//! gateway. Spec is what the user asks for; status is what the operator
//! observed, with phase and conditions.
import KubeCore

public struct OpenShellSandboxSpec: Codable, Sendable, Hashable {
    /// The OpenShellSandboxClass; unset uses the class marked default, if any.
    public var className: String?
    /// The agent image; unset uses the class's default image.
    public var image: String?
    /// The main process; unset runs the supervisor's login shell (`/bin/bash -l`) with a TTY.
    public var command: [String]?
    /// Whether the main process gets a TTY (default: true without `command`, false with one).
    public var tty: Bool?
    public var env: [EnvVar]?
    public var resources: ResourceRequirements?
    /// NVIDIA GPUs (`nvidia.com/gpu` limit).
    public var gpus: Int?
    public var runtimeClassName: String?
    public var nodeSelector: [String: String]?
    public var tolerations: [Toleration]?
    /// An OpenShellPolicy in the namespace. At most one of `policyRef` and `policy`.
    public var policyRef: LocalObjectReference?
    public var policy: SandboxPolicySpec?
    public var providers: [ProviderSpec]?
    public var inference: InferenceSpec?
    public var lifetime: LifetimeSpec?
    /// Stop (true) or run (false, default) the sandbox; the workspace is kept.
    public var suspended: Bool?
    public var failurePolicy: FailurePolicy?
    /// Immutable after creation.
    public var workspace: WorkspaceSpec?
    public var podMetadata: PodMetadata?
    public var service: SandboxServiceSpec?
    /// The supervisor's log level (`OPENSHELL_LOG_LEVEL`), e.g. `info`, `debug`.
    public var logLevel: String?

    public init(
        className: String? = nil, image: String? = nil, command: [String]? = nil, tty: Bool? = nil,
        env: [EnvVar]? = nil, resources: ResourceRequirements? = nil, gpus: Int? = nil,
        runtimeClassName: String? = nil, nodeSelector: [String: String]? = nil, tolerations: [Toleration]? = nil,
        policyRef: LocalObjectReference? = nil, policy: SandboxPolicySpec? = nil, providers: [ProviderSpec]? = nil,
        inference: InferenceSpec? = nil, lifetime: LifetimeSpec? = nil, suspended: Bool? = nil,
        failurePolicy: FailurePolicy? = nil, workspace: WorkspaceSpec? = nil, podMetadata: PodMetadata? = nil,
        service: SandboxServiceSpec? = nil, logLevel: String? = nil
    ) {
        self.className = className
        self.image = image
        self.command = command
        self.tty = tty
        self.env = env
        self.resources = resources
        self.gpus = gpus
        self.runtimeClassName = runtimeClassName
        self.nodeSelector = nodeSelector
        self.tolerations = tolerations
        self.policyRef = policyRef
        self.policy = policy
        self.providers = providers
        self.inference = inference
        self.lifetime = lifetime
        self.suspended = suspended
        self.failurePolicy = failurePolicy
        self.workspace = workspace
        self.podMetadata = podMetadata
        self.service = service
        self.logLevel = logLevel
    }
}

/// Credentials from a Secret in the namespace, delivered to the main process
/// as environment variables that reference the Secret (values are never copied).
public struct ProviderSpec: Codable, Sendable, Hashable {
    /// A name for the provider (e.g. `github`), unique in the sandbox.
    public var name: String
    public var secretRef: LocalObjectReference
    /// Which keys become which variables; unset exposes every key of the Secret under its own name.
    public var env: [ProviderEnv]?
    public init(name: String, secretRef: LocalObjectReference, env: [ProviderEnv]? = nil) {
        self.name = name
        self.secretRef = secretRef
        self.env = env
    }
}

public struct ProviderEnv: Codable, Sendable, Hashable {
    /// The environment variable.
    public var name: String
    /// The Secret key.
    public var key: String
    public init(name: String, key: String) {
        self.name = name
        self.key = key
    }
}

/// Inference routes for the supervisor's router (the standalone routes file).
public struct InferenceSpec: Codable, Sendable, Hashable {
    public var routes: [InferenceRoute]?
    public init(routes: [InferenceRoute]? = nil) { self.routes = routes }
}

public struct InferenceRoute: Codable, Sendable, Hashable {
    /// `inference.local` is the default route.
    public var name: String
    /// The upstream base URL.
    public var endpoint: String
    public var model: String
    /// `openai`, `anthropic`, `nvidia`, `deepinfra`, `google-vertex-ai` or `aws-bedrock`.
    public var providerType: String?
    public var protocols: [String]?
    /// The API key, from a Secret in the namespace (delivered as an environment variable reference).
    public var apiKeySecretRef: SecretKeySelector?
    public init(
        name: String, endpoint: String, model: String, providerType: String? = nil, protocols: [String]? = nil,
        apiKeySecretRef: SecretKeySelector? = nil
    ) {
        self.name = name
        self.endpoint = endpoint
        self.model = model
        self.providerType = providerType
        self.protocols = protocols
        self.apiKeySecretRef = apiKeySecretRef
    }
}

/// When the sandbox ends: a TTL from creation or a fixed time (at most one).
public struct LifetimeSpec: Codable, Sendable, Hashable {
    /// A duration from the object's creation, e.g. `30m`, `8h`, `168h`.
    public var ttl: String?
    /// An RFC 3339 time.
    public var expiresAt: String?
    /// `Delete` (default): the Sandbox, its pod and workspace are deleted and the
    /// OpenShellSandbox stays as a record in phase Expired. `Stop`: the pod is
    /// stopped and the workspace kept.
    public var onExpiry: String?
    public init(ttl: String? = nil, expiresAt: String? = nil, onExpiry: String? = nil) {
        self.ttl = ttl
        self.expiresAt = expiresAt
        self.onExpiry = onExpiry
    }
}

/// What happens when the main process ends (OpenShell treats every exit as terminal).
public struct FailurePolicy: Codable, Sendable, Hashable {
    /// `Leave` (default): phase Failed until the spec changes. `Restart`: start a
    /// new pod (keeping the workspace) after a backoff, up to `maxRestarts` times.
    public var action: String?
    /// Default 3.
    public var maxRestarts: Int?
    public init(action: String? = nil, maxRestarts: Int? = nil) {
        self.action = action
        self.maxRestarts = maxRestarts
    }
}

/// The persistent `/sandbox` workspace.
public struct WorkspaceSpec: Codable, Sendable, Hashable {
    /// No workspace volume: `/sandbox` lives in the container.
    public var disabled: Bool?
    /// Default: the class's default size, else `2Gi`.
    public var size: String?
    public var storageClassName: String?
    public init(disabled: Bool? = nil, size: String? = nil, storageClassName: String? = nil) {
        self.disabled = disabled
        self.size = size
        self.storageClassName = storageClassName
    }
}

/// A headless Service named after the sandbox.
public struct SandboxServiceSpec: Codable, Sendable, Hashable {
    public var enabled: Bool?
    public var ports: [SandboxPort]?
    public init(enabled: Bool? = nil, ports: [SandboxPort]? = nil) {
        self.enabled = enabled
        self.ports = ports
    }
}

public struct SandboxPort: Codable, Sendable, Hashable {
    public var name: String?
    public var port: Int
    /// `TCP` (default), `UDP` or `SCTP`.
    public var `protocol`: String?
    public init(name: String? = nil, port: Int, protocol: String? = nil) {
        self.name = name
        self.port = port
        self.protocol = `protocol`
    }
}

// MARK: - Status

/// The phases, in the order a sandbox usually moves through them.
public enum SandboxPhase: String, Codable, Sendable, Hashable, CaseIterable {
    /// Accepted, nothing created yet (or waiting for input: a class, a policy, a Secret).
    case pending = "Pending"
    /// The Sandbox exists; its pod is not ready yet.
    case provisioning = "Provisioning"
    case ready = "Ready"
    case suspending = "Suspending"
    case suspended = "Suspended"
    /// The lifetime ended.
    case expired = "Expired"
    /// The main process ended, or the spec cannot be run.
    case failed = "Failed"
    case deleting = "Deleting"
}

public struct OpenShellSandboxStatus: Codable, Sendable, Hashable {
    public var phase: SandboxPhase?
    /// `Ready`, `Suspended`, `UpToDate`, `Valid`, and `Conflict` while one exists.
    public var conditions: [Condition]?
    public var observedGeneration: Int64?
    /// The sandbox's OpenShell id (a UUID), stable for this object's lifetime.
    public var sandboxID: String?
    /// The owned `agents.x-k8s.io` Sandbox.
    public var sandbox: OwnedSandboxReference?
    /// The class in use.
    public var className: String?
    /// Set while Ready.
    public var podIPs: [String]?
    /// Set while Ready with a Service.
    public var serviceFQDN: String?
    /// When the lifetime ends (RFC 3339).
    public var expiresAt: String?
    /// Restarts made by the failure policy.
    public var restartCount: Int?
    /// The main process's last exit code.
    public var lastExitCode: Int?
    /// The last pod whose failure was counted (so a failure counts once).
    public var lastFailedPodUID: String?
    /// When that failure was observed (RFC 3339); restart backoff counts from it.
    public var lastFailureTime: String?
    /// The `openshell.ai/restartedAt` annotation value last acted on (a requested restart happens once per value).
    public var observedRestartedAt: String?

    public init(
        phase: SandboxPhase? = nil, conditions: [Condition]? = nil, observedGeneration: Int64? = nil,
        sandboxID: String? = nil, sandbox: OwnedSandboxReference? = nil, className: String? = nil,
        podIPs: [String]? = nil, serviceFQDN: String? = nil, expiresAt: String? = nil, restartCount: Int? = nil,
        lastExitCode: Int? = nil, lastFailedPodUID: String? = nil, lastFailureTime: String? = nil,
        observedRestartedAt: String? = nil
    ) {
        self.phase = phase
        self.conditions = conditions
        self.observedGeneration = observedGeneration
        self.sandboxID = sandboxID
        self.sandbox = sandbox
        self.className = className
        self.podIPs = podIPs
        self.serviceFQDN = serviceFQDN
        self.expiresAt = expiresAt
        self.restartCount = restartCount
        self.lastExitCode = lastExitCode
        self.lastFailedPodUID = lastFailedPodUID
        self.lastFailureTime = lastFailureTime
        self.observedRestartedAt = observedRestartedAt
    }
}

public struct OwnedSandboxReference: Codable, Sendable, Hashable {
    public var name: String
    public var uid: String
    public init(name: String, uid: String) {
        self.name = name
        self.uid = uid
    }
}

/// Condition types and reasons of OpenShellSandbox and OpenShellPolicy,
/// and the reasons of the Events the operator records. Stable API: alerts
/// and scripts key on them.
public enum SandboxConditionType {
    public static let ready = "Ready"
    public static let suspended = "Suspended"
    public static let upToDate = "UpToDate"
    public static let valid = "Valid"
    public static let conflict = "Conflict"
}
