//! OpenShellPolicy (namespaced): a reusable OpenShell sandbox policy
//! (policy format version 1) in Kubernetes' camelCase. The operator renders
//! it into the supervisor's snake_case policy YAML. `SandboxPolicySpec` is
//! also the shape of a sandbox's inline policy and a class's default policy.
import KubeCore

/// The OpenShell sandbox policy, version 1.
public struct SandboxPolicySpec: Codable, Sendable, Hashable {
    /// Static: which paths the sandboxed process may read and write.
    public var filesystem: FilesystemPolicy?
    /// Static: how strictly Landlock is applied.
    public var landlock: LandlockPolicy?
    /// Static: the identity the main process runs as.
    public var process: ProcessPolicy?
    /// Network access by rule name.
    public var networkPolicies: [String: NetworkPolicyRule]?

    public init(
        filesystem: FilesystemPolicy? = nil, landlock: LandlockPolicy? = nil, process: ProcessPolicy? = nil,
        networkPolicies: [String: NetworkPolicyRule]? = nil
    ) {
        self.filesystem = filesystem
        self.landlock = landlock
        self.process = process
        self.networkPolicies = networkPolicies
    }
}

public struct FilesystemPolicy: Codable, Sendable, Hashable {
    /// Whether the working directory (`/sandbox`) is writable.
    public var includeWorkdir: Bool?
    public var readOnly: [String]?
    public var readWrite: [String]?
    public init(includeWorkdir: Bool? = nil, readOnly: [String]? = nil, readWrite: [String]? = nil) {
        self.includeWorkdir = includeWorkdir
        self.readOnly = readOnly
        self.readWrite = readWrite
    }
}

public struct LandlockPolicy: Codable, Sendable, Hashable {
    /// `BestEffort` or `HardRequirement` (rendered `best_effort`, `hard_requirement`).
    public var compatibility: String?
    public init(compatibility: String? = nil) { self.compatibility = compatibility }
}

public struct ProcessPolicy: Codable, Sendable, Hashable {
    /// `sandbox` or a numeric id in 1...4294967294.
    public var runAsUser: String?
    public var runAsGroup: String?
    public init(runAsUser: String? = nil, runAsGroup: String? = nil) {
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
    }
}

public struct NetworkPolicyRule: Codable, Sendable, Hashable {
    /// A display name; defaults to the map key.
    public var name: String?
    public var endpoints: [NetworkEndpoint]?
    public var binaries: [NetworkBinary]?
    public init(name: String? = nil, endpoints: [NetworkEndpoint]? = nil, binaries: [NetworkBinary]? = nil) {
        self.name = name
        self.endpoints = endpoints
        self.binaries = binaries
    }
}

public struct NetworkEndpoint: Codable, Sendable, Hashable {
    /// A host name; `*` only as the whole first label or a whole middle label.
    public var host: String?
    public var port: Int?
    public var ports: [Int]?
    public var path: String?
    /// `rest`, `websocket`, `graphql`, `mcp` or `json-rpc` (`tcp` is not available on Kubernetes).
    public var `protocol`: String?
    /// `skip` to pass TLS through uninspected.
    public var tls: String?
    /// `enforce` or `audit`.
    public var enforcement: String?
    /// `read-only`, `read-write` or `full`.
    public var access: String?
    public var allowedIPs: [String]?
    /// Fine-grained allow rules, passed to the supervisor as written (snake_case keys).
    public var rules: [JSONValue]?
    /// Fine-grained deny rules, passed to the supervisor as written (snake_case keys).
    public var denyRules: [JSONValue]?

    public init(
        host: String? = nil, port: Int? = nil, ports: [Int]? = nil, path: String? = nil, protocol: String? = nil,
        tls: String? = nil, enforcement: String? = nil, access: String? = nil, allowedIPs: [String]? = nil,
        rules: [JSONValue]? = nil, denyRules: [JSONValue]? = nil
    ) {
        self.host = host
        self.port = port
        self.ports = ports
        self.path = path
        self.protocol = `protocol`
        self.tls = tls
        self.enforcement = enforcement
        self.access = access
        self.allowedIPs = allowedIPs
        self.rules = rules
        self.denyRules = denyRules
    }
}

public struct NetworkBinary: Codable, Sendable, Hashable {
    /// An absolute path or glob of the binaries the rule applies to.
    public var path: String
    public init(path: String) { self.path = path }
}

/// `OpenShellPolicy.status`.
public struct OpenShellPolicyStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64?
    /// `Valid`: the policy passed the upstream limits.
    public var conditions: [Condition]?
    public init(observedGeneration: Int64? = nil, conditions: [Condition]? = nil) {
        self.observedGeneration = observedGeneration
        self.conditions = conditions
    }
}
