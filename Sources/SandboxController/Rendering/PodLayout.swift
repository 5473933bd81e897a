//! The fixed names and paths of a sandbox pod: containers, volumes, mount
//! points, supervisor environment variables and ConfigMap keys. One place
//! for every string the renderer, its tests and the reconciler share.

public enum SandboxPodLayout {
    // MARK: Containers
    public static let agentContainer = "agent"
    public static let supervisorInstallContainer = "openshell-supervisor-install"
    public static let workspaceInitContainer = "workspace-init"

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

    // MARK: ConfigMap keys
    public static let policyKey = "policy.yaml"
    public static let rulesKey = "sandbox-policy.rego"
    public static let routesKey = "routes.yaml"

    /// The ConfigMap and NetworkPolicy of a sandbox: `<name>-openshell`.
    public static func ownedObjectName(_ sandboxName: String) -> String { sandboxName + "-openshell" }

    // MARK: Agent capabilities (combined topology)
    public static let agentCapabilities = ["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYSLOG"]

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
}
