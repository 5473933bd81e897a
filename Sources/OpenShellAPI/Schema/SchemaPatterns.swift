//! Regular expressions and limits the openshell.ai schemas share: Kubernetes
//! names, quantities, Go durations, environment variable names, and the
//! upstream OpenShell limits (openshell-contract §5.3 and §4).
//! Patterns stay within the syntax Go's RE2 and ICU read the same way.

/// Patterns for `Schema.pattern`.
public enum SchemaPatterns {
    /// A lowercase RFC 1123 label (namespaces, port names).
    public static let dns1123Label = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
    /// A lowercase RFC 1123 subdomain (most object names).
    public static let dns1123Subdomain = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
    /// A DNS-1035 label (names that become Service names).
    public static let dns1035Label = "^[a-z]([-a-z0-9]*[a-z0-9])?$"
    /// A ConfigMap or Secret key.
    public static let configKey = "^[-._a-zA-Z0-9]+$"
    /// A label value (may be empty).
    public static let labelValue = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
    /// A resource quantity (`500m`, `2Gi`, `1.5`), as the Kubernetes quantity pattern.
    public static let quantity =
        "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$"
    /// A Go duration such as `30m`, `1h30m` or `500ms` (no sign).
    public static let goDuration = "^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$"
    /// An environment variable name, as OpenShell accepts it.
    public static let envVarName = "^[A-Za-z_][A-Za-z0-9_]*$"
    /// An absolute path.
    public static let absolutePath = "^/"
    /// `sandbox` or a numeric id (the range 1...4294967294 is checked by the operator).
    public static let processIdentity = "^(sandbox|[1-9][0-9]{0,9})$"
}

/// Limits the schemas enforce (OpenShell's own, or chosen to keep CEL cost bounded).
public enum SchemaLimits {
    public static let envEntries: Int64 = 128
    public static let envNameLength: Int64 = 256
    public static let envValueLength: Int64 = 8192
    public static let commandArgs: Int64 = 256
    public static let commandArgLength: Int64 = 32 * 1024
    public static let templateString: Int64 = 1024
    public static let templateMapEntries: Int64 = 128
    public static let providers: Int64 = 32
    public static let logLevelLength: Int64 = 32
    public static let policyPaths: Int64 = 256
    public static let policyPathLength: Int64 = 4096
    /// Not upstream limits: bounds that keep lists finite for CEL cost estimates.
    public static let smallList: Int64 = 64
    public static let networkPolicies: Int64 = 128
}
