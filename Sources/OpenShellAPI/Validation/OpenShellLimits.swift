//! The numeric limits and enumerations the validators enforce, in one place
//! so the CRD schema, the validators and the docs cannot drift apart. The
//! numbers are OpenShell's own (openshell-contract §4 and §5.3): a spec the
//! operator accepts is one the OpenShell gateway would also have accepted.

/// Limits a sandbox spec and a sandbox policy must stay within.
public enum OpenShellLimits {
    // MARK: Environment (§5.3)
    /// Entries in `spec.env`.
    public static let maxEnvEntries = 128
    /// Bytes in one environment variable name.
    public static let maxEnvNameLength = 256
    /// Bytes in one literal environment value.
    public static let maxEnvValueLength = 8192
    /// Bytes of all literal entries together (names plus values): the
    /// supervisor receives them as one JSON document.
    public static let maxEnvTotalSize = 256 * 1024
    /// The prefix of the variables the operator and the supervisor set.
    public static let reservedEnvPrefix = "OPENSHELL_"

    // MARK: Main process (§5.3)
    public static let maxCommandArgs = 256
    public static let maxCommandArgLength = 32 * 1024
    public static let maxCommandTotalSize = 256 * 1024

    // MARK: Other spec fields (§5.3)
    public static let maxProviders = 32
    public static let maxLogLevelLength = 32
    /// Bytes in the image reference (OpenShell's template string limit).
    public static let maxImageLength = 1024
    /// Entries in each of `spec.podMetadata.labels` and `.annotations`.
    public static let maxPodMetadataEntries = 128
    public static let maxRestarts = 100
    /// Key prefixes (a domain and its subdomains) the operator and the Agent
    /// Sandbox controller own on the pod.
    public static let reservedMetadataDomains = ["agents.x-k8s.io", "openshell.ai", "openshell.io"]

    // MARK: Policy (§4)
    /// Bytes of the policy encoded as JSON.
    public static let maxPolicySize = 256 * 1024
    /// `filesystem.readOnly` and `filesystem.readWrite` together.
    public static let maxFilesystemPaths = 256
    /// Bytes in one filesystem path.
    public static let maxPathLength = 4096
    /// The largest numeric `runAsUser` / `runAsGroup` (`u32::MAX - 1`); 0 (root) is never allowed.
    public static let maxProcessID: UInt64 = 4_294_967_294

    // MARK: Enumerations
    public static let onExpiryValues = ["Delete", "Stop"]
    public static let failureActions = ["Leave", "Restart"]
    public static let inferenceProviderTypes = ["openai", "anthropic", "nvidia", "deepinfra", "google-vertex-ai", "aws-bedrock"]
    public static let servicePortProtocols = ["TCP", "UDP", "SCTP"]
    public static let tolerationOperators = ["Equal", "Exists"]
    public static let tolerationEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
    public static let landlockCompatibilities = ["BestEffort", "HardRequirement"]
    /// Endpoint protocols available on Kubernetes (`tcp` is not: the pod
    /// advertises no transparent-TCP capability; omit `protocol` for TCP passthrough).
    public static let endpointProtocols = ["rest", "websocket", "graphql", "mcp", "json-rpc"]
    public static let endpointEnforcements = ["enforce", "audit"]
    public static let endpointAccessLevels = ["read-only", "read-write", "full"]
}
