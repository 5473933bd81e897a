//! The fixed names and paths of a sandbox pod: containers, volumes, mount
//! points, supervisor environment variables and ConfigMap keys. One place
//! for every string the renderer, its tests and the reconciler share.

public enum SandboxPodLayout {
    // MARK: Containers
    public static let agentContainer = "agent"
    public static let supervisorInstallContainer = "openshell-supervisor-install"
    public static let workspaceInitContainer = "workspace-init"
    /// Sidecar topology: installs the pod's nftables rules before anything else runs.
    public static let networkInitContainer = "openshell-network-init"
    /// Sidecar topology: the network half of the supervisor (proxy, policy engine, inference router).
    public static let networkSidecarContainer = "openshell-supervisor-network"

    // MARK: Volumes and mounts
    public static let supervisorVolume = "openshell-supervisor-bin"
    public static let supervisorDirectory = "/opt/openshell/bin"
    public static let supervisorBinary = "/opt/openshell/bin/openshell-sandbox"
    /// The supervisor binary's path inside the supervisor image.
    public static let supervisorImageBinary = "/openshell-sandbox"
    public static let configVolume = "openshell-config"
    public static let configDirectory = "/etc/openshell/policy"
    /// 0444: the supervisor only reads its files.
    public static let configDefaultMode: Int64 = 0o444
    public static let workspaceVolume = "workspace"
    public static let workspaceDirectory = "/sandbox"
    /// Where `workspace-init` mounts the workspace claim.
    public static let workspaceSeedMount = "/workspace-pvc"
    public static let workspaceSentinel = ".workspace-initialized"
    /// Sidecar topology: the state both halves share (the control socket).
    public static let sidecarStateVolume = "openshell-sidecar-state"
    public static let sidecarStateDirectory = "/run/openshell-sidecar"
    public static let sidecarControlSocket = "/run/openshell-sidecar/control.sock"
    /// Sidecar topology: the proxy's CA, which the workload trusts.
    public static let proxyTLSVolume = "openshell-supervisor-tls"
    public static let proxyTLSDirectory = "/etc/openshell-tls/proxy"
    /// Sidecar topology: the abstract socket the process half listens on for SSH relays.
    public static let sidecarSSHSocket = "@openshell-sidecar-ssh"

    // MARK: ConfigMap keys
    public static let policyKey = "policy.yaml"
    public static let rulesKey = "sandbox-policy.rego"
    public static let routesKey = "routes.yaml"

    /// The ConfigMap and NetworkPolicy of a sandbox: `<name>-openshell`.
    public static func ownedObjectName(_ sandboxName: String) -> String { sandboxName + "-openshell" }

    // MARK: Capabilities
    /// The agent container's, combined topology (the sidecar topology drops all).
    public static let agentCapabilities = ["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYSLOG"]
    /// `openshell-network-init`'s, on top of dropping all.
    public static let networkInitCapabilities = ["NET_ADMIN", "NET_RAW", "CHOWN", "FOWNER"]
    /// `openshell-supervisor-network`'s with a binary-aware policy (it reads the workload's `/proc`).
    public static let binaryAwareSidecarCapabilities = ["SYS_PTRACE", "DAC_READ_SEARCH"]

    /// The main process when the spec names none.
    public static let defaultCommand = ["/bin/bash", "-l"]

    public static let gpuResource = "nvidia.com/gpu"
}

/// The supervisor's environment variables (no gateway variables: the operator runs sandboxes standalone).
public enum SupervisorEnv {
    public static let userEnvironment = "OPENSHELL_USER_ENVIRONMENT"
    public static let mainProcessSpec = "OPENSHELL_MAIN_PROCESS_SPEC"
    public static let sandboxID = "OPENSHELL_SANDBOX_ID"
    public static let sandboxName = "OPENSHELL_SANDBOX"
    public static let logLevel = "OPENSHELL_LOG_LEVEL"
    public static let networkRuntimeCapabilities = "OPENSHELL_NETWORK_RUNTIME_CAPABILITIES"
    public static let sandboxUID = "OPENSHELL_SANDBOX_UID"
    public static let sandboxGID = "OPENSHELL_SANDBOX_GID"
    public static let policyData = "OPENSHELL_POLICY_DATA"
    public static let policyRules = "OPENSHELL_POLICY_RULES"
    public static let inferenceRoutes = "OPENSHELL_INFERENCE_ROUTES"
    // Sidecar topology: both halves.
    public static let supervisorTopology = "OPENSHELL_SUPERVISOR_TOPOLOGY"
    public static let networkEnforcementMode = "OPENSHELL_NETWORK_ENFORCEMENT_MODE"
    public static let sshSocketPath = "OPENSHELL_SSH_SOCKET_PATH"
    public static let sidecarControlSocket = "OPENSHELL_SIDECAR_CONTROL_SOCKET"
    public static let proxyTLSDirectory = "OPENSHELL_PROXY_TLS_DIR"
    /// Sidecar topology, network half: `relaxed` when the policy is not binary-aware.
    public static let networkBinaryIdentity = "OPENSHELL_NETWORK_BINARY_IDENTITY"
}
